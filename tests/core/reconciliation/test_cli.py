"""``flask --app wsgi reconcile import FILE``: a JSON summary on stdout, ``duplicate`` for a
second run, one ``error:`` line and exit code 2 for a refused file (nothing written)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from core import db
from core.models import Payment, ReconciliationImport
from tests.core.reconciliation.recon_support import P, csv_statement, fine, flusso, receipt


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=["reconcile", "import", *args])


def test_import_prints_a_json_summary(portal_app, db_session, tmp_path):
    with portal_app.app_context():
        ente, _, verbale, notice = fine(days_ago=10)
        _, _, v2, n2 = fine(days_ago=10, ente=ente)
        receipt(verbale, "IUR-CLI-1", "42.00")
        path = tmp_path / "flusso.xml"
        path.write_bytes(flusso(ente, [P(notice.iuv, "IUR-CLI-1", "42.00"),
                                       P(n2.iuv, "IUR-CLI-2", "20.00", "9"),
                                       P("02555555555555555", "IUR-CLI-3", "5.00")],
                                flow_id="CLI-FLOW-1"))
        db.session.commit()
    result = _invoke(portal_app, str(path))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "imported" and summary["kind"] == "flusso"
    assert summary["ente"] == ente.code and summary["file"] == "flusso.xml"
    assert summary["flow_id"] == "CLI-FLOW-1"
    assert (summary["matched"], summary["new"], summary["exceptions"], summary["duplicates"]) == (1, 1, 1, 0)
    assert summary["totals"] == {"declared_count": 3, "declared_amount": "67.00", "count": 3,
                                 "amount": "67.00"}
    assert summary["exception_reasons"] == {"unknown_iuv": 1}
    again = json.loads(_invoke(portal_app, str(path), "--ente", ente.code).stdout)
    assert again["status"] == "duplicate" and again["import_id"] == summary["import_id"]
    assert again["duplicates"] == 1 and again["new"] == 0


def test_refused_file_exits_2_with_one_line(portal_app, db_session, tmp_path):
    with portal_app.app_context():
        ente, _, verbale, notice = fine(days_ago=10)
        path = tmp_path / "bad.xml"
        path.write_bytes(flusso(ente, [P(notice.iuv, "IUR-CLI-9", "42.00", "9")], total="40.00"))
        before = (db.session.scalar(select(func.count()).select_from(ReconciliationImport)),
                  db.session.scalar(select(func.count()).select_from(Payment)))
    result = _invoke(portal_app, str(path), "--kind", "flusso")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: The header declares a total of 40.00")
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    with portal_app.app_context():
        assert (db.session.scalar(select(func.count()).select_from(ReconciliationImport)),
                db.session.scalar(select(func.count()).select_from(Payment))) == before


def test_csv_needs_ente_and_unknown_ente(portal_app, db_session, tmp_path):
    path = tmp_path / "estratto.csv"
    path.write_bytes(csv_statement([("T-CLI", "1,00", "x")]))
    result = _invoke(portal_app, str(path))
    assert result.exit_code == 2 and "choose it" in result.stderr
    result = _invoke(portal_app, str(path), "--ente", "NOPE")
    assert result.exit_code == 2 and "There is no Ente with code NOPE" in result.stderr
