from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, TextAreaField
from wtforms.validators import DataRequired, Length


class VerbaleMessageForm(FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[
        DataRequired(message=_l("Write your message.")), Length(max=5000)])
    attachments = MultipleFileField(_l("Attachments (optional)"))
