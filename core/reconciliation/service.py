"""Importing a reporting flow or a bank statement: one call, atomic and idempotent.

:func:`import_file` measures and hashes the file (refusing one larger than
``RECONCILIATION_MAX_BYTES``), picks the parser (given, or sniffed from the first bytes),
finds the Ente (given, or from the flow's receiver fiscal code / the statement's IBAN) and
then, inside a SAVEPOINT, parses, stages, checks and matches (:mod:`.matching`), archives
the file under ``STORAGE_DIR`` and records one audit event. Any error rolls the savepoint
back — a refused file leaves nothing behind — and reaches the caller as a
:class:`~.errors.ReconciliationError` with a translatable message.

Idempotence: the same bytes for the same Ente, or the same flow (PSP flow id and revision)
or camt.053 message again, is a no-op answered with ``status = "duplicate"`` and the id of
the import that already holds it. Bank entries already imported from an overlapping
statement are skipped and counted as duplicates.

Nothing here commits: the CLI command and the request wrapper do.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit, db, storage
from core.contact.cases import SYSTEM, Actor
from core.db import utcnow
from core.models import Ente, ImportKind, ImportStatus, ReconciliationImport

from .amounts import DecimalFormat
from .detect import EXTENSIONS, detect_kind, parser_for
from .errors import ReconciliationError, show
from .matching import BANK_CHUNK, CHUNK, FlowMatcher, Outcomes, Stage, StatementMatcher
from .rows import FlowHeader, StatementHeader

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
_READ = 1 << 20


@dataclass
class ImportSummary:
    """What an import did; :meth:`as_dict` is the CLI's JSON."""

    status: str  # "imported" or "duplicate"
    import_id: int
    kind: str
    ente: str
    filename: str
    sha256: str
    flow_id: str | None = None
    revision: int | None = None
    regulation_id: str | None = None
    regulation_date: str | None = None
    declared_count: int | None = None
    declared_total: Decimal | None = None
    count: int = 0
    total: Decimal = Decimal("0.00")
    matched: int = 0
    new: int = 0
    duplicates: int = 0
    exceptions: int = 0
    ignored: int = 0
    settled: bool = False
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        def money(value: Decimal | None) -> str | None:
            return None if value is None else f"{value:.2f}"

        return {
            "status": self.status, "import_id": self.import_id, "kind": self.kind,
            "ente": self.ente, "file": self.filename, "sha256": self.sha256,
            "flow_id": self.flow_id, "revision": self.revision,
            "regulation_id": self.regulation_id, "regulation_date": self.regulation_date,
            "totals": {"declared_count": self.declared_count,
                       "declared_amount": money(self.declared_total),
                       "count": self.count, "amount": money(self.total)},
            "matched": self.matched, "new": self.new, "duplicates": self.duplicates,
            "exceptions": self.exceptions, "ignored": self.ignored, "settled": self.settled,
            "exception_reasons": dict(sorted(self.reasons.items())),
        }


def summary_of(imp: ReconciliationImport, status: str = "imported") -> ImportSummary:
    stored = imp.summary or {}
    return ImportSummary(
        status=status, import_id=imp.id, kind=str(imp.kind), ente=imp.ente.code,
        filename=imp.filename, sha256=imp.sha256, flow_id=imp.flow_id, revision=imp.revision,
        regulation_id=imp.regulation_id,
        regulation_date=imp.regulation_date.isoformat() if imp.regulation_date else None,
        declared_count=imp.declared_count, declared_total=imp.declared_total,
        count=imp.line_count, total=imp.total_amount,
        matched=imp.matched_count if status == "imported" else 0,
        new=imp.new_count if status == "imported" else 0,
        duplicates=imp.duplicate_count if status == "imported" else 1,
        exceptions=imp.exception_count if status == "imported" else 0,
        ignored=imp.ignored_count if status == "imported" else 0,
        settled=imp.status == ImportStatus.SETTLED,
        reasons=dict(stored.get("exception_reasons", {})) if status == "imported" else {},
    )


# -- the file -------------------------------------------------------------------------------


def _seekable(source: BinaryIO) -> BinaryIO:
    if getattr(source, "seekable", lambda: False)():
        return source
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    shutil.copyfileobj(source, spool, _READ)
    spool.seek(0)
    return spool


