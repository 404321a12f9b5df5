"""Messages on a verbale: the signed-in citizen's conversation with the operator about one of
their fines (only theirs: any other verbale is a 404). Answers come from the contact-center
console; the citizen is told by e-mail (:mod:`core.contact.notify`)."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core import drafts, storage
from core.extensions import csrf, enforce_limits
from core.i18n import current_language
from core.requests import messages
from core.uploads import UploadError
from portal.requests import drafting

from .forms import VerbaleMessageForm

bp = Blueprint("messages", __name__)
DRAFT = "verbale_message"


@csrf.exempt  # the form checks its own CSRF token: an expired session keeps what was typed
@bp.route("/my-position/verbale/<int:verbale_id>/messages", methods=["GET", "POST"])
def thread(verbale_id: int):
    if not current_user.is_authenticated:
        return _signed_out(verbale_id)
    current = messages.thread(verbale_id, current_user.person_id) or abort(404)
    owner = drafts.person_owner(current_user.person_id)
    form = VerbaleMessageForm(data=None if request.method == "POST" else drafting.load(DRAFT, str(verbale_id)))
    if form.validate_on_submit():
        enforce_limits("verbale-message", "10 per minute;60 per hour", f"person:{current_user.person_id}")
        try:
            messages.post(verbale_id, current_user.person_id, form.body.data,
                          request.files.getlist(form.attachments.name), current_language())
        except UploadError as exc:
            form.attachments.errors.append(str(exc))
        else:
            drafting.discard(DRAFT, str(verbale_id))
            flash(_("Your message has been sent. We will answer here and tell you by e-mail."), "success")
            return redirect(url_for("messages.thread", verbale_id=verbale_id, _anchor="thread-title"))
    if request.method == "POST":
        if drafting.csrf_expired(form):
            flash(_("Your session had expired. We kept what you typed: check it and send it again."), "warning")
        if drafting.same_site():
            drafts.save(owner, DRAFT, str(verbale_id), {"body": form.body.data or ""})
    return render_template("portal/messages/thread.html", thread=current, form=form)


def _signed_out(verbale_id: int):
    """Signed out (or the session expired while typing): keep the message in this browser's
    draft and go to the sign-in page, which brings the citizen back here."""
    fresh = None
    if request.method == "POST" and drafting.same_site() and (request.form.get("body") or "").strip():
        key, fresh = drafting.owner()
        drafts.save(key, DRAFT, str(verbale_id), {"body": request.form.get("body", "")[:5000]})
        flash(_("Your session had expired. Sign in again: your message has been kept."), "warning")
    return drafting.remember(current_app.login_manager.unauthorized(), fresh)


@bp.get("/my-position/verbale/<int:verbale_id>/messages/files/<int:attachment_id>")
@login_required
def attachment(verbale_id: int, attachment_id: int):
    item = messages.attachment(verbale_id, current_user.person_id, attachment_id) or abort(404)
    try:
        path = storage.path_for(item.storage_key)
    except storage.StorageError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=item.content_type, as_attachment=True,
                     download_name=item.filename, max_age=0)
