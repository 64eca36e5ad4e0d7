"""Engine and session factory for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import redis.exceptions
import sqlalchemy.exc
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_random_exponential

T = TypeVar("T")

# What an unreachable, restarting or locked database or Redis raises: worth a retry, by a duty or
# a heartbeat. SQLAlchemy wraps the driver's errors; psycopg's own come from COPY (store/bulk.py),
# redis-py's are its own.
TRANSIENT: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    psycopg.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
)


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message is one line with the password masked."""


def masked_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


DEFAULT_SQLITE_WAIT_S = 10.0
SQLITE_BUSY, SQLITE_LOCKED = 5, 6  # primary result codes; extended codes keep them in the low byte
PG_LOCK_NOT_AVAILABLE = "55P03"


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def apply(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        # WAL lets the in-process worker write while pages read; busy_timeout turns
        # lock contention into a wait instead of "database is locked".
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return apply


def make_engine(url: str, *, pool_size: int = 10, lock_timeout_s: float | None = None) -> Engine:
    """`lock_timeout_s`: how long a statement waits for another connection's lock before failing
    (see `is_lock_timeout`). Default: 10 s on SQLite, no limit on PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db_path = parsed.database
        if db_path and db_path != ":memory:":
            Path(db_path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        wait_s = DEFAULT_SQLITE_WAIT_S if lock_timeout_s is None else lock_timeout_s
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": wait_s})
        event.listen(engine, "connect", _sqlite_pragmas(int(wait_s * 1000)))
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": 5}
    if lock_timeout_s is not None:
        connect_args["options"] = f"-c lock_timeout={int(lock_timeout_s * 1000)}"
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, connect_args=connect_args
    )


def is_lock_timeout(exc: BaseException) -> bool:
    """The database error says another connection held a lock for longer than we would wait."""
    orig = getattr(exc, "orig", exc)
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return getattr(orig, "sqlstate", None) == PG_LOCK_NOT_AVAILABLE


# Seconds since the epoch on the database's clock, as a double. clock_timestamp(), not now():
# now() stands still for the whole transaction.
DB_EPOCH_NOW = {
    "postgresql": "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}


def db_now(session: Session) -> dt.datetime:
    """The database's clock, aware UTC. Leases that several hosts judge (heartbeats, stale
    cutoffs, retry times) are all reckoned on it: a host whose own clock ran ahead would
    otherwise see a healthy worker's fresh heartbeat as old."""
    seconds = session.scalar(text(f"SELECT {DB_EPOCH_NOW[session.get_bind().dialect.name]}"))
    return dt.datetime.fromtimestamp(float(seconds), dt.UTC)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def check_database(engine: Engine) -> None:
    """Raise DatabaseUnavailable with a one-line reason if the database cannot answer."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(
            f"cannot connect to database {masked_url(str(engine.url.render_as_string(False)))}: "
            f"{error_line(exc)}"
        ) from None


def patiently(call: Callable[[], T], within_s: float) -> T:
    """`call()`, tried again while the database is locked or away (TRANSIENT), for up to
    `within_s`: for writes whose work is already done and paid for — a finished FAQ, its token
    count — which a long import's lock on SQLite or a PostgreSQL restart must not throw away."""
    retrying = Retrying(
        retry=retry_if_exception_type(TRANSIENT), wait=wait_random_exponential(multiplier=0.2, max=3),
        stop=stop_after_delay(within_s), reraise=True,
    )  # fmt: skip
    return retrying(call)


def error_line(exc: BaseException) -> str:
    """The driver's own message, first line only (without the SQL and parameters)."""
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()
    return reason[0] if reason else type(exc).__name__
