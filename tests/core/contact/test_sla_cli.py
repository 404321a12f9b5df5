"""Command-line contract `flask sla due|policies` without a database (national defaults)."""

import json

import flask
import pytest

from core.contact.sla_cli import sla_cli


@pytest.fixture(scope="module")
def runner():
    return flask.Flask(__name__).test_cli_runner()


def ok(runner, *args):
    result = runner.invoke(sla_cli, list(args))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def fails(runner, *args):
    result = runner.invoke(sla_cli, list(args))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


OPENED = "2026-12-18T18:30:00+01:00"  # Friday, 30 minutes before the close


def test_contract_example_pec_complaint(runner):
    # PEC 3 working days: Mon 21, Tue 22, Wed 23 at closing; complaint 8 would be 31 Dec.
    out = ok(runner, "due", "--channel", "pec", "--type", "complaint", "--opened", OPENED)
    assert out == {
        "policy": "pec",
        "first_response_due": "2026-12-23T19:00:00+01:00",
        "first_response_policy": "pec",
        "resolution_due": None,
        "resolution_policy": None,
        "channel": "pec",
        "type": "complaint",
        "opened": "2026-12-18T18:30:00+01:00",
    }


def test_both_targets_and_utc_input(runner):
    # Letter + generic instance: letter fallback 5 working days (21, 22, 23, 24, 28) for the
    # first response; 30 calendar days = Sun 17 Jan 2027 -> Mon 18 Jan for the resolution.
    # The opening is given in UTC; output is in Europe/Rome.
    out = ok(runner, "due", "--channel", "letter", "--type", "generic",
             "--opened", "2026-12-18T17:30:00+00:00")
    assert out["opened"] == OPENED
    assert (out["policy"], out["first_response_due"]) == ("letter", "2026-12-28T19:00:00+01:00")
    assert (out["resolution_policy"], out["resolution_due"]) == (
        "generic", "2027-01-18T19:00:00+01:00")


def test_incident_and_pause(runner):
    # Blocking incident Fri 18:30: in charge 18:30-19:00 (0.5 h) + Mon 09:00-10:30.
    out = ok(runner, "due", "--channel", "phone", "--type", "incident_blocking",
             "--opened", OPENED)
    assert (out["policy"], out["first_response_due"]) == (
        "incident_blocking", "2026-12-21T10:30:00+01:00")
    # Waiting for the citizen Mon 21 09:00-10:00 shifts it by an hour.
    out = ok(runner, "due", "--channel", "phone", "--type", "incident_blocking",
             "--opened", OPENED, "--pause", "2026-12-21T09:00:00+01:00/2026-12-21T10:00:00+01:00")
    assert out["first_response_due"] == "2026-12-21T11:30:00+01:00"


def test_policies_command(runner):
    out = ok(runner, "policies")
    keys = [p["key"] for p in out["policies"]]
    assert keys[:2] == ["information", "complaint"] and "pec" in keys
    assert next(p for p in out["policies"] if p["key"] == "incident_minor")["resolution"] == 24


@pytest.mark.parametrize(("args", "fragment"), [
    (["--channel", "fax", "--type", "complaint", "--opened", OPENED], "'--channel'"),
    (["--channel", "pec", "--type", "parking", "--opened", OPENED], "'--type'"),
    (["--channel", "pec", "--type", "lost_codes", "--opened", OPENED], "'--type'"),
    (["--channel", "pec", "--type", "complaint", "--opened", "2026-12-18T18:30:00"], "UTC offset"),
    (["--channel", "pec", "--type", "complaint", "--opened", "yesterday"], "'--opened'"),
    (["--channel", "pec", "--type", "complaint"], "Missing option '--opened'"),
    (["--channel", "pec", "--type", "complaint", "--opened", OPENED, "--pause", "x"],
     "START/END"),
    (["--channel", "pec", "--type", "complaint", "--opened", OPENED, "--bogus"], "--bogus"),
])
def test_bad_input_is_one_line(runner, args, fragment):
    assert fragment in fails(runner, "due", *args)
