"""Test fixtures: real databases (SQLite by default, PostgreSQL when ``TEST_DATABASE_URL`` is
set), schema built by the Alembic migrations once per run, each test inside a transaction that
is rolled back (``join_transaction_mode="create_savepoint"``), both apps, and no outbound
network."""

from __future__ import annotations

import os
import socket

import pytest
from sqlalchemy import inspect, text

from core import db, pagecache
from core.factory import create_app
from core.migrate import upgrade

os.environ.setdefault("APP_ENV", "test")


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _reset_schema(engine) -> None:
    """Start from an empty database so the migrations, not create_all, build the schema."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            for table in inspect(conn).get_table_names():
                conn.execute(text(f'DROP TABLE IF EXISTS "{table}"'))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def engine(database_url):
    engine = db.make_engine(database_url)
    _reset_schema(engine)
    upgrade(engine)
    yield engine
    engine.dispose()


def _overrides(database_url: str, tmp_path_factory) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        "STORAGE_DIR": str(tmp_path_factory.mktemp("storage")),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # With Redis, after-commit jobs go through RQ for real, executed synchronously.
        "RQ_ASYNC": False,
        # The page cache is on in the tests, so every test that writes and then reads a page
        # also checks the invalidation: Redis when set, else the single-process store.
        "PAGE_CACHE": "auto" if os.environ.get("REDIS_URL") else "memory",
    }


@pytest.fixture(scope="session")
def portal_app(engine, database_url, tmp_path_factory):
    return create_app("portal", _overrides(database_url, tmp_path_factory))


@pytest.fixture(scope="session")
def cc_app(engine, database_url, tmp_path_factory):
    return create_app("contact_center", _overrides(database_url, tmp_path_factory))


@pytest.fixture(autouse=True)
def _transaction(request):
    """Each test that uses the database runs in a transaction rolled back at the end; commits
    become savepoints. Pure tests never connect."""
    wants_db = ("engine", "db_session", "portal_app", "cc_app", "portal", "cc")
    if not any(name in request.fixturenames for name in wants_db):
        yield None
        return
    engine = request.getfixturevalue("engine")
    connection = engine.connect()
    transaction = connection.begin()
    db.session.remove()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    yield db.session
    db.session.remove()
    transaction.rollback()
    connection.close()
    db.session.configure(bind=engine, join_transaction_mode="conditional_savepoint")


def _reset_limits(app) -> None:
    """Rate-limit counters and cached pages are per test: every test starts with a fresh
    budget and no page rendered by an earlier test (rolled-back ids are reused)."""
    with app.app_context():
        app.extensions["app_limiter"].reset()
    pagecache.clear_all()


@pytest.fixture()
def db_session(_transaction):
    return _transaction


@pytest.fixture()
def portal(portal_app, db_session):
    _reset_limits(portal_app)
    return portal_app.test_client()


@pytest.fixture()
def cc(cc_app, db_session):
    _reset_limits(cc_app)
    return cc_app.test_client()


@pytest.fixture(autouse=True)
def _no_outbound_network(monkeypatch, request):
    """Only loopback connections: stand-ins run on 127.0.0.1, nothing reaches the internet."""
    real_connect = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
        ):
            raise RuntimeError(f"outbound network blocked in tests: {address!r}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session", autouse=True)
def _prepare_run():
    """Compiled catalogues for translated pages; a clean Redis test database when used."""
    from core.i18n_tools import compile_all

    compile_all()
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()


class _Inbox:
    """Messages received by the local SMTP server."""

    def __init__(self):
        import threading

        self.messages = []
        self._cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler
        from email import message_from_bytes, policy

        with self._cond:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self._cond.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10):
        with self._cond:
            self._cond.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
            assert len(self.messages) >= count, f"expected {count} messages, got {len(self.messages)}"
            return list(self.messages)


@pytest.fixture()
def smtp_server(portal_app, cc_app):
    """A real SMTP server (aiosmtpd) on a free loopback port; both apps send to it."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = [(app, app.config["MAIL_SERVER"], app.config["MAIL_PORT"]) for app in (portal_app, cc_app)]
    for app in (portal_app, cc_app):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    controller.stop()
    for app, server, old_port in saved:
        app.config.update(MAIL_SERVER=server, MAIL_PORT=old_port)
