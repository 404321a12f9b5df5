"""The four steps of the appeal form (Designers Italia multi-step pattern)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.appeals.rules import GROUNDS, ROUTES
from core.appeals.service import TEXT_MAX
from core.appeals.texts import GROUNDS as GROUND_LABELS
from core.appeals.texts import ROUTES as ROUTE_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RouteForm(FlaskForm):
    route = RadioField(_l("To whom do you want to appeal?"),
                       choices=[(r, ROUTE_LABELS[r]) for r in ROUTES],
                       validators=[InputRequired(message=_l("Choose to whom you want to appeal."))])

    def __init__(self, *args, open_routes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._open = tuple(open_routes)

    def validate_route(self, field):
        if field.data not in self._open:
            raise ValidationError(_l("The deadline for this appeal has passed: choose the other "
                                     "one."))


class GroundsForm(FlaskForm):
    grounds = MultiCheckboxField(_l("Why do you think the fine is wrong?"),
                                 choices=[(g, GROUND_LABELS[g]) for g in GROUNDS],
                                 validators=[DataRequired(message=_l("Choose at least one reason."))])
    text = TextAreaField(_l("Explain in your own words"), validators=[
        DataRequired(message=_l("Explain the facts in your own words.")),
        Length(max=TEXT_MAX, message=_l("Write at most %(max)d characters."))])
    hearing = BooleanField(_l("I ask to be heard in person by the Prefetto"))


class AttachmentsForm(FlaskForm):
    attachments = MultipleFileField(_l("Documents to attach (PDF, JPEG or PNG)"))


class ConfirmForm(FlaskForm):
    filing = RadioField(_l("How do you want to file the appeal?"),
                        choices=[("online", _l("File it online now")),
                                 ("post", _l("Download it and send it myself"))],
                        validators=[InputRequired(message=_l("Choose how to file the appeal."))])
    truthful = BooleanField(_l("I declare that what I wrote is true"), validators=[
        DataRequired(message=_l("Confirm that what you wrote is true."))])

    def __init__(self, *args, online=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not online:
            self.filing.choices = [("post", self.filing.choices[1][1])]
