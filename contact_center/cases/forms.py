from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.models import CasePriority, CaseStatus

STATUS_LABELS = {
    "new": _l("New"), "open": _l("Open"), "waiting_citizen": _l("Waiting for the citizen"),
    "waiting_ente": _l("Waiting for the Municipality"), "resolved": _l("Resolved"), "closed": _l("Closed"),
}
PRIORITY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")}


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(message=_l("Write the message.")),
                                                    Length(max=20000)])
    template = SelectField(_l("Start from a template"), choices=[], validators=[Optional()],
                           validate_choice=False)


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note"), validators=[DataRequired(message=_l("Write the note.")),
                                                          Length(max=20000)])


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[(s.value, STATUS_LABELS[s.value]) for s in CaseStatus])


class PriorityForm(FlaskForm):
    priority = SelectField(_l("Priority"), choices=[(p.value, PRIORITY_LABELS[p.value]) for p in CasePriority])


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"), choices=[], validate_choice=False)
    queue = SelectField(_l("Queue"), choices=[], validate_choice=False)


class MergeForm(FlaskForm):
    into = StringField(_l("Protocol of the case to merge into"),
                       validators=[DataRequired(message=_l("Enter a protocol number.")), Length(max=30)])
