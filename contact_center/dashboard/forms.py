from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from core.contact.metrics import MAX_PERIOD_DAYS


class DashboardFilterForm(FlaskForm):
    """Period and Municipality of the dashboard, read from the query string (GET: no CSRF)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From (date)"), validators=[Optional()])
    date_to = DateField(_l("To (date)"), validators=[Optional()])
    ente = SelectField(_l("Municipality"), validators=[Optional()], choices=[])

    def __init__(self, *args, ente_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.ente.choices = [("", _l("All those you can see"))] + ente_choices

    def validate_date_from(self, field):
        if self.date_to.data is None:
            raise ValidationError(_l("Give both dates, or neither for the current month."))

    def validate_date_to(self, field):
        start = self.date_from.data
        if start is None:
            raise ValidationError(_l("Give both dates, or neither for the current month."))
        if field.data < start:
            raise ValidationError(_l("The end date must not be before the start date."))
        if field.data - start >= timedelta(days=MAX_PERIOD_DAYS):
            raise ValidationError(_l("Choose a period of at most %(days)s days.",
                                     days=MAX_PERIOD_DAYS))
