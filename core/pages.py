"""Pages both apps serve: accessibility statement, privacy notice, legal notes."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.get("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
def privacy():
    return render_template("pages/privacy.html")


@bp.get("/legal-notes")
def legal_notes():
    return render_template("pages/legal_notes.html")
