from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.models import ImportKind, ItemReason, ItemResolution

REASON_LABELS = {
    ItemReason.UNKNOWN_IUV: _l("Unknown IUV"),
    ItemReason.AMOUNT_MISMATCH: _l("Amount differs from the receipt"),
    ItemReason.VERBALE_MISMATCH: _l("Receipt recorded on another verbale"),
    ItemReason.ALREADY_RECONCILED: _l("Already reported by another flow"),
    ItemReason.REVOKED: _l("Payment revoked"),
    ItemReason.INVALID_AMOUNT: _l("Executed payment without a positive amount"),
    ItemReason.UNEXPECTED_TRANSFER: _l("Unexpected transfer index"),
    ItemReason.CANCELLED_NOTICE: _l("Paid on a cancelled notice or verbale"),
    ItemReason.PAYMENT_REFUNDED: _l("The payment was refunded"),
    ItemReason.REFERENCE_CONFLICT: _l("Receipt id of another Municipality"),
    ItemReason.LEDGER_REJECTED: _l("Refused by the ledger"),
    ItemReason.UNMATCHED_CREDIT: _l("Bank credit matching nothing"),
    ItemReason.AMBIGUOUS_REFERENCE: _l("Bank credit naming several notices"),
    ItemReason.SETTLEMENT_MISMATCH: _l("Flow transfer with another amount"),
    ItemReason.ALREADY_SETTLED: _l("Second transfer for a settled flow"),
}
KIND_LABELS = {
    ImportKind.FLUSSO: _l("pagoPA reporting flow (XML)"),
    ImportKind.FDR3: _l("pagoPA reporting flow FdR 3 (JSON)"),
    ImportKind.CSV: _l("Bank statement (CSV)"),
    ImportKind.CAMT053: _l("Bank statement (camt.053)"),
}
RESOLUTION_LABELS = {
    ItemResolution.LINKED: _l("Linked to a notice or verbale"),
    ItemResolution.REFUNDED: _l("Refunded to the payer"),
    ItemResolution.IGNORED: _l("Ignored"),
}
STATUS_LABELS = {"open": _l("Open"), "resolved": _l("Resolved")}


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose the file to import."))])
    ente = SelectField(_l("Municipality"), choices=[], validators=[Optional()])
    kind = SelectField(_l("Format"), choices=[("auto", _l("Recognise from the file"))]
                       + [(k.value, label) for k, label in KIND_LABELS.items()])
    decimal = SelectField(_l("Amounts in CSV files"), choices=[
        ("auto", _l("Recognise from the file")), ("it", _l("Italian: 1.234,56")),
        ("intl", _l("International: 1,234.56"))])

    def __init__(self, *args, ente_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.ente.choices = [("", _l("From the file (flows and camt.053)"))] + ente_choices


class ItemFilterForm(FlaskForm):
    """The filters of the work queue, from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()], choices=[
        ("open", _l("Open")), ("resolved", _l("Resolved")), ("all", _l("All"))], default="open")
    reason = SelectField(_l("Reason"), validators=[Optional()],
                         choices=[("", _l("Any reason"))]
                         + [(r.value, label) for r, label in REASON_LABELS.items()])
    ente = SelectField(_l("Municipality"), validators=[Optional()], choices=[])

    def __init__(self, *args, ente_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.ente.choices = [("", _l("All those you can see"))] + ente_choices


class ResolveForm(FlaskForm):
    action = RadioField(_l("Resolution"), choices=[(r.value, label) for r, label in RESOLUTION_LABELS.items()],
                        validators=[DataRequired(message=_l("Choose how the item is resolved."))])
    reference = StringField(_l("Notice number, IUV or verbale number (to link)"),
                            validators=[Optional(), Length(max=60)])
    note = TextAreaField(_l("Note"), validators=[DataRequired(message=_l("Write a note.")),
                                                 Length(min=3, max=2000)])
