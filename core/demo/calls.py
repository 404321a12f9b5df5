"""Demo phone calls: a few hundred past calls per Ente over the last weeks, across the IVR
queues, the five languages and every outcome, with their event log, so the dashboard's phone
line figures (service level, average speed of answer, abandonment) show real numbers.

Deterministic (seeded) and idempotent: an Ente that already has calls is left alone. Calls in
office hours (the Ente's calendar, as the IVR uses it) go through the menus to a queue or to
self-service; the others hear the closed message and some leave a voicemail.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core import db
from core.fines.calendar import is_open
from core.ivr.metrics import QUEUES
from core.models import Call, CallEvent, CallOutcome, Ente
from core.positions import ente_settings

ROME = ZoneInfo("Europe/Rome")
DAYS = 45
LANGUAGE_WEIGHTS = {"it": 55, "en": 14, "de": 12, "fr": 10, "es": 9}
QUEUE_WEIGHTS = dict(zip(QUEUES, (40, 20, 15, 25), strict=True))  # payments, appeals, …
PREFIXES = {"it": "+393", "en": "+447", "de": "+4915", "fr": "+336", "es": "+346"}
#: Mean seconds in queue per queue (payments is the busiest).
MEAN_WAIT = {"payments": 18, "general": 12, "appeals": 20, "driver_data": 10}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _instant(rng: random.Random, now: datetime, in_hours: bool) -> datetime:
    """A past instant: a weekday office-hours time, or an evening / weekend one."""
    for _ in range(50):
        day = (now.astimezone(ROME) - timedelta(days=rng.randrange(0, DAYS))).date()
        if in_hours:
            if day.weekday() >= 5:
                continue
            hour = rng.choice((9, 10, 11, 12, 15, 16, 17, 18))
        else:
            hour = rng.choice((7, 8, 19, 20)) if day.weekday() < 5 else rng.randrange(8, 20)
        at = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), ROME)
        if at.astimezone(UTC) < now - timedelta(minutes=30):
            return at.astimezone(UTC)
    return now - timedelta(days=1)


class _Builder:
    def __init__(self, ente: Ente, rng: random.Random):
        self.ente, self.rng = ente, rng
        self.calendar = ente_settings(ente).calendar

    def call(self, started: datetime) -> Call:
        rng = self.rng
        language = _pick(rng, LANGUAGE_WEIGHTS)
        number = PREFIXES[language] + "".join(str(rng.randrange(10)) for _ in range(8))
        call = Call(call_sid=f"CA{rng.getrandbits(128):032x}", ente_id=self.ente.id,
                    from_number=number, language=language, started_at=started,
                    self_served=False)
        events = [("started", started, {})]
        menus = started + timedelta(seconds=rng.randrange(25, 90))
        if not is_open(started, self.calendar):
            events.append(("out_of_hours", menus, {}))
            if rng.random() < 0.4:
                call.outcome = CallOutcome.VOICEMAIL
                events.append(("voicemail", menus + timedelta(seconds=40), {}))
                end = menus + timedelta(seconds=rng.randrange(50, 130))
            else:
                call.outcome = CallOutcome.OUT_OF_HOURS
                end = menus + timedelta(seconds=rng.randrange(5, 30))
        else:
            end = self._open_hours(call, menus, events)
        call.ended_at = end
        call.duration_seconds = round((end - started).total_seconds())
        events.append(("status.completed", end, {"duration": call.duration_seconds}))
        call.events = [CallEvent(kind=kind, at=at, data=data) for kind, at, data in events]
        return call

    def _open_hours(self, call: Call, menus: datetime, events: list) -> datetime:
        rng = self.rng
        path = rng.random()
        if path < 0.04:
            call.language = None if rng.random() < 0.5 else call.language
            call.outcome = CallOutcome.MENU
            return menus
        if path < 0.20:
            call.outcome, call.self_served = CallOutcome.SELF_SERVICE, True
            events.append(("self_service", menus + timedelta(seconds=40), {}))
            return menus + timedelta(seconds=rng.randrange(60, 150))
        queue = _pick(rng, QUEUE_WEIGHTS)
        call.queue, call.enqueued_at = queue, menus
        events.append(("queue.enter", menus, {"queue": queue}))
        fate = rng.random()
        if fate < 0.80:
            wait = min(int(rng.expovariate(1 / MEAN_WAIT[queue])), 600)
            result, call.outcome = "bridged", CallOutcome.ANSWERED
            call.answered_at = menus + timedelta(seconds=wait)
            end = call.answered_at + timedelta(seconds=rng.randrange(60, 600))
        elif fate < 0.94:
            wait = rng.randrange(4, 240)
            result, call.outcome = "hangup", CallOutcome.ABANDONED
            end = menus + timedelta(seconds=wait)
        elif fate < 0.98:
            wait = rng.randrange(120, 400)
            result, call.outcome = "hangup", CallOutcome.CALLBACK
            events.append(("callback", menus + timedelta(seconds=wait), {"queue": queue}))
            end = menus + timedelta(seconds=wait + 8)
        else:
            wait = rng.randrange(1, 10)
            result, call.outcome = "error", CallOutcome.FAILED
            end = menus + timedelta(seconds=wait + 30)
        call.wait_seconds = wait
        call.dequeued_at = menus + timedelta(seconds=wait)
        call.last_in_queue_at = call.dequeued_at
        call.queue_result = result
        events.append(("queue.leave", end, {"result": result, "queue_time": wait}))
        return end


def load_demo_calls(now: datetime | None = None, per_ente: int = 320) -> int:
    """Past calls for every Ente without any (flushed, not committed). Returns how many."""
    rng = random.Random(20261124)
    now = now or datetime.now(UTC)
    count = 0
    for ente in db.session.scalars(select(Ente).order_by(Ente.id)):
        if db.session.scalar(select(Call.id).where(Call.ente_id == ente.id).limit(1)):
            continue
        builder = _Builder(ente, rng)
        for index in range(per_ente):
            started = _instant(rng, now, in_hours=index % 7 != 0)
            db.session.add(builder.call(started))
            count += 1
    db.session.flush()
    return count
