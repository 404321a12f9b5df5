from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError


class AuditFilterForm(FlaskForm):
    """The filters of the audit log, read from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From (date)"), validators=[Optional()])
    date_to = DateField(_l("To (date)"), validators=[Optional()])
    actor_type = SelectField(_l("Who"), validators=[Optional()], choices=[
        ("", _l("Anyone")), ("staff", _l("Staff")), ("citizen", _l("Citizens")), ("system", _l("System"))])
    actor = StringField(_l("Staff e-mail or user number"), validators=[Optional(), Length(max=254)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=60)],
                         description=_l('For example staff.login, or staff.* for every staff action.'))
    object_type = StringField(_l("Record type"), validators=[Optional(), Length(max=40)])
    object_id = StringField(_l("Record number"), validators=[Optional(), Length(max=40)])
    ente = SelectField(_l("Municipality"), validators=[Optional()], choices=[])

    def __init__(self, *args, ente_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.ente.choices = [("", _l("All those you can see"))] + ente_choices

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))
