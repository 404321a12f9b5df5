"""The data dictionary: every table and column with its type, nullability, keys and meaning.

Descriptions come from the models themselves: the class docstring for a table; for a column
its ``comment``/``doc``/``info["description"]``, else the source comment written on the
column's line or just above it (the house style documents columns that way). Built from the
metadata, so tables added later appear without changes here.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

from sqlalchemy import Column, Enum, Table, UniqueConstraint

from core.db import Money, UTCDateTime
from core.models import Base

from .scope import TablePlan, plan

FORMAT = "multe-data-dictionary/1"
CATEGORY_TEXT = {
    "ente": "Data of the Ente (rows selected by the foreign-key chain shown)",
    "reference": "Global reference data, exported in full",
    "referenced": "Staff records referred to by the Ente's data (credentials removed)",
    "excluded": "Not exported",
    "unclassified": "Not exported (not yet classified)",
}
_ATTR = re.compile(r"^\s+(\w+)\s*[:=]")
_COMMENT = re.compile(r"#\s*(.*?)\s*$")


def _classes() -> dict[str, type]:
    return {mapper.local_table.name: mapper.class_ for mapper in Base.registry.mappers
            if isinstance(mapper.local_table, Table)}


def _first_paragraph(text: str | None) -> str:
    if not text:
        return ""
    return " ".join(inspect.cleandoc(text).split("\n\n")[0].split())


def _source_comments(cls: type) -> dict[str, str]:
    """Comments on an attribute's line (``x = … # text``) or on the lines just above it."""
    try:
        lines = inspect.getsource(cls).splitlines()
    except (OSError, TypeError):
        return {}
    found: dict[str, str] = {}
    above: list[str] = []
    for line in lines[1:]:
        stripped = line.strip()
        if stripped.startswith("#"):
            above.append(stripped.lstrip("#").strip())
            continue
        match = _ATTR.match(line)
        if match and ("mapped_column" in line or "Column(" in line):
            trailing = _COMMENT.search(line.split(")", 1)[-1]) if "#" in line else None
            text = " ".join(above + ([trailing.group(1)] if trailing else []))
            if text:
                found[match.group(1)] = re.sub(r"\s*noqa.*$", "", text)
        if stripped or not above:
            above = []
    return found


def column_type(column: Column) -> str:
    kind = column.type
    if isinstance(kind, Money):
        return "decimal(14,2), euro"
    if isinstance(kind, UTCDateTime):
        return "timestamp with time zone (UTC)"
    if isinstance(kind, Enum):
        return f"varchar({kind.length}), one of: {', '.join(kind.enums)}"
    try:
        return str(kind.compile()).lower()
    except Exception:  # a dialect-specific type
        return type(kind).__name__.lower()


def _conventional(column: Column, fk) -> str:
    """What the house conventions say about a column nobody commented."""
    if column.name == "id" and column.primary_key:
        return "Identifier of the row."
    if column.name == "created_at":
        return "When the row was created."
    if fk is not None:
        return f"The {fk.column.table.name.replace('_', ' ')} this row refers to."
    return ""


def _link_table(table: Table) -> str:
    targets = [next(iter(c.foreign_keys)).column.table.name for c in table.columns
               if c.foreign_keys]
    if len(targets) == 2:
        return f"Links {targets[0]} and {targets[1]} (many to many)."
    return ""


def _unique_sets(table: Table) -> list[list[str]]:
    return [[c.name for c in constraint.columns] for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)]


def describe(plans: list[TablePlan] | None = None) -> dict[str, Any]:
    plans = plans or plan()
    classes = _classes()
    tables = []
    for entry in sorted(plans, key=lambda p: p.name):
        table = entry.table
        cls = classes.get(table.name)
        comments = _source_comments(cls) if cls else {}
        attr_of = {}
        if cls is not None:
            for attr in cls.__mapper__.column_attrs:  # type: ignore[attr-defined]
                for col in attr.columns:
                    attr_of[col.name] = attr.key
        uniques = _unique_sets(table)
        columns = []
        for column in table.columns:
            fk = next(iter(column.foreign_keys), None)
            description = (column.comment or column.doc or column.info.get("description")
                           or comments.get(attr_of.get(column.name, column.name), "")
                           or _conventional(column, fk))
            columns.append({
                "name": column.name, "type": column_type(column), "nullable": bool(column.nullable),
                "primary_key": bool(column.primary_key),
                "foreign_key": f"{fk.column.table.name}.{fk.column.name}" if fk else None,
                "unique": bool(column.unique) or [column.name] in uniques,
                "description": description,
            })
        tables.append({
            "name": table.name, "category": entry.category,
            "category_text": CATEGORY_TEXT[entry.category], "scope": entry.scope_text(),
            "description": table.comment or _first_paragraph(cls.__doc__ if cls else None)
            or _first_paragraph(inspect.getmodule(cls).__doc__ if cls else None)
            or _link_table(table),
            "file": f"data/{table.name}.jsonl" if entry.exported else None,
            "primary_key": [c.name for c in table.primary_key.columns],
            "unique_constraints": uniques,
            "columns": columns,
        })
    return {"format": FORMAT, "tables": tables}


def markdown(dictionary: dict[str, Any]) -> str:
    out = ["# Data dictionary", "",
           "Every table of the database with its columns. Money is a decimal string in euro "
           "(`\"29.40\"`); instants are ISO 8601 with their UTC offset; dates `YYYY-MM-DD`; "
           "JSON columns are JSON. Each exported table is one JSON Lines file (`file`).", ""]
    for table in dictionary["tables"]:
        out += [f"## `{table['name']}`", ""]
        if table["description"]:
            out += [table["description"], ""]
        out += [f"- Category: {table['category_text']}", f"- Scope: {table['scope']}",
                f"- File: `{table['file']}`" if table["file"] else "- File: none",
                f"- Primary key: {', '.join(table['primary_key'])}"]
        for unique in table["unique_constraints"]:
            out.append(f"- Unique: {', '.join(unique)}")
        out += ["", "| Column | Type | Null | Key | Description |", "|---|---|---|---|---|"]
        for column in table["columns"]:
            key = "PK" if column["primary_key"] else ""
            if column["foreign_key"]:
                key = (key + " " if key else "") + f"→ {column['foreign_key']}"
            text = (column["description"] or "").replace("|", "\\|")
            out.append(f"| `{column['name']}` | {column['type']} | "
                       f"{'yes' if column['nullable'] else 'no'} | {key} | {text} |")
        out.append("")
    return "\n".join(out)


def as_json(dictionary: dict[str, Any]) -> str:
    return json.dumps(dictionary, ensure_ascii=False, indent=2)
