"""`flask --app wsgi demo load`: placeholder replaced by the demo-data module."""
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data.")
