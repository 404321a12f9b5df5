"""The driver identification form (art. 126-bis CdS): identity and residence in any country,
the licence (any country), the declarations and typed-name signatures."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    FileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.appeals.driver import CATEGORIES, driver_errors
from core.appeals.texts import DECLARATIONS

REQUIRED = _l("This field is required.")
DATE_MESSAGE = _l("Enter a valid date.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(label, max_length, required=True, **kw):
    validators = [DataRequired(message=REQUIRED)] if required else [Optional()]
    return StringField(label, validators=[*validators, Length(max=max_length)], **kw)


class DriverForm(FlaskForm):
    driver_is_me = RadioField(_l("Who was driving?"),
                              choices=[("yes", _l("I was driving")),
                                       ("no", _l("Someone else was driving"))],
                              validators=[InputRequired(message=_l("Tell us who was driving."))])
    first_name = _text(_l("First name"), 100, render_kw={"autocomplete": "off"})
    last_name = _text(_l("Last name"), 100, render_kw={"autocomplete": "off"})
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired(message=DATE_MESSAGE)])
    birth_place = _text(_l("Place of birth"), 120)
    birth_country = SelectField(_l("Country of birth"), validators=[DataRequired(message=REQUIRED)])
    fiscal_code = _text(_l("Italian fiscal code (codice fiscale)"), 16, required=False,
                        render_kw={"autocapitalize": "characters", "spellcheck": "false"})
    address_line = _text(_l("Address (street and number)"), 300)
    postal_code = _text(_l("Postal code"), 20, required=False)
    city = _text(_l("Town or city"), 120)
    province = _text(_l("Province, county or region"), 60, required=False)
    country = SelectField(_l("Country of residence"), validators=[DataRequired(message=REQUIRED)])
    email = EmailField(_l("Driver's e-mail address (optional)"), validators=[
        Optional(), Email(message=_l("Enter a valid e-mail address.")), Length(max=254)])
    licence_number = StringField(_l("Licence number"), validators=[
        DataRequired(message=REQUIRED), Length(min=3, max=40)],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"})
    licence_categories = MultiCheckboxField(
        _l("Licence categories"), choices=[(c, c) for c in CATEGORIES],
        validators=[DataRequired(message=_l("Choose at least one category."))])
    licence_authority = _text(_l("Issuing authority"), 200)
    licence_country = SelectField(_l("Country that issued the licence"),
                                  validators=[DataRequired(message=REQUIRED)])
    licence_issued_on = DateField(_l("Issue date"), validators=[InputRequired(message=DATE_MESSAGE)])
    licence_expires_on = DateField(_l("Expiry date"),
                                   validators=[InputRequired(message=DATE_MESSAGE)])
    licence_copy = FileField(_l("Copy of the licence, both sides (PDF, JPEG or PNG)"))
    declarations = MultiCheckboxField(_l("Declarations"),
                                      choices=[(k, v) for k, v in DECLARATIONS.items()])
    driver_signature = _text(_l("Signature of the driver: type their first and last name"), 200)
    owner_signature = _text(_l("Signature of the owner: type your first and last name"), 200,
                            required=False)

    def __init__(self, *args, countries=(), violation_date=None, today=None,
                 declarant_name=None, has_copy=False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("birth_country", "country", "licence_country"):
            getattr(self, name).choices = [("", _l("Choose a country"))] + list(countries)
        self._violation_date, self._today = violation_date, today
        self._declarant, self._has_copy = declarant_name, has_copy

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        data = {name: f.data for name, f in self._fields.items()}
        data["driver_is_me"] = self.driver_is_me.data == "yes"
        errors = driver_errors(data, violation_date=self._violation_date, today=self._today,
                               declarant_name=self._declarant)
        for name, message in errors.items():
            field = getattr(self, name)
            if not field.errors:
                field.errors = [*field.errors, message]
        if not self._has_copy and not self.licence_copy.errors:
            self.licence_copy.errors = [_l("Attach a copy of the driving licence.")]
        return ok and not errors and self._has_copy


class ConfirmDriverForm(FlaskForm):
    pass
