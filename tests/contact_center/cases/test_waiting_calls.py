"""The console's "Calls waiting" panel: counts per queue and language of the calls queued now,
only the agent's Enti, and a query count that does not grow with the calls."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event

from core.db import utcnow
from core.models import StaffRole
from tests import factories


def _setup(cc, cc_app):
    ente = factories.ente()
    staff = factories.staff(StaffRole.AGENT, [ente], enrolled=True)
    factories.sign_in_staff(cc, cc_app, staff)
    return ente


def _panel(html: str) -> str:
    start = html.index('id="waiting-calls"')
    return html[start:html.index("</section>", start)]


def _rows(panel: str) -> list[tuple[str, str, str]]:
    return [tuple(re.sub(r"<[^>]+>", "", c).strip() for c in cells) for cells in re.findall(
        r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>\s*<td class="text-end">(.*?)</td>', panel,
        re.S)]


def _queued(ente, queue, language, seconds_ago=30):
    now = utcnow()
    return factories.phone_call(ente, now - timedelta(seconds=seconds_ago), queue=queue,
                                language=language, waiting=True,
                                last_in_queue_at=now - timedelta(seconds=5))


def test_panel_counts_calls_waiting_per_queue_and_language(cc, cc_app):
    ente = _setup(cc, cc_app)
    other = factories.ente()
    _queued(ente, "payments", "it", 95)
    _queued(ente, "payments", "it")
    _queued(ente, "payments", "de")
    _queued(ente, "appeals", "en")
    factories.phone_call(ente, utcnow() - timedelta(seconds=60), queue="general",
                         outcome="answered", wait=10)  # already answered
    for _ in range(4):
        _queued(other, "general", "fr")  # another Ente's
    html = cc.get("/cases/?lang=en").get_data(as_text=True)
    panel = _panel(html)
    assert "Calls waiting" in panel and "4 calls waiting for an operator" in panel
    assert _rows(panel) == [("Payments and amounts", "Italiano", "2"),
                            ("Payments and amounts", "Deutsch", "1"),
                            ("Appeals", "English", "1")]
    assert "Other questions" not in panel and "Français" not in panel


def test_panel_without_waiting_calls(cc, cc_app):
    ente = _setup(cc, cc_app)
    factories.phone_call(ente, utcnow() - timedelta(minutes=10), queue="payments",
                         outcome="abandoned", wait=40)
    panel = _panel(cc.get("/cases/?lang=en").get_data(as_text=True))
    assert "No calls are waiting for an operator." in panel


def test_console_query_count_does_not_grow_with_waiting_calls(cc, cc_app, engine):
    ente = _setup(cc, cc_app)
    _queued(ente, "payments", "it")

    def count_queries() -> int:
        statements = []

        def listener(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert cc.get("/cases/?lang=en").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    count_queries()  # warm-up: caches filled by the first request
    few = count_queries()
    for queue in ("payments", "appeals", "driver_data", "general"):
        for language in ("it", "en", "fr", "de", "es"):
            _queued(ente, queue, language)
    many = count_queries()
    assert many == few
    html = cc.get("/cases/?lang=en").get_data(as_text=True)
    assert "21 calls waiting" in _panel(html)
