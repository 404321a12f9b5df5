from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional


class SignInForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[DataRequired(message=_l("Enter the username printed on your letter.")), Length(max=40)],
        render_kw={"autocomplete": "username", "autocapitalize": "characters", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Enter the password printed on your letter.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class LostCodesForm(FlaskForm):
    ente = SelectField(_l("Municipality that issued the fine"),
                       validators=[DataRequired(message=_l("Choose the Municipality."))])
    name = StringField(_l("Full name"), validators=[DataRequired(message=_l("Enter your full name.")), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail address"), validators=[DataRequired(message=_l("Enter your e-mail address.")),
                       Email(message=_l("Enter a valid e-mail address.")), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    verbale_number = StringField(_l("Verbale number (if you know it)"), validators=[Optional(), Length(max=40)])
    plate = StringField(_l("Vehicle plate"), validators=[Optional(), Length(max=20)])
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=2000)])
