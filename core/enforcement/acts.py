"""The letters enforcement produces, through the letter service (archive, verification code,
SHA-256, idempotent per verbale, kind and sequence)."""

from __future__ import annotations

from core.models import Letter, LetterKind, Verbale


def produce(verbale: Verbale, kind: LetterKind, *, batch_run_id: int | None = None) -> Letter:
    from core.letters import service as letters

    return letters.produce_letter(verbale, kind, batch_run_id=batch_run_id)
