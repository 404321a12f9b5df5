"""`sla due --ente CODE` reads the Ente's calendar and charter terms from the database."""

import json

import pytest

from core.contact.sla_cli import sla_cli
from tests import factories

ARGS = ["due", "--opened", "2026-12-18T18:30:00+01:00"]


def run(app, *args):
    return app.test_cli_runner().invoke(sla_cli, [*ARGS, *args])


def test_charter_terms_override(portal_app, db_session):
    # Complaint within 10 calendar days: 18 Dec + 10 = Mon 28 Dec (default: 8 working days,
    # 31 Dec).
    factories.ente("SLA10", charter_terms={
        "complaint": {"first_response": 10, "clock": "calendar_days"}})
    out = json.loads(run(portal_app, "--channel", "letter", "--type", "complaint",
                         "--ente", "SLA10").stdout)
    assert out["first_response_due"] == "2026-12-28T19:00:00+01:00"
    national = json.loads(run(portal_app, "--channel", "letter", "--type", "complaint").stdout)
    assert national["first_response_due"] == "2026-12-31T19:00:00+01:00"


def test_demo_shorthand_and_patron_saint(portal_app, db_session):
    # {"complaint_working_days": 10} with a patron saint on Mon 21 Dec: working days 22, 23,
    # 24, 28, 29, 30, 31, 4 Jan, 5 Jan, 7 Jan (6 Jan is Epiphany) -> Thu 7 Jan 2027.
    factories.ente("SLAPS", patron_saint="12-21", charter_terms={"complaint_working_days": 10})
    out = json.loads(run(portal_app, "--channel", "letter", "--type", "complaint",
                         "--ente", "SLAPS").stdout)
    assert out["first_response_due"] == "2027-01-07T19:00:00+01:00"
    # PEC 3 working days skip the patron saint too: 22, 23, 24 -> Thu 24 Dec.
    out = json.loads(run(portal_app, "--channel", "pec", "--type", "complaint",
                         "--ente", "SLAPS").stdout)
    assert (out["policy"], out["first_response_due"]) == ("pec", "2026-12-24T19:00:00+01:00")


@pytest.mark.parametrize(("code", "terms", "fragment"), [
    ("NOPE", None, "unknown Ente code 'NOPE'"),
    ("SLABAD", {"complaint": {"clock": "weeks"}}, "charter_terms.complaint.clock"),
])
def test_errors_are_one_line(portal_app, db_session, code, terms, fragment):
    if terms is not None:
        factories.ente(code, charter_terms=terms)
    result = run(portal_app, "--channel", "pec", "--type", "complaint", "--ente", code)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and fragment in result.stderr
    assert "Traceback" not in result.output
