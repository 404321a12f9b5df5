from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp, ValidationError


class SimulatorForm(FlaskForm):
    """One step of a simulated call: what the caller sends to the current webhook, or one of
    Twilio's own callbacks (queue result, end of the call) for the call metrics."""

    path = HiddenField(validators=[Optional(), Length(max=500)])
    queue_path = HiddenField(validators=[Optional(), Length(max=500)])
    call_sid = HiddenField(validators=[Optional(), Regexp(r"^CA[0-9A-Za-z]{10,62}$")])
    event = SelectField(_l("What happens next"), default="input", choices=[
        ("input", _l("The caller presses keys or speaks")),
        ("bridged", _l("An operator answers the queued call")),
        ("hangup", _l("The caller hangs up while in queue")),
        ("completed", _l("The call ends (status callback)")),
    ])
    caller = StringField(_l("Calling number"), default="+393330000000",
                         validators=[Optional(), Regexp(r"^\+?[0-9]{4,16}$"), Length(max=20)])
    line = StringField(_l("Called number"), validators=[Optional(), Regexp(r"^\+?[0-9]{4,16}$"),
                                                        Length(max=20)])
    digits = StringField(_l("Keys pressed"), validators=[Optional(), Regexp(r"^[0-9*#]{1,30}$")])
    speech = StringField(_l("Words said"), validators=[Optional(), Length(max=100)])
    queue_position = StringField(_l("Position in queue (hold message)"),
                                 validators=[Optional(), Regexp(r"^[0-9]{1,4}$")])
    avg_queue_time = StringField(_l("Average wait in seconds (hold message)"),
                                 validators=[Optional(), Regexp(r"^[0-9]{1,6}$")])
    queue_time = StringField(_l("Seconds this caller has waited in queue"),
                             validators=[Optional(), Regexp(r"^[0-9]{1,6}$")])
    recording_url = StringField(_l("Recording address (voicemail)"),
                                validators=[Optional(), Length(max=300)])

    def validate_event(self, field):
        if field.data in ("bridged", "hangup") and not self.queue_path.data:
            raise ValidationError(_l("The caller is not in a queue: walk the menus to an "
                                     "operator first."))
        if field.data == "completed" and not self.call_sid.data:
            raise ValidationError(_l("No call is in progress: start a call first."))
