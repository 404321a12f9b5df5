"""``flask demo load`` end to end on its own SQLite file: the command commits, so it runs on a
scratch database rather than inside the test transaction."""

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import db
from core.demo import states
from core.demo.data import DEMO_SIGN_INS
from core.demo.plan import rome_today
from core.factory import create_app
from core.models import AccessCredential, Payment, Person, Verbale, VerbaleViolation


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_load_with_bulk_verbali(engine, tmp_path):
    app = create_app("portal", {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "STORAGE_DIR": str(tmp_path / "storage"),
    })
    runner = app.test_cli_runner()

    first = runner.invoke(args=["demo", "load", "--verbali", "2000", "--batch-size", "700"])
    assert first.exit_code == 0, first.output
    assert "Demo loaded" in first.output and "Added 2,000 verbali" in first.output

    scratch = db.make_engine(app.config["DATABASE_URL"])
    with Session(scratch) as session:
        base = _count(session, Verbale, Verbale.number.not_like("%/B/%"))
        bulk = _count(session, Verbale, Verbale.number.like("%/B/%"))
        assert base >= 300 and bulk == 2000
        bulk_people = _count(session, Person, Person.id.in_(
            select(Verbale.offender_id).where(Verbale.number.like("%/B/%"))))
        assert bulk_people > 1500
        # every bulk verbale has its violations, a sample of people their access codes
        orphans = _count(session, Verbale, Verbale.number.like("%/B/%"),
                         ~Verbale.id.in_(select(VerbaleViolation.verbale_id)))
        assert orphans == 0
        assert _count(session, AccessCredential,
                      AccessCredential.username.like("BULK-%")) >= 1
        today = rome_today()
        paid: Counter = Counter()
        for verbale_id, amount in session.execute(select(Payment.verbale_id, Payment.amount)):
            paid[verbale_id] += amount
        found = {states.demo_state(v.status, v.notified_on, today, paid.get(v.id, Decimal(0)))
                 for v in session.scalars(select(Verbale).where(Verbale.number.like("%/B/%")))}
        assert found >= set(states.STATES) - {states.JUST_NOTIFIED}
        before = _count(session, Verbale)

    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "already loaded" in again.output
    more = runner.invoke(args=["demo", "load", "--verbali", "300"])
    assert more.exit_code == 0, more.output
    with Session(scratch) as session:
        assert _count(session, Verbale) == before + 300
        numbers = session.scalars(select(Verbale.number).where(
            Verbale.number.like("RHO/B/%")).order_by(Verbale.number)).all()
        assert len(numbers) == len(set(numbers))

    listing = runner.invoke(args=["demo", "sign-ins"])
    assert all(s.username in listing.output for s in DEMO_SIGN_INS)
    staff = next(s for s in DEMO_SIGN_INS if s.totp_secret)
    code = runner.invoke(args=["demo", "totp", staff.username])
    assert code.exit_code == 0 and code.output.strip().isdigit()
    assert runner.invoke(args=["demo", "totp", "nobody@example.org"]).exit_code != 0
    scratch.dispose()
