from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length, Regexp


class StaffSignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(message=_l("Enter your e-mail address.")),
                       Email(message=_l("Enter a valid e-mail address.")), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})


class TotpCodeForm(FlaskForm):
    """The 6-digit code of the authenticator app (spaces allowed: "123 456")."""

    code = StringField(
        _l("Code from the authenticator app"),
        validators=[DataRequired(message=_l("Enter the 6-digit code.")),
                    Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("The code has 6 digits."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 7,
                   "pattern": "[0-9 ]{6,7}", "spellcheck": "false"},
    )