def _measure(stream: BinaryIO, limit: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    while chunk := stream.read(_READ):
        size += len(chunk)
        if size > limit:
            raise ReconciliationError(_l("The file is larger than %(limit)s MB.",
                                         limit=limit // (1024 * 1024)))
        digest.update(chunk)
    stream.seek(0)
    if size == 0:
        raise ReconciliationError(_l("The file is empty."))
    return size, digest.hexdigest()


def _archive(stream: BinaryIO, ente: Ente, kind: ImportKind, sha256: str) -> str:
    """Keep the original file outside the web root (content-addressed, so idempotent)."""
    key = f"reconciliation/{ente.code}/{sha256[:2]}/{sha256}.{EXTENSIONS[kind]}"
    target = storage.path_for(key)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(target.suffix + ".part")
        stream.seek(0)
        with part.open("wb") as out:
            shutil.copyfileobj(stream, out, _READ)
        part.replace(target)
    return key


# -- the Ente -------------------------------------------------------------------------------


def _ente_by_code(code: str) -> Ente:
    ente = db.session.scalars(select(Ente).where(Ente.code == code)).one_or_none()
    if ente is None:
        raise ReconciliationError(_l("There is no Ente with code %(code)s.", code=show(code)))
    return ente


def _check_allowed(ente: Ente, allowed: frozenset[int] | None) -> Ente:
    if allowed is not None and ente.id not in allowed:
        raise ReconciliationError(_l("The file belongs to an Ente you do not manage."))
    return ente


def _flow_ente(header: FlowHeader, given: Ente | None) -> Ente:
    receiver = header.receiver_id
    if given is not None:
        if receiver and receiver != given.fiscal_code:
            raise ReconciliationError(_l(
                "The flow is addressed to the creditor %(receiver)s, not to %(ente)s "
                "(%(fiscal_code)s): nothing was imported.", receiver=show(receiver),
                ente=given.name, fiscal_code=given.fiscal_code))
        return given
    if not receiver:
        raise ReconciliationError(_l("The flow does not name its creditor: choose the Ente."))
    ente = db.session.scalars(select(Ente).where(Ente.fiscal_code == receiver)).one_or_none()
    if ente is None:
        raise ReconciliationError(_l("No Ente has the fiscal code %(receiver)s named by the "
                                     "flow.", receiver=show(receiver)))
    return ente


def _statement_ente(header: StatementHeader, given: Ente | None) -> Ente:
    if given is not None:
        return given
    accounts = {a for a in header.accounts if a}
    enti = list(db.session.scalars(select(Ente).where(Ente.iban.in_(sorted(accounts))))) \
        if accounts else []
    if len(enti) != 1:
        raise ReconciliationError(_l("The Ente cannot be told from the statement: choose it."))
    return enti[0]


def _existing(ente: Ente, sha256: str, natural_key: str | None) -> ReconciliationImport | None:
    stmt = select(ReconciliationImport).where(ReconciliationImport.ente_id == ente.id,
                                              ReconciliationImport.sha256 == sha256)
    found = db.session.scalars(stmt).first()
    if found is None and natural_key:
        found = db.session.scalars(select(ReconciliationImport).where(
            ReconciliationImport.ente_id == ente.id,
            ReconciliationImport.natural_key == natural_key)).first()
    return found


# -- the import -----------------------------------------------------------------------------


class _Duplicate(Exception):
    def __init__(self, existing: ReconciliationImport):
        self.existing = existing


@dataclass
class _Context:
    stream: BinaryIO
    filename: str
    kind: ImportKind
    size: int
    sha256: str
    ente: Ente | None
    allowed: frozenset[int] | None
    actor: Actor
    now: datetime


def _new_import(ctx: _Context, ente: Ente, natural_key: str | None,
                **values: Any) -> ReconciliationImport:
    existing = _existing(ente, ctx.sha256, natural_key)
    if existing is not None:
        raise _Duplicate(existing)
    imp = ReconciliationImport(
        ente_id=ente.id, kind=ctx.kind, filename=ctx.filename[:200], sha256=ctx.sha256,
        size=ctx.size, natural_key=natural_key, imported_at=ctx.now,
        imported_by_id=ctx.actor.id if ctx.actor.kind == "staff" else None, **values)
    imp.ente = ente
    db.session.add(imp)
    db.session.flush()
    return imp


def _import_flow(ctx: _Context, parser) -> ReconciliationImport:
    stage = Stage()
    imp: ReconciliationImport | None = None
    header: FlowHeader = parser.header

    def start() -> ReconciliationImport:
        ente = _check_allowed(_flow_ente(header, ctx.ente), ctx.allowed)
        return _new_import(
            ctx, ente, f"fdr:{header.flow_id}:{header.revision}", flow_id=header.flow_id,
            revision=header.revision, flow_date=header.flow_date,
            sender=" ".join(filter(None, (header.sender_id, header.sender_name)))[:140],
            regulation_id=header.regulation_id, regulation_date=header.regulation_date)

    batch = []
    for row in parser:
        if imp is None and parser.header_ready:  # early: a duplicate flow is not read further
            imp = start()
        batch.append(row)
        if len(batch) >= CHUNK:
            stage.write(batch)
            batch = []
    stage.write(batch)
    if imp is None:
        imp = start()
    imp.declared_count = header.declared_count
    imp.declared_total = header.declared_total
    imp.line_count = parser.count
    imp.total_amount = parser.total
    outcomes = FlowMatcher(imp, header, stage).run()
    stage.drop()
    return _finish(imp, outcomes)


def _import_statement(ctx: _Context, parser) -> ReconciliationImport:
    imp: ReconciliationImport | None = None
    matcher: StatementMatcher | None = None
    header: StatementHeader = parser.header

    def start() -> tuple[ReconciliationImport, StatementMatcher]:
        ente = _check_allowed(_statement_ente(header, ctx.ente), ctx.allowed)
        key = f"camt053:{header.message_id}" if ctx.kind == ImportKind.CAMT053 \
            and header.message_id else None
        created = _new_import(ctx, ente, key,
                              flow_id=(header.message_id or None) if key else None,
                              account=(header.accounts[0] if header.accounts else "")[:34])
        return created, StatementMatcher(created)

    if ctx.kind == ImportKind.CSV and ctx.ente is None:
        raise ReconciliationError(_l("A CSV bank statement does not name its Ente: choose it."))
    batch = []
    for row in parser:
        if imp is None:
            imp, matcher = start()
        batch.append(row)
        if len(batch) >= BANK_CHUNK:
            matcher.add(batch)
            batch = []
    if imp is None:
        imp, matcher = start()
    matcher.add(batch)
    imp.declared_count = header.declared_count
    imp.declared_total = header.declared_sum
    imp.line_count = matcher.count
    imp.total_amount = matcher.credits
    return _finish(imp, matcher.outcomes)


def _finish(imp: ReconciliationImport, outcomes: Outcomes) -> ReconciliationImport:
    imp.matched_count = outcomes.matched
    imp.new_count = outcomes.new
    imp.exception_count = outcomes.exceptions
    imp.duplicate_count = outcomes.duplicates
    imp.ignored_count = outcomes.ignored
    imp.summary = {"exception_reasons": dict(outcomes.reasons)}
    db.session.flush()
    return imp


def import_file(source: BinaryIO, *, filename: str = "", ente_code: str | None = None,
                kind: ImportKind | str = "auto", decimal: DecimalFormat | str = "auto",
                actor: Actor = SYSTEM, allowed_ente_ids: frozenset[int] | None = None,
                now: datetime | None = None) -> ImportSummary:
    """Import one reporting flow or bank statement (see the module docstring).

    ``allowed_ente_ids``: the Enti the acting staff member manages (``None``: any).
    Raises :class:`~.errors.ReconciliationError` (nothing written) for bad input.
    """
    limit = int(current_app.config.get("RECONCILIATION_MAX_BYTES", DEFAULT_MAX_BYTES))
    stream = _seekable(source)
    size, sha256 = _measure(stream, limit)
    if str(kind) == "auto":
        kind = detect_kind(stream.read(4096))
        stream.seek(0)
    kind = ImportKind(kind)
    ente = _check_allowed(_ente_by_code(ente_code), allowed_ente_ids) if ente_code else None
    if ente is not None:
        existing = _existing(ente, sha256, None)
        if existing is not None:
            return summary_of(existing, "duplicate")
    ctx = _Context(stream, filename, kind, size, sha256, ente, allowed_ente_ids, actor,
                   now or utcnow())
    parser = parser_for(kind, stream, decimal)
    savepoint = db.session.begin_nested()
    try:
        if kind.is_flow:
            imp = _import_flow(ctx, parser)
        else:
            imp = _import_statement(ctx, parser)
        imp.storage_key = _archive(stream, imp.ente, kind, sha256)
        audit.record("reconciliation.imported", actor_type=actor.kind, actor_id=actor.id,
                     object_type="reconciliation_import", object_id=imp.id, ente_id=imp.ente_id,
                     kind=str(kind), sha256=sha256, flow_id=imp.flow_id, count=imp.line_count,
                     amount=str(imp.total_amount), matched=imp.matched_count,
                     new=imp.new_count, exceptions=imp.exception_count,
                     duplicates=imp.duplicate_count)
        db.session.flush()
    except _Duplicate as duplicate:
        savepoint.rollback()
        return summary_of(duplicate.existing, "duplicate")
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    savepoint.commit()
    db.session.expire_all()  # payments marked by set-based UPDATEs
    return summary_of(imp)
