from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional


class StatusLookupForm(FlaskForm):
    protocol = StringField(_l("Protocol number"), validators=[
        DataRequired(message=_l("Enter the protocol number.")), Length(max=30)],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"})
    email = EmailField(_l("E-mail address used for the request"), validators=[
        DataRequired(message=_l("Enter your e-mail address.")),
        Email(message=_l("Enter a valid e-mail address.")), Length(max=254)])


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[
        DataRequired(message=_l("Write your message.")), Length(max=5000)])


class SurveyForm(FlaskForm):
    score = RadioField(_l("How satisfied are you with the answer you received?"),
                       choices=[("5", _l("5 – very satisfied")), ("4", _l("4 – satisfied")),
                                ("3", _l("3 – neither satisfied nor dissatisfied")),
                                ("2", _l("2 – dissatisfied")), ("1", _l("1 – very dissatisfied"))],
                       validators=[DataRequired(message=_l("Choose a score from 1 to 5."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=200)])
