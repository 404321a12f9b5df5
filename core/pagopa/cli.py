"""Command-line contract of pagoPA: ``flask --app wsgi pagopa notices [--ente CODE] [--limit N]``.

Prints one JSON list on stdout, one object per payable verbale (status notified or enforcement,
a positive amount due today), in verbale id order, issuing and committing notices as needed::

    {"verbale": "RHO/2026/000123", "notice_number": "301000000000000142", "iuv": "01000…",
     "creditor_fiscal_code": "80012345678", "id_broker_pa": "…", "id_station": "…_01",
     "qr_payload": "PAGOPA|002|…|…|2940", "amount_today": "29.40", "status": "active"}

``amount_today`` is the fines engine's amount for today in the Ente's timezone, a string with
two decimals; ``status`` is the notice's status. Without ``--limit`` every payable verbale is
listed. Bad input (unknown Ente, a limit below 1) gives one ``error: …`` line on stderr and
exit code 2 (:class:`core.fines.cli.OneLineErrorGroup`).
"""

from __future__ import annotations

import json

import click
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import db
from core.fines.cli import OneLineErrorGroup
from core.models import Ente, Verbale, VerbaleStatus, VerbaleViolation
from core.pagopa import wire
from core.pagopa.service import ensure_notice, notice_qr_payload
from core.positions import build_position, local_today

pagopa_cli = OneLineErrorGroup("pagopa", help="pagoPA notices.")

_BATCH = 200


def _candidates(ente: Ente | None):
    stmt = (select(Verbale)
            .where(Verbale.status.in_((VerbaleStatus.NOTIFIED, VerbaleStatus.ENFORCEMENT)),
                   Verbale.notified_on.is_not(None))
            .order_by(Verbale.id)
            .options(selectinload(Verbale.violations).selectinload(VerbaleViolation.violation_type),
                     selectinload(Verbale.costs), selectinload(Verbale.payments),
                     selectinload(Verbale.ente)))
    if ente is not None:
        stmt = stmt.where(Verbale.ente_id == ente.id)
    last_id = 0
    while True:
        batch = list(db.session.scalars(stmt.where(Verbale.id > last_id).limit(_BATCH)))
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def notices_payload(ente_code: str | None = None, limit: int | None = None) -> list[dict]:
    ente = None
    if ente_code is not None:
        ente = db.session.scalars(select(Ente).where(Ente.code == ente_code)).one_or_none()
        if ente is None:
            raise LookupError(f"unknown Ente {ente_code!r}")
    out: list[dict] = []
    for verbale in _candidates(ente):
        if limit is not None and len(out) >= limit:
            break
        today = local_today(verbale.ente)
        position = build_position(verbale, today)
        if not position.payable:
            continue
        notice = ensure_notice(verbale, today)
        out.append({
            "verbale": verbale.number,
            "notice_number": notice.notice_number,
            "iuv": notice.iuv,
            "creditor_fiscal_code": verbale.ente.fiscal_code,
            "id_broker_pa": verbale.ente.id_broker_pa,
            "id_station": verbale.ente.id_station,
            "qr_payload": notice_qr_payload(notice, position),
            "amount_today": wire.amount(position.quote.total),
            "status": str(notice.status),
        })
    return out


@pagopa_cli.command("notices")
@click.option("--ente", "ente_code", metavar="CODE", help="Only this Ente (its code).")
@click.option("--limit", type=click.IntRange(min=1), help="At most N verbali.")
def notices(ente_code: str | None, limit: int | None) -> None:
    """List payable verbali with their pagoPA notice (issuing notices as needed)."""
    try:
        payload = notices_payload(ente_code, limit)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
