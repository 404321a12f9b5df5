from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FileField, SelectField, StringField
from wtforms.validators import DataRequired, Length

OUTCOME_LABELS = {
    "queued": _l("Queued for printing"), "sent": _l("Handed to the postal operator"),
    "delivered": _l("Delivered"), "viewed": _l("Viewed"), "in_storage": _l("In storage at the post office"),
    "failed": _l("Failed"), "returned": _l("Returned to sender"), "perfected": _l("Notification perfected"),
}
CHANNEL_LABELS = {
    "roadside": _l("Roadside contestation"), "friendly_letter": _l("Friendly letter"),
    "post": _l("Post"), "pec": _l("PEC"), "send": _l("SEND"),
    "international_mail": _l("International registered mail"),
}
KIND_LABELS = {
    "invito_bonario": _l("Invito bonario"), "verbale": _l("Notification of the verbale"),
    "ultimo_avviso": _l("Ultimo avviso"), "ingiunzione": _l("Ingiunzione fiscale"),
    "instalment_plan": _l("Instalment plan"), "other": _l("Other letter"),
}
PRODUCT_LABELS = {
    "raccomandata_ar": _l("Registered mail with return receipt"),
    "atto_giudiziario_890": _l("Judicial act (L. 890/1982)"),
    "raccomandata_internazionale_ar": _l("International registered mail with return receipt"),
    "posta_prioritaria": _l("Priority mail"),
    "posta_prioritaria_internazionale": _l("International priority mail"),
}


class FindForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    number = StringField(_l("Verbale number"), validators=[DataRequired(message=_l("Enter a verbale number.")),
                                                           Length(max=40)])


class ReceiptForm(FlaskForm):
    item = SelectField(_l("Registered letter"), coerce=int, choices=[],
                       validators=[DataRequired(message=_l("Choose the letter."))])
    delivered_on = DateField(_l("Delivery date on the return receipt"),
                             validators=[DataRequired(message=_l("Enter the delivery date."))])
    scan = FileField(_l("Scan of the return receipt (PDF, JPEG or PNG)"))
