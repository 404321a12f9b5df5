"""`flask pagopa notices`: JSON list of payable verbali with their notices, issued as needed."""

import json

from core.models import VerbaleStatus
from core.pagopa.cli import pagopa_cli
from core.pagopa.notice import is_valid_check
from tests.core.pagopa.pagopa_support import fine, new_ente

KEYS = {"verbale", "notice_number", "iuv", "creditor_fiscal_code", "id_broker_pa", "id_station",
        "qr_payload", "amount_today", "status"}


def _run(app, *args):
    return app.test_cli_runner().invoke(pagopa_cli, ["notices", *args])


def test_lists_payable_verbali_issuing_notices(portal_app, db_session):
    ente = new_ente()
    _e, _p, reduced, _n = fine(3, ente, notice=False)
    _e, _p, minimum, existing = fine(10, ente)
    fine(3, ente, notice=False, status=VerbaleStatus.PAID)
    fine(3, ente, notice=False, status=VerbaleStatus.APPEALED)
    result = _run(portal_app, "--ente", ente.code)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["verbale"] for r in rows] == [reduced.number, minimum.number]
    first, second = rows
    assert set(first) == KEYS
    assert first["amount_today"] == "29.40" and second["amount_today"] == "42.00"
    assert second["notice_number"] == existing.notice_number  # reused, not reissued
    assert is_valid_check(first["notice_number"]) and first["iuv"] == first["notice_number"][1:]
    assert first["creditor_fiscal_code"] == ente.fiscal_code
    assert (first["id_broker_pa"], first["id_station"]) == (ente.id_broker_pa, ente.id_station)
    assert first["qr_payload"] == \
        f"PAGOPA|002|{first['notice_number']}|{ente.fiscal_code}|2940"
    assert first["status"] == "active"
    # Idempotent: the notices issued the first time are committed and listed again.
    again = json.loads(_run(portal_app, "--ente", ente.code).output)
    assert [r["notice_number"] for r in again] == [r["notice_number"] for r in rows]
    assert len(json.loads(_run(portal_app, "--ente", ente.code, "--limit", "1").output)) == 1


def test_bad_input_is_one_line(portal_app, db_session):
    for args in (["--ente", "NO-SUCH-ENTE"], ["--limit", "0"], ["--limit", "many"]):
        result = _run(portal_app, *args)
        assert result.exit_code != 0
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), result.output
