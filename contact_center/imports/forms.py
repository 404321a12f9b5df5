from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import DataRequired

FORMATS = [
    ("", _l("Police software export: recognise from the file name (.csv, .json, .jsonl)")),
    ("csv", _l("Police software export, CSV")),
    ("json", _l("Police software export, JSON array")),
    ("jsonl", _l("Police software export, JSON Lines")),
    ("device", _l("Automatic devices' events (CSV or JSON Lines)")),
]


class UploadForm(FlaskForm):
    ente = SelectField(_l("Municipality"), validators=[DataRequired()], choices=[])
    format = SelectField(_l("Format"), choices=FORMATS, default="")
    file = FileField(_l("File to import (CSV, JSON or JSON Lines, UTF-8)"),
                     validators=[FileRequired(_l("Choose the file to import."))])

    def __init__(self, *args, ente_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.ente.choices = ente_choices
