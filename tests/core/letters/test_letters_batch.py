"""Letter runs: streamed in chunks, idempotent (a second run adds nothing) and resumable (a
worker killed midway resumes without duplicating a letter); the CLI with its progress bar."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import db
from core.letters import batch, service
from core.models import BatchRun, BatchStatus, Letter, LetterKind
from tests import factories
from tests.core.letters.letters_support import assessed, italian, new_ente, today


def _letters(ente, kind="invito_bonario") -> list[Letter]:
    return list(db.session.scalars(select(Letter).where(Letter.ente_id == ente.id,
                                                        Letter.kind == kind)))


def _foreign_verbali(ente, n: int):
    return [assessed(ente, factories.foreign_person(ente)) for _ in range(n)]


def test_run_produces_one_letter_per_eligible_verbale_and_a_second_run_adds_nothing(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        verbali = _foreign_verbali(ente, 3)
        assessed(ente, italian(ente))  # Italian resident: no invito by default
        run = batch.start(ente, "invito_bonario", today=today())
        db.session.commit()
        assert run.total == 3
        run = batch.run(run.id)
        assert run.status == BatchStatus.DONE and run.done == 3 and run.failed == 0
        letters = _letters(ente)
        assert sorted(x.verbale_id for x in letters) == sorted(v.id for v in verbali)
        assert all(x.batch_run_id == run.id for x in letters)
        again = batch.start(ente, "invito_bonario", today=today())
        db.session.commit()
        assert again.total == 0
        assert batch.run(again.id).done == 0
        assert len(_letters(ente)) == 3


def test_limit(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        _foreign_verbali(ente, 4)
        run = batch.start(ente, "invito_bonario", today=today(), limit=2)
        db.session.commit()
        assert run.total == 2
        assert batch.run(run.id).done == 2
        assert len(_letters(ente)) == 2


class Killed(BaseException):
    """A worker dying midway (not an ordinary error: nothing catches it)."""


def test_a_killed_run_resumes_without_duplicating_letters(portal_app, db_session, monkeypatch):
    with portal_app.app_context():
        ente = new_ente()
        verbali = _foreign_verbali(ente, 5)
        monkeypatch.setattr(batch, "CHUNK", 2)
        run = batch.start(ente, "invito_bonario", today=today())
        db.session.commit()
        real = service.produce
        calls = {"n": 0}

        def dying(verbale, kind, **kw):
            calls["n"] += 1
            if calls["n"] == 4:  # second item of the second chunk: the first is not committed
                raise Killed()
            return real(verbale, kind, **kw)

        monkeypatch.setattr(batch, "produce", dying)
        with pytest.raises(Killed):
            batch.run(run.id)
        db.session.rollback()  # the dead worker's open transaction is lost
        run = db.session.get(BatchRun, run.id)
        assert run.status == BatchStatus.RUNNING and run.done == 2
        assert len(_letters(ente)) == 2
        monkeypatch.setattr(batch, "produce", real)
        run = batch.run(run.id)
        assert run.status == BatchStatus.DONE and run.done == 5
        letters = _letters(ente)
        assert sorted(x.verbale_id for x in letters) == sorted(v.id for v in verbali)
        counts = db.session.execute(select(Letter.verbale_id, func.count()).where(
            Letter.ente_id == ente.id).group_by(Letter.verbale_id)).all()
        assert all(count == 1 for _id, count in counts)


def test_one_failing_letter_does_not_stop_the_run(portal_app, db_session, monkeypatch):
    with portal_app.app_context():
        ente = new_ente()
        verbali = _foreign_verbali(ente, 3)
        real = service.produce

        def flaky(verbale, kind, **kw):
            if verbale.id == verbali[1].id:
                raise RuntimeError("printer font missing")
            return real(verbale, kind, **kw)

        monkeypatch.setattr(batch, "produce", flaky)
        run = batch.start(ente, "invito_bonario", today=today())
        db.session.commit()
        run = batch.run(run.id)
        assert (run.done, run.failed) == (2, 1)
        assert "printer font missing" in run.result["errors"][0]


def test_cli_generate_with_progress_bar(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        _foreign_verbali(ente, 2)
        result = portal_app.test_cli_runner().invoke(
            args=["letters", "generate", "--ente", ente.code, "--kind", "invito_bonario"])
        assert result.exit_code == 0, result.output + result.stderr
        assert "2 done, 0 failed" in result.stdout
        assert "invito_bonario" in result.stderr  # the progress bar's label
        assert len(_letters(ente)) == 2


def test_cli_rejects_unknown_ente_and_kind(portal_app, db_session):
    runner = portal_app.test_cli_runner()
    result = runner.invoke(args=["letters", "generate", "--ente", "NOPE", "--kind", "verbale"])
    assert result.exit_code == 2 and "unknown Ente" in result.stderr
    result = runner.invoke(args=["letters", "generate", "--ente", "NOPE", "--kind", "other"])
    assert result.exit_code == 2


def test_formal_run_after_the_invito_offer_expired(portal_app, db_session):
    with portal_app.app_context():
        from datetime import timedelta

        ente = new_ente()
        verbale = assessed(ente, factories.foreign_person(ente), assessed_on=today() - timedelta(days=60))
        service.produce(verbale, "invito_bonario", today=today() - timedelta(days=40))
        db.session.commit()
        assert verbale.notification_channel == "friendly_letter"
        run = batch.start(ente, "verbale", today=today())
        db.session.commit()
        run = batch.run(run.id)
        assert run.done == 1
        letter = _letters(ente, "verbale")[0]
        assert letter.language == "de" and letter.details["languages"] == ["it", "de"]
        # the offer is over: day 0 will be the perfection of the formal notification
        assert verbale.notified_on is None and verbale.notification_channel is None
        assert {str(c.channel) for c in verbale.costs} == {"international_mail"}
        assert letter.kind == LetterKind.VERBALE
