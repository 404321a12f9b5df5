from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve the roll and issue the ingiunzioni")),
                                                    ("reject", _l("Reject the roll"))],
                          validators=[DataRequired(message=_l("Choose approve or reject."))])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class ExcludeForm(FlaskForm):
    entry_id = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason for excluding this verbale"),
                           validators=[DataRequired(message=_l("Give the reason for excluding the verbale.")),
                                       Length(max=2000)])


class PrepareForm(FlaskForm):
    pass
