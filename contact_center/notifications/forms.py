from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional


class NotificationFilterForm(FlaskForm):
    """The Municipality shown, read from the query string (GET: no CSRF)."""

    class Meta:
        csrf = False

    ente = SelectField(_l("Municipality"), validators=[Optional()], choices=[])

    def __init__(self, *args, ente_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.ente.choices = [("", _l("All those you can see"))] + ente_choices


class ReviewForm(FlaskForm):
    note = TextAreaField(_l("Review note"), validators=[Optional(), Length(max=2000)])
