from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length


class StaffSignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(message=_l("Enter your e-mail address.")),
                       Email(message=_l("Enter a valid e-mail address.")), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
