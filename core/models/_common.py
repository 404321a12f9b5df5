"""Column helpers shared by the model modules."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum as SAEnum


def str_enum(enum_cls: type[StrEnum], length: int = 32) -> SAEnum:
    """A portable enum column: VARCHAR holding the member values, validated in Python."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
        create_constraint=False,
    )


class Language(StrEnum):
    IT = "it"
    EN = "en"
    FR = "fr"
    DE = "de"
    ES = "es"
