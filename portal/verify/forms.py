from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class LetterCodeForm(FlaskForm):
    code = StringField(_l("Verification code"), validators=[
        DataRequired(message=_l("Enter the verification code printed on the letter.")), Length(max=40)],
        render_kw={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"})
