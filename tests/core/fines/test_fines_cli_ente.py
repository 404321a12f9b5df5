"""`--ente CODE` reads the Ente's settings from the database."""

import json

from tests import factories


def test_quote_with_ente_rules(portal_app, db_session):
    factories.ente("CLITEST", rules={"reduced_window_days": 10})
    runner = portal_app.test_cli_runner()
    args = ["fines", "quote", "--min", "42", "--max", "173", "--notified", "2025-03-03",
            "--on", "2025-03-12"]
    national = json.loads(runner.invoke(args=args).output)
    with_ente = json.loads(runner.invoke(args=[*args, "--ente", "CLITEST"]).output)
    assert national["tier"] == "minimum"
    assert with_ente["tier"] == "discounted" and with_ente["total"] == "29.40"


def test_calendar_with_patron_saint(portal_app, db_session):
    factories.ente("PATRON", patron_saint="12-13")  # Santa Lucia, Siracusa
    runner = portal_app.test_cli_runner()
    args = ["calendar", "add", "--from", "2027-12-10T18:00:00+01:00", "--working-days", "1"]
    assert json.loads(runner.invoke(args=args).output)["due"] == "2027-12-13T19:00:00+01:00"
    result = json.loads(runner.invoke(args=[*args, "--ente", "PATRON"]).output)
    assert result["due"] == "2027-12-14T19:00:00+01:00"


def test_unknown_ente_is_one_line_error(portal_app, db_session):
    result = portal_app.test_cli_runner().invoke(
        args=["fines", "deadlines", "--assessed", "2025-01-10", "--ente", "NOPE"])
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
