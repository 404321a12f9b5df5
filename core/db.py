"""Database plumbing: one SQLAlchemy engine and scoped session per process, typed columns for
money and UTC instants, and the request-level unit of work.

Services flush but never commit. The request wrapper installed by :func:`init_app` commits once
at the end of a successful request and rolls back otherwise (Indico's pattern), so a multi-step
operation is atomic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, MetaData, Numeric, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CENT = Decimal("0.01")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Money(TypeDecorator):
    """Euro amounts as :class:`~decimal.Decimal` with two decimals.

    PostgreSQL stores ``NUMERIC(14, 2)``; SQLite, which has no exact decimal type, stores integer
    cents. Floats are refused on the way in.
    """

    impl = Numeric(14, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(14, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal, not float")
        value = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
        if dialect.name == "sqlite":
            return int(value * 100)
        return value

    def process_result_value(self, value: Any, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(CENT)
        return Decimal(value).quantize(CENT)


class UTCDateTime(TypeDecorator):
    """Timezone-aware instants, stored in UTC and returned as aware UTC datetimes.

    Naive datetimes are refused: every instant in the system carries its offset.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: instants must be timezone-aware")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


session = scoped_session(sessionmaker(expire_on_commit=False))
_engines: dict[str, Engine] = {}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create (or reuse) the engine for ``url``. SQLite gets foreign keys and WAL."""
    key = url
    if key in _engines:
        return _engines[key]
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # pysqlite's own transaction handling starts transactions late and breaks
            # SAVEPOINTs; let SQLAlchemy emit BEGIN itself (SQLAlchemy's documented recipe).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN")
    _engines[key] = engine
    return engine


def configure(url: str) -> Engine:
    engine = make_engine(url)
    session.remove()
    session.configure(bind=engine)
    return engine


def init_app(app) -> None:
    """Bind the session to the app's database and install the once-per-request commit.

    A response below 400 commits the request's work (a failing commit becomes a 500, so the
    user never sees success for work that was not stored); anything else rolls back.
    """
    configure(app.config["DATABASE_URL"])

    from core import jobs

    @app.after_request
    def _commit(response):
        if not session.registry.has():
            return response  # the request never used the database (e.g. a cached page)
        if response.status_code < 400:
            session.commit()
            jobs.run_ready()
        else:
            session.rollback()
        return response

    @app.teardown_appcontext
    def _cleanup(exc: BaseException | None) -> None:
        if exc is not None:
            session.rollback()
        session.remove()
