from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class ApproveForm(FlaskForm):
    """Only the CSRF token: approving has no fields."""


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the refusal (sent to the citizen)"),
        validators=[DataRequired(message=_l("Write the reason for the refusal: the citizen "
                                            "receives it.")), Length(max=2000)])
