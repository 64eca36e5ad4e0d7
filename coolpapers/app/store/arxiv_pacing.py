"""The instance-wide arXiv budget: which slot book every process of this instance shares.

With Redis, the slot lives there (`app.arxiv.pacing_redis`). Without it (embedded mode) other
processes may still run beside `serve --with-worker` — `coolpapers fetch`, `import`, `faq` —
and the one thing they all share is the database, so the slot is the single `arxiv_pacing`
row, changed only by conditional UPDATEs that read the database's own clock. The arithmetic
is `app.arxiv.pacing.wait_for_turn` / `next_after_release`, said in SQL.
"""

from __future__ import annotations

from redis import Redis
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.pacing import MIN_POLL_S, LocalPacer, Pacer, SharedPacer, wait_for_turn
from coolpapers.app.arxiv.pacing_redis import RedisSlotBook
from coolpapers.app.settings import Settings
from coolpapers.app.store.db import DB_EPOCH_NOW

ROW_ID = 1


class DbSlotBook:
    """A `pacing.SlotBook` for every process that opens this database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        now = DB_EPOCH_NOW[engine.dialect.name]
        self._take = text(
            f"UPDATE arxiv_pacing SET holder = :token, held_until = {now} + :hold "
            f"WHERE id = {ROW_ID} AND next_at <= {now} "
            f"AND (holder IS NULL OR holder = :token OR held_until IS NULL OR held_until <= {now})"
        )
        self._state = text(f"SELECT {now}, next_at, holder, held_until FROM arxiv_pacing WHERE id = {ROW_ID}")
        self._renew = text(
            f"UPDATE arxiv_pacing SET held_until = {now} + :hold WHERE id = {ROW_ID} AND holder = :token"
        )
        later = f"CASE WHEN next_at > {now} + :interval THEN next_at ELSE {now} + :interval END"
        self._give_back = text(
            f"UPDATE arxiv_pacing SET next_at = {later}, "
            "holder = CASE WHEN holder = :token THEN NULL ELSE holder END, "
            "held_until = CASE WHEN holder = :token THEN NULL ELSE held_until END "
            f"WHERE id = {ROW_ID}"
        )

    def try_take(self, token: str, interval_s: float, hold_s: float) -> float:
        with self.engine.begin() as conn:
            if conn.execute(self._take, {"token": token, "hold": hold_s}).rowcount == 1:
                return 0.0
            row = conn.execute(self._state).one_or_none()
            if row is None:  # a database whose migration row was removed: put it back
                self._insert_row(conn)
                return MIN_POLL_S
        now, next_at, holder, held_until = row
        return max(MIN_POLL_S, wait_for_turn(now, next_at, held_until if holder else None, interval_s))

    def renew(self, token: str, hold_s: float) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(self._renew, {"token": token, "hold": hold_s}).rowcount == 1

    def give_back(self, token: str, interval_s: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(self._give_back, {"token": token, "interval": interval_s})

    @staticmethod
    def _insert_row(conn: Connection) -> None:
        conn.execute(
            text(f"INSERT INTO arxiv_pacing (id, next_at) SELECT {ROW_ID}, 0 WHERE NOT EXISTS "
                 f"(SELECT 1 FROM arxiv_pacing WHERE id = {ROW_ID})")
        )  # fmt: skip


def instance_pacer(settings: Settings, bind: Engine | sessionmaker[Session]) -> Pacer:
    """The pacer every process of this instance shares: Redis when configured, else the
    database (`bind`: its engine, or a session factory bound to it). Without an interval there
    is nothing to coordinate; a database only this process can open (SQLite in memory) needs no
    more than in-process spacing."""
    engine: Engine = bind if isinstance(bind, Engine) else bind.kw["bind"]
    interval = settings.arxiv_min_interval_s
    if interval <= 0 or _private_database(engine):
        return LocalPacer(interval)
    if settings.redis_url:
        redis = Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
        return SharedPacer(RedisSlotBook(redis, settings.redis_prefix, MIN_POLL_S), interval)
    return SharedPacer(DbSlotBook(engine), interval)


def _private_database(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")
