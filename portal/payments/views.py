"""Card payments: start a Stripe Checkout, receive Stripe's webhook, and the pages the browser
comes back to. The rules live in :mod:`core.payments.card`; these views only translate HTTP.

The webhook is the only route that confirms anything; the return page just reads the ledger.
"""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.extensions import csrf
from core.i18n import current_language
from core.payments import card
from portal.appeals.views import payment_warning_response

bp = Blueprint("payments", __name__, url_prefix="/payments")
bp.add_app_template_global(card.card_payable, "card_payable")


@bp.post("/card/<int:verbale_id>")
@login_required
def card_checkout(verbale_id: int):
    """The "Pay by card" button (CSRF-checked by the app-wide CSRFProtect)."""
    warning = payment_warning_response(verbale_id, url_for("payments.card_checkout", verbale_id=verbale_id))
    if warning is not None:  # an appeal draft or prepared appeal: confirm first
        return warning
    try:
        url = card.start_checkout(verbale_id, current_user.person_id, lang=current_language())
    except card.CheckoutUnavailable:
        flash(_("Card payment is not available at the moment and nothing was charged. "
                "Please try again in a few minutes, or pay with pagoPA."), "danger")
        return redirect(url_for("position.verbale", verbale_id=verbale_id))
    if url is None:
        abort(404)
    return redirect(url, 303)


@bp.post("/stripe/webhook")
def stripe_webhook():
    outcome = card.handle_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    return jsonify(outcome.body), outcome.status


csrf.exempt(stripe_webhook)  # authenticated by Stripe's signature instead


@bp.get("/card/return")
@login_required
def card_return():
    checkout = card.checkout_of(request.args.get("session_id", ""), current_user.person_id)
    return render_template("portal/payments/card_return.html", c=checkout or abort(404))


@bp.get("/card/cancel/<int:verbale_id>")
@login_required
def card_cancel(verbale_id: int):
    position = card.abandon_checkout(verbale_id, current_user.person_id) or abort(404)
    return render_template("portal/payments/card_cancel.html", p=position)
