"""Column values to JSON and back.

Money and other decimals are strings (``"29.40"``), instants ISO 8601 with their UTC offset,
dates ``YYYY-MM-DD``, enumerations their stored value, JSON columns themselves."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Column, Date, DateTime, Numeric

from core.db import Money, UTCDateTime


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot export {type(value).__name__}")


def dumps(row: dict[str, Any]) -> str:
    return json.dumps(row, default=_default, ensure_ascii=False, sort_keys=False)


def converter(column: Column):
    """The function turning a JSON value back into what the column stores."""
    kind = column.type
    if isinstance(kind, Money) or isinstance(kind, Numeric):
        return lambda v: None if v is None else Decimal(str(v))
    if isinstance(kind, UTCDateTime) or isinstance(kind, DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(kind, JSON):
        return lambda v: v
    return lambda v: v


def plain(value: Any) -> Any:
    """A value as it appears in the export (for comparisons)."""
    return json.loads(json.dumps(value, default=_default))
