"""Upload page for supervisors and administrators: a file of verbali (police software export,
previous system's archive) or of device events for one of their Enti starts an import job,
whose progress is on the jobs page. Very large archives go through ``flask imports verbali``."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contact_center.audit.service import visible_enti
from contact_center.auth.guards import roles_required
from core import db
from core.imports.service import ImportRefused
from core.imports.uploads import start_upload
from core.models import BatchStatus, Ente, StaffRole

from .forms import UploadForm

bp = Blueprint("imports", __name__, url_prefix="/imports")
IMPORTERS = (StaffRole.SUPERVISOR, StaffRole.ADMIN)


def _form() -> UploadForm:
    return UploadForm(ente_choices=[(str(e.id), f"{e.code} – {e.name}")
                                    for e in visible_enti(current_user)])


@bp.get("/new")
@roles_required(*IMPORTERS)
def new():
    return render_template("contact_center/imports/new.html", form=_form())


@bp.post("/new")
@roles_required(*IMPORTERS)
def create():
    form = _form()
    if not form.validate_on_submit():
        return render_template("contact_center/imports/new.html", form=form), 400
    ente = db.session.get(Ente, int(form.ente.data)) or abort(404)
    try:
        started = start_upload(ente, form.file.data, form.format.data, current_user)
    except ImportRefused as error:
        form.file.errors.append(str(error))
        return render_template("contact_center/imports/new.html", form=form), 400
    if started.created:
        flash(_("The import has started: its progress is shown on this page."), "success")
    elif started.run.status == BatchStatus.DONE:
        flash(_("This file was already imported for %(ente)s: nothing was changed.", ente=ente.code),
              "info")
    else:
        flash(_("This file is already being imported for %(ente)s: its job is shown here.",
                ente=ente.code), "info")
    return redirect(url_for("jobs.show", run_id=started.run.id))
