from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from core.instalments.requests import MAX_FAMILY_MEMBERS, MAX_INCOME, parse_amount


class EligibilityForm(FlaskForm):
    taxable_income = StringField(
        _l("Taxable income of your household for the last year, in euro"),
        validators=[DataRequired(message=_l("Enter the taxable income."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"})
    family_members = StringField(
        _l("Cohabiting family members besides you"),
        validators=[InputRequired(message=_l("Enter the number of family members (0 if you "
                                              "live alone)."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"})

    def validate_taxable_income(self, field):
        try:
            value = parse_amount(field.data)
        except ValueError:
            value = None
        if value is None or value > MAX_INCOME:
            raise ValidationError(_l("Enter an amount in euro, for example 9500 or 9.500,00."))
        field.amount = value

    def validate_family_members(self, field):
        text = (field.data or "").strip()
        if not text.isdigit() or int(text) > MAX_FAMILY_MEMBERS:
            raise ValidationError(_l("Enter a whole number from 0 to %(max)s.",
                                     max=MAX_FAMILY_MEMBERS))
        field.number = int(text)


class CountField(SelectField):
    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        self.data = int(text) if text.isdigit() else None

    def pre_validate(self, form):
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(_l("Choose one of the numbers of instalments in the list."))


class PlanForm(FlaskForm):
    count = CountField(_l("Number of monthly instalments"), coerce=int,
                       validators=[InputRequired(message=_l("Choose the number of "
                                                            "instalments."))])


class ConfirmForm(FlaskForm):
    waiver = BooleanField(
        _l("I understand that by asking to pay in instalments I give up the right to appeal "
           "against this fine, to the Prefetto and to the Giudice di Pace."),
        validators=[DataRequired(message=_l("Confirm that you give up the right to appeal: it "
                                            "is the condition for paying in instalments."))])
    declaration = BooleanField(
        _l("I declare that the income and household information I gave is true (art. 46 and 76 "
           "of Presidential Decree 445/2000)."),
        validators=[DataRequired(message=_l("Confirm that the information you gave is true."))])
