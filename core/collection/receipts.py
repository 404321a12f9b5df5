"""Payment receipts: a PDF in the citizen's language for every confirmed payment, downloadable
from the position and e-mailed when an address is known."""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import audit, db, mail
from core.i18n import long_date, money
from core.models import Payment, PaymentStatus, Verbale
from core.pdf import Document

log = logging.getLogger(__name__)


def _payment(payment_id: int) -> Payment | None:
    stmt = (select(Payment).where(Payment.id == payment_id)
            .options(selectinload(Payment.verbale).selectinload(Verbale.ente),
                     selectinload(Payment.verbale).selectinload(Verbale.offender)))
    return db.session.scalars(stmt).one_or_none()


def channel_label(channel: str) -> str:
    labels = {"card": _("Payment card"), "pagopa": _("pagoPA"), "bank_transfer": _("Bank transfer"),
              "postal": _("Postal payment slip"), "counter": _("At the counter")}
    return labels.get(str(channel), str(channel))


def allocation_label(allocation: str | None) -> str:
    labels = {"saldo": _("Paid in full"), "acconto": _("Partial payment (the rest is still due)"),
              "eccedenza": _("Paid in full, with an excess that will be refunded")}
    return labels.get(str(allocation), "")


def receipt_pdf(payment: Payment, lang: str) -> bytes:
    """The receipt in ``lang``; amounts and dates formatted for that locale."""
    verbale = payment.verbale
    with force_locale(lang):
        title = _("Payment receipt")
        doc = Document(title, footer_text=f"{title} {payment.receipt_number}")
        doc.heading(title)
        doc.para(verbale.ente.name)
        rows = [
            (_("Receipt number"), payment.receipt_number or ""),
            (_("Verbale"), verbale.number),
            (_("Payer"), verbale.offender.display_name),
            (_("Amount paid"), money(payment.amount)),
            (_("Date of payment"), long_date(payment.paid_at)),
            (_("Payment method"), channel_label(payment.channel)),
            (_("Outcome"), allocation_label(payment.allocation)),
            (_("Payment reference"), payment.provider_ref),
        ]
        if payment.excess:
            rows.append((_("Excess to be refunded"), money(payment.excess)))
        doc.rows(rows)
        doc.para(_("Creditor: %(ente)s, fiscal code %(cf)s.", ente=verbale.ente.name,
                   cf=verbale.ente.fiscal_code), size=9)
        doc.para(_("This receipt was issued by %(name)s on behalf of the Municipality. "
                   "Keep it as proof of payment.", name=current_app.config["CONCESSIONAIRE_NAME"]),
                 size=9)
        return doc.output_bytes()


def send_receipt_email(payment_id: int) -> None:
    """Job: e-mail the receipt to the payer or the offender's verified address, if any."""
    payment = _payment(payment_id)
    if payment is None or payment.status != PaymentStatus.CONFIRMED:
        return
    person = payment.verbale.offender
    to = payment.payer_email or (person.email if person.email_verified_at else None)
    if not to:
        return
    lang = str(person.language)
    with force_locale(lang):
        subject = _("Receipt of your payment for verbale %(number)s", number=payment.verbale.number)
        text = _("Dear %(name)s,\n\nwe have received your payment of %(amount)s for verbale "
                 "%(number)s. The receipt is attached and can also be downloaded from your "
                 "personal area.\n\n%(sender)s",
                 name=person.display_name, amount=money(payment.amount),
                 number=payment.verbale.number, sender=current_app.config["CONCESSIONAIRE_NAME"])
        filename = f"{_('receipt')}-{payment.receipt_number}.pdf"
    pdf = receipt_pdf(payment, lang)
    mail.send(mail.Mail(to=to, subject=subject, text=text,
                        attachments=[mail.Attachment(filename, pdf)]))
    audit.record("receipt.emailed", actor_type="system", actor_id=None, object_type="payment",
                 object_id=payment.id, ente_id=payment.ente_id)
