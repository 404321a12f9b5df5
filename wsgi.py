"""WSGI entry points: ``wsgi:portal`` (citizens) and ``wsgi:contact_center`` (staff).

``flask --app wsgi <command>`` runs the command-line tools (demo, fines, calendar …) on the
portal app; both apps share the same database and core.
"""

from core.factory import create_app

portal = create_app("portal")
contact_center = create_app("contact_center")
app = portal  # what `flask --app wsgi` picks up
