"""pagoPA on the portal: the payment notice (avviso) PDF, "Pay with pagoPA", and the creditor
SOAP endpoint the pagoPA node calls."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from core.extensions import csrf
from core.i18n import current_language
from core.pagopa import soap
from core.pagopa.avviso import avviso_for
from core.pagopa.service import NoticeError, ensure_notice
from core.positions import verbale_of_person
from portal.appeals.views import payment_warning_response

bp = Blueprint("pagopa", __name__, url_prefix="/pagopa")


def _position_url(verbale_id: int, external: bool = False) -> str:
    try:
        path = url_for("position.verbale", verbale_id=verbale_id)
    except BuildError:
        path = url_for("position.index")
    if external:
        return current_app.config["PORTAL_BASE_URL"].rstrip("/") + path
    return path


@bp.get("/avviso/<int:verbale_id>.pdf")
@login_required
def avviso(verbale_id: int):
    verbale = verbale_of_person(verbale_id, current_user.person_id) or abort(404)
    try:
        notice, pdf = avviso_for(verbale, current_language())
    except NoticeError:
        flash(_("This verbale has no amount that can be paid with pagoPA today."), "warning")
        return redirect(_position_url(verbale_id))
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", max_age=0,
                     download_name=f"avviso-pagopa-{notice.notice_number}.pdf")


@bp.get("/pay/<int:verbale_id>")
@login_required
def pay(verbale_id: int):
    verbale = verbale_of_person(verbale_id, current_user.person_id) or abort(404)
    warning = payment_warning_response(verbale_id, url_for("pagopa.pay", verbale_id=verbale_id), "get")
    if warning is not None:  # an appeal draft or prepared appeal: confirm first
        return warning
    try:
        notice = ensure_notice(verbale)
    except NoticeError:
        flash(_("This verbale has no amount that can be paid with pagoPA today."), "warning")
        return redirect(_position_url(verbale_id))
    query = urlencode({"notice": notice.notice_number, "fiscal_code": verbale.ente.fiscal_code,
                       "return_url": _position_url(verbale_id, external=True)})
    return redirect(f"{current_app.config['PAGOPA_NODE_URL'].rstrip('/')}/checkout?{query}")


@bp.post("/paForNode")
@csrf.exempt
def pa_for_node():
    """The creditor SOAP service called by the pagoPA node (see :mod:`core.pagopa.soap`).

    No login and no CSRF token: in production this path is reachable only through the reverse
    proxy that terminates the node's mutual-TLS connection (client certificate of PagoPA
    S.p.A.); it must not be exposed on the public portal host without it.
    """
    result = soap.handle(request.headers.get("SOAPAction"), request.content_length,
                         lambda n: request.stream.read(n),
                         current_app.config["PAGOPA_MAX_REQUEST_BYTES"])
    return Response(result.body, status=result.status, content_type=result.content_type)
