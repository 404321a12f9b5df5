"""Command-line contract: `flask fines quote|deadlines`, `flask calendar add|status|between`."""

import json

import flask
import pytest

from core.fines.cli import calendar_cli, fines_cli


@pytest.fixture(scope="module")
def runner():
    return flask.Flask(__name__).test_cli_runner()


def run(runner, group, *args):
    result = runner.invoke(group, list(args))
    return result


def ok(runner, group, *args):
    result = run(runner, group, *args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


QUOTE = ("quote", "--min", "42", "--max", "173", "--notified", "2025-03-03")


def test_quote_example(runner):
    out = ok(runner, fines_cli, *QUOTE, "--on", "2025-03-06", "--costs", "14.50")
    assert {k: out[k] for k in ("tier", "sanction", "costs", "paid", "total")} == {
        "tier": "discounted", "sanction": "29.40", "costs": "14.50", "paid": "0.00",
        "total": "43.90",
    }
    assert out["windows"][0] == {"tier": "discounted", "from": "2025-03-04", "to": "2025-03-08",
                                 "sanction": "29.40", "surcharge": "0.00", "total": "43.90"}
    assert out["windows"][1]["from"] == "2025-03-09"
    assert out["windows"][1]["to"] == "2025-05-02"
    assert out["windows"][1]["total"] == "56.50"
    assert out["windows"][2]["from"] == "2025-05-03"
    assert out["windows"][2]["total"] == "101.00"
    assert out["windows"][-1]["to"] is None
    assert out["next_change"] == "2025-03-09"


@pytest.mark.parametrize(
    ("on", "tier", "sanction"),
    [("2025-03-08", "discounted", "29.40"), ("2025-03-09", "minimum", "42.00"),
     ("2025-05-02", "minimum", "42.00"), ("2025-05-03", "half_maximum", "86.50")],
)
def test_quote_worked_examples(runner, on, tier, sanction):
    out = ok(runner, fines_cli, *QUOTE, "--on", on)
    assert (out["tier"], out["sanction"], out["total"]) == (tier, sanction, sanction)


def test_quote_paid_and_flags(runner):
    out = ok(runner, fines_cli, *QUOTE, "--on", "2025-03-06", "--costs", "14.50",
             "--paid", "10.00", "--no-discount")
    assert (out["sanction"], out["paid"], out["total"]) == ("42.00", "10.00", "46.50")
    assert out["discount_excluded"] is True
    out = ok(runner, fines_cli, *QUOTE, "--on", "2025-03-06", "--no-reduced")
    assert (out["tier"], out["sanction"]) == ("discounted", "86.50")
    assert out["reduced_payment_excluded"] is True


def test_quote_costs_repeatable_and_surcharge(runner):
    out = ok(runner, fines_cli, *QUOTE, "--on", "2026-01-01", "--costs", "9.50", "--costs", "5")
    assert out["costs"] == "14.50"
    assert [c["amount"] for c in out["cost_lines"]] == ["9.50", "5.00"]
    assert (out["surcharge"], out["total"]) == ("8.65", "109.65")
    out = ok(runner, fines_cli, *QUOTE, "--on", "2026-01-01", "--enrolled", "2025-06-01")
    assert out["surcharge"] == "0.00"


def test_quote_defaults_on_to_today(runner):
    out = ok(runner, fines_cli, *QUOTE)
    assert out["on"] >= "2025-01-01"


def test_deadlines_example(runner):
    out = ok(runner, fines_cli, "deadlines", "--assessed", "2025-01-10",
             "--notified", "2025-03-03", "--points")
    assert {k: out[k] for k in ("notify_by", "prefetto_appeal_by", "gdp_appeal_by",
                                "driver_data_by", "instalment_request_by", "prescription")} == {
        "notify_by": "2025-04-10", "prefetto_appeal_by": "2025-05-02",
        "gdp_appeal_by": "2025-04-02", "driver_data_by": "2025-05-02",
        "instalment_request_by": "2025-04-02", "prescription": "2030-01-10",
    }
    assert out["rules"][0] == {"name": "notify_by", "rule": "cds_201_90_days",
                               "reference": "art. 201 c.1 CdS", "base": "2025-01-10", "days": 90,
                               "years": 0, "nominal": "2025-04-10", "due": "2025-04-10"}


def test_deadlines_without_points_and_abroad(runner):
    out = ok(runner, fines_cli, "deadlines", "--assessed", "2025-01-10",
             "--notified", "2025-03-03")
    assert out["driver_data_by"] is None
    out = ok(runner, fines_cli, "deadlines", "--assessed", "2025-01-10",
             "--notified", "2025-03-03", "--abroad")
    assert (out["notify_by"], out["gdp_appeal_by"]) == ("2026-01-05", "2025-05-02")


def test_calendar_add_examples(runner):
    out = ok(runner, calendar_cli, "add", "--from", "2026-12-24T17:00:00+01:00",
             "--working-hours", "8")
    assert out["due"] == "2026-12-28T17:00:00+01:00"
    out = ok(runner, calendar_cli, "add", "--from", "2026-12-18T18:30:00+01:00",
             "--working-days", "3")
    assert out["due"] == "2026-12-23T19:00:00+01:00"
    out = ok(runner, calendar_cli, "add", "--from", "2026-12-20T10:00:00+01:00",
             "--calendar-days", "5")
    assert out["due"] == "2026-12-28T19:00:00+01:00"


def test_calendar_add_with_pauses_and_utc_input(runner):
    out = ok(runner, calendar_cli, "add", "--from", "2026-12-18T17:30:00Z", "--working-days", "3",
             "--pause", "2026-12-21T10:00:00+01:00/2026-12-21T11:00:00+01:00")
    assert out["due"] == "2026-12-24T19:00:00+01:00"
    out = ok(runner, calendar_cli, "add", "--from", "2026-03-27T17:00:00+01:00",
             "--working-hours", "4")
    assert out["due"] == "2026-03-30T11:00:00+02:00"


def test_calendar_status_and_between(runner):
    out = ok(runner, calendar_cli, "status", "--at", "2026-12-24T20:00:00+01:00")
    assert out == {"at": "2026-12-24T20:00:00+01:00", "open": False, "working_day": True,
                   "next_opening": "2026-12-28T09:00:00+01:00"}
    out = ok(runner, calendar_cli, "between", "--from", "2026-12-24T17:00:00+01:00",
             "--to", "2026-12-28T17:00:00+01:00")
    assert out == {"seconds": 28800, "duration": "8:00:00"}


@pytest.mark.parametrize(
    ("group", "args"),
    [
        (fines_cli, QUOTE[:-1] + ("2025-02-30",)),  # bad date
        (fines_cli, ("quote", "--max", "173", "--notified", "2025-03-03")),  # missing option
        (fines_cli, ("quote", "--min", "-1", "--max", "173", "--notified", "2025-03-03")),
        (fines_cli, ("quote", "--min", "200", "--max", "173", "--notified", "2025-03-03")),
        (fines_cli, ("quote", "--min", "abc", "--max", "173", "--notified", "2025-03-03")),
        (fines_cli, ("quote", "--min", "NaN", "--max", "173", "--notified", "2025-03-03")),
        (fines_cli, QUOTE + ("--paid", "-5",)),
        (fines_cli, QUOTE + ("--bogus",)),
        (fines_cli, ("nope",)),
        (fines_cli, ("deadlines", "--notified", "2025-03-03")),
        (fines_cli, ("deadlines", "--assessed", "2025-03-03", "--notified", "2025-01-01")),
        (calendar_cli, ("add", "--from", "2026-12-24T17:00:00", "--working-hours", "8")),
        (calendar_cli, ("add", "--from", "2026-12-24T17:00:00+01:00")),
        (calendar_cli, ("add", "--from", "2026-12-24T17:00:00+01:00", "--working-hours", "8",
                        "--working-days", "1")),
        (calendar_cli, ("add", "--from", "2026-12-24T17:00:00+01:00", "--working-days", "-1")),
        (calendar_cli, ("add", "--from", "2026-12-24T17:00:00+01:00", "--working-hours", "1",
                        "--pause", "2026-12-24T18:00:00+01:00")),
        (calendar_cli, ("add", "--from", "2026-12-24T17:00:00+01:00", "--working-hours", "1",
                        "--pause", "2026-12-24T18:00:00+01:00/2026-12-24T17:00:00+01:00")),
    ],
)
def test_bad_input_one_line_no_traceback(runner, group, args):
    result = run(runner, group, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_unknown_ente_is_one_line(runner):
    result = run(runner, fines_cli, *QUOTE, "--ente", "NOPE")
    assert result.exit_code != 0
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_help_still_works(runner):
    result = run(runner, fines_cli, "quote", "--help")
    assert result.exit_code == 0
    assert "--notified" in result.stdout
