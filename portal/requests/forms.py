from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
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


# -- the public request forms (complaint, information, access, civic access) -----------------

class _NoChoiceCheckRadio(RadioField):
    """A radio group whose "nothing chosen" error is the field's own required message (the
    service checks the value against the allowed ones)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


class PublicRequestForm(FlaskForm):
    """Fields every public request has; each kind adds its own."""

    ente = SelectField(_l("Municipality"), validators=[DataRequired(message=_l("Choose the Municipality."))])
    name = StringField(_l("Full name"), validators=[
        DataRequired(message=_l("Enter your full name.")), Length(max=200)],
        render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Enter your e-mail address.")),
        Email(message=_l("Enter a valid e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "email"})
    verbale_number = StringField(_l("Verbale number (optional)"), validators=[Optional(), Length(max=40)],
                                 render_kw={"autocapitalize": "characters", "spellcheck": "false"})
    attachments = MultipleFileField(_l("Attachments (optional)"))
    privacy = BooleanField(_l("I have read the privacy notice and I know that my data will be used "
                              "only to handle this request."),
                           validators=[DataRequired(message=_l("Confirm that you have read the privacy notice."))])


def _text(label, message=None):
    validators = [DataRequired(message=message), Length(max=5000)] if message else [Optional(), Length(max=5000)]
    return TextAreaField(label, validators=validators)


_DELIVERY = [("email", _l("Electronic copy by e-mail")), ("post", _l("Paper copy by post")),
             ("office", _l("Inspection or collection at the office"))]


class ComplaintForm(PublicRequestForm):
    text = _text(_l("Describe the problem"), _l("Write your request."))


class InformationForm(PublicRequestForm):
    text = _text(_l("Your question"), _l("Write your request."))


class AccessForm(PublicRequestForm):
    identity_document = StringField(_l("Identity document (type and number)"), validators=[
        DataRequired(message=_l("Enter the type and number of your identity document.")), Length(max=120)])
    capacity = SelectField(_l("You are asking as"), choices=[
        ("", _l("Choose…")), ("offender", _l("Person who committed the violation")),
        ("owner", _l("Owner of the vehicle")), ("representative", _l("Legal representative or lawyer")),
        ("other", _l("Other"))],
        validators=[DataRequired(message=_l("Choose in what capacity you make the request."))])
    documents = _text(_l("Documents requested"), _l("Say which documents, information or data you ask for."))
    interest = _text(_l("Your direct, concrete and current interest"),
                     _l("Explain your direct, concrete and current interest in the documents."))
    delivery = _NoChoiceCheckRadio(_l("How do you want to receive them?"), choices=_DELIVERY,
                                   validators=[DataRequired(message=_l("Choose how you want to receive the documents."))])
    postal_address = TextAreaField(_l("Postal address (for a paper copy)"), validators=[Optional(), Length(max=500)])
    text = _text(_l("Other information (optional)"))


class CivicSimpleForm(PublicRequestForm):
    documents = _text(_l("Documents, information or data that should have been published"),
                      _l("Say which documents, information or data you ask for."))
    text = _text(_l("Where did you look for them? (optional)"))


class CivicGeneralisedForm(PublicRequestForm):
    documents = _text(_l("Documents, information or data requested"),
                      _l("Say which documents, information or data you ask for."))
    delivery = _NoChoiceCheckRadio(_l("How do you want to receive them?"), choices=_DELIVERY,
                                   validators=[DataRequired(message=_l("Choose how you want to receive the documents."))])
    postal_address = TextAreaField(_l("Postal address (for a paper copy)"), validators=[Optional(), Length(max=500)])
    text = _text(_l("Other information (optional)"))


class ConfirmForm(FlaskForm):
    """The button on the page the e-mailed link opens (a link alone never registers anything:
    mail scanners open links too)."""
