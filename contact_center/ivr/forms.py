from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional, Regexp


class SimulatorForm(FlaskForm):
    """One step of a simulated call: what the caller sends to the current webhook."""

    path = HiddenField(validators=[Optional(), Length(max=500)])
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
    recording_url = StringField(_l("Recording address (voicemail)"),
                                validators=[Optional(), Length(max=300)])
