"""Which rows of which tables belong to an Ente, read from the SQLAlchemy metadata.

Every table of ``Base.metadata`` falls in one category:

* ``ente`` — a chain of foreign keys leads to ``ente.id``: the rows whose chain ends at the
  Ente's id belong to it. Among several chains the one with the fewest nullable links, then the
  shortest, is used (a nullable link would drop rows where it is empty);
* ``reference`` — global reference data, exported in full (:data:`REFERENCE_TABLES`);
* ``referenced`` — records of the contractor's staff (:data:`REFERENCED_ONLY`): only the rows
  the Ente's rows point at (who handled a case …), with their credentials blanked;
* ``excluded`` — listed with the reason in :data:`EXCLUDED`, which wins over a chain;
* ``unclassified`` — none of the above: not exported, reported in the manifest.

References from an Ente's row to a row that is not exported (another Ente's, or an excluded
table's) are written as ``null`` when the column allows it; otherwise the export stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Select,
    Table,
    and_,
    case,
    exists,
    false,
    func,
    null,
    select,
    union,
)
from sqlalchemy.engine import Connection

from core.models import Base

ENTE = "ente"

REFERENCE_TABLES: dict[str, str] = {
    "violation_type": "The national violation catalogue, shared by every Ente.",
    "violation_amount": "The versioned amounts of the violation catalogue.",
}
# Staff records the Ente's rows point at: exported without credentials, as inactive accounts.
REFERENCED_ONLY: dict[str, dict[str, Any]] = {
    "staff_user": {"password_hash": "!", "totp_secret": None, "totp_enrolled_at": None,
                   "session_token": "", "failed_attempts": 0, "locked_until": None,
                   "last_login_at": None, "active": False},
}
EXCLUDED: dict[str, str] = {
    "staff_ente": "Access rights of the contractor's staff to the Ente: not the Ente's data.",
    "form_draft": "Unfinished forms kept for a few hours, keyed by browser or person, not by "
                  "Ente; no procedure depends on them.",
}


@dataclass
class TablePlan:
    table: Table
    category: str
    path: list[ForeignKey] = field(default_factory=list)  # ente: from the table to ente.id
    reason: str = ""

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def exported(self) -> bool:
        return self.category in ("ente", "reference", "referenced")

    def scope_text(self) -> str:
        if self.category == "ente":
            if self.name == ENTE:
                return "ente.id"
            return " → ".join(f"{fk.parent.table.name}.{fk.parent.name}" for fk in self.path) \
                + " → ente.id"
        return self.reason


def _best_paths(tables: list[Table]) -> dict[str, list[ForeignKey]]:
    """For every table with a chain to ``ente``, the chain with the fewest nullable links,
    then the fewest links (a small Bellman-Ford over the foreign-key graph)."""
    best: dict[str, tuple[int, int, list[ForeignKey]]] = {ENTE: (0, 0, [])}
    for _round in range(len(tables)):
        changed = False
        for table in tables:
            if table.name == ENTE:
                continue
            for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
                parent = fk.column.table.name
                if parent == table.name or parent not in best:
                    continue
                nullable, length, path = best[parent]
                if any(step.parent.table is table for step in path):
                    continue
                candidate = (nullable + int(bool(fk.parent.nullable)), length + 1, [fk, *path])
                if table.name not in best or candidate[:2] < best[table.name][:2]:
                    best[table.name] = candidate
                    changed = True
        if not changed:
            break
    return {name: path for name, (_n, _l, path) in best.items()}


def plan(metadata=None) -> list[TablePlan]:
    metadata = metadata or Base.metadata
    tables = list(metadata.sorted_tables)
    paths = _best_paths(tables)
    plans = []
    for table in tables:
        name = table.name
        if name in EXCLUDED:
            plans.append(TablePlan(table, "excluded", reason=EXCLUDED[name]))
        elif name in paths:
            plans.append(TablePlan(table, "ente", paths[name]))
        elif name in REFERENCE_TABLES:
            plans.append(TablePlan(table, "reference", reason=REFERENCE_TABLES[name]))
        elif name in REFERENCED_ONLY:
            plans.append(TablePlan(table, "referenced", reason=(
                "Only the rows the Ente's rows refer to; credentials blanked, accounts inactive.")))
        else:
            plans.append(TablePlan(table, "unclassified", reason=(
                "No foreign-key path to ente and not classified in core/export/scope.py.")))
    return plans


def _pk(table: Table) -> list[Column]:
    return list(table.primary_key.columns)


def scoped(entry: TablePlan, ente_id: int) -> tuple[Select, Table]:
    """``SELECT`` of the Ente's rows of an ``ente`` table (joined along its chain) and the
    (aliased) table whose columns it selects."""
    table = entry.table
    if table.name == ENTE:
        return select(table).where(table.c.id == ente_id), table
    base = table.alias(f"t_{table.name}")
    current: Any = base
    stmt = select(base)
    for index, fk in enumerate(entry.path):
        column = current.c[fk.parent.name]
        if fk.column.table.name == ENTE:
            return stmt.where(column == ente_id), base
        parent = fk.column.table.alias(f"p{index}_{fk.column.table.name}")
        stmt = stmt.join(parent, column == parent.c[fk.column.name])
        current = parent
    raise AssertionError(f"the chain of {table.name} does not reach ente")


def scoped_keys(entry: TablePlan, ente_id: int, column: str) -> Select:
    stmt, base = scoped(entry, ente_id)
    return stmt.with_only_columns(base.c[column])


@dataclass
class ReferenceFix:
    """A foreign-key column whose value is written as null when its row is not exported."""

    column: str
    target: str
    dangling: int  # rows concerned


class ExportError(RuntimeError):
    pass


def reference_fixes(conn: Connection, plans: list[TablePlan], ente_id: int
                    ) -> dict[str, list[tuple[ForeignKey, ReferenceFix]]]:
    """For each exported Ente table, the foreign keys pointing outside the export (counted with
    one anti-join per foreign key, in the database)."""
    by_name = {p.name: p for p in plans}
    fixes: dict[str, list[tuple[ForeignKey, ReferenceFix]]] = {}
    for entry in plans:
        if entry.category != "ente":
            continue
        stmt, base = scoped(entry, ente_id)
        for fk in sorted(entry.table.foreign_keys, key=lambda f: f.parent.name):
            target = by_name.get(fk.column.table.name)
            if target is None or target.category in ("reference", "referenced"):
                continue
            column = base.c[fk.parent.name]
            condition = column.is_not(None)
            if target.category == "ente":
                inside = scoped_keys(target, ente_id, fk.column.name).subquery()
                condition = and_(condition, ~exists(select(inside.c[0]).where(
                    inside.c[0] == column)))
            count = conn.scalar(select(func.count()).select_from(
                stmt.with_only_columns(column).where(condition).subquery()))
            if not count:
                continue
            if not fk.parent.nullable:
                raise ExportError(f"{entry.name}.{fk.parent.name}: {count} rows refer to "
                                  f"{target.name} rows outside the export")
            fixes.setdefault(entry.name, []).append(
                (fk, ReferenceFix(fk.parent.name, fk.column.table.name, count)))
    return fixes


def export_select(entry: TablePlan, ente_id: int, plans: list[TablePlan],
                  fixes: list[tuple[ForeignKey, ReferenceFix]]) -> Select:
    """The rows to write for one exported table, ordered by primary key."""
    table = entry.table
    if entry.category == "reference":
        return select(table).order_by(*_pk(table))
    if entry.category == "referenced":
        wanted = [scoped_keys(other, ente_id, fk.parent.name)
                  for other in plans if other.category == "ente"
                  for fk in sorted(other.table.foreign_keys, key=lambda f: f.parent.name)
                  if fk.column.table is table]
        column = _pk(table)[0]
        if not wanted:
            return select(table).where(false()).order_by(column)
        keys = union(*wanted).subquery()
        return select(table).where(column.in_(select(keys.c[0]))).order_by(column)
    stmt, base = scoped(entry, ente_id)
    by_name = {p.name: p for p in plans}
    replaced = {}
    for fk, fix in fixes:
        column = base.c[fix.column]
        target = by_name[fix.target]
        if target.category == "ente":
            inside = scoped_keys(target, ente_id, fk.column.name).subquery()
            keep = exists(select(inside.c[0]).where(inside.c[0] == column))
            replaced[fix.column] = case((keep, column), else_=None).label(fix.column)
        else:
            replaced[fix.column] = null().label(fix.column)
    if replaced:
        stmt = stmt.with_only_columns(*[replaced.get(c.name, c) for c in base.c])
    return stmt.order_by(*[base.c[c.name] for c in _pk(table)])
