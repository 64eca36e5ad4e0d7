"""Lookup rows: the jobs "fetch this paper from arXiv", one per id however many readers ask.

Every change is one guarded statement, so web and worker processes race safely: a request is an
insert that does nothing when the id is already asked for; a claim is one UPDATE over the due
rows (SKIP LOCKED on PostgreSQL), whose attempt counter a killed worker cannot escape.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.store.db import session_scope
from coolpapers.app.store.models import PaperLookup, utcnow
from coolpapers.app.store.papers import insert_for


@dataclass(frozen=True)
class LookupRow:
    arxiv_id: str
    status: str  # pending | running | failed
    error: str | None
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class LookupClaim:
    token: str
    arxiv_ids: list[str]


def lookup_rows(session: Session, ids: list[str]) -> dict[str, LookupRow]:
    rows = session.execute(
        select(PaperLookup.arxiv_id, PaperLookup.status, PaperLookup.error, PaperLookup.finished_at).where(
            PaperLookup.arxiv_id.in_(ids)
        )
    ).all()
    return {r.arxiv_id: LookupRow(r.arxiv_id, r.status, r.error, r.finished_at) for r in rows}


def waiting_count(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(PaperLookup).where(PaperLookup.status != "failed"))
        or 0
    )


@dataclass(frozen=True)
class LookupCounts:
    waiting: int  # pending or running
    failed: int
    oldest_waiting_since: dt.datetime | None
    last_error: str | None


def lookup_counts(session: Session) -> LookupCounts:
    """For /status: a queue that only grows means no worker runs the lookups duty."""
    waiting = PaperLookup.status != "failed"
    n_waiting, oldest = session.execute(
        select(func.count(), func.min(PaperLookup.requested_at)).where(waiting)
    ).one()
    n_failed = session.scalar(select(func.count()).where(PaperLookup.status == "failed")) or 0
    error = session.scalar(
        select(PaperLookup.error).where(PaperLookup.status == "failed")
        .order_by(PaperLookup.finished_at.desc()).limit(1)
    )  # fmt: skip
    return LookupCounts(int(n_waiting or 0), int(n_failed), oldest, error)


def request_lookups(session: Session, ids: list[str], retry_failed_before: dt.datetime) -> None:
    """Ask for each id once: a new row, or a failed row old enough to be tried again."""
    if not ids:
        return
    now = utcnow()
    table = cast(Table, PaperLookup.__table__)
    rows = [{"arxiv_id": i, "status": "pending", "attempts": 0, "requested_at": now} for i in ids]
    stmt = insert_for(session, table).values(rows)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["arxiv_id"]))
    session.execute(
        update(PaperLookup)
        .where(
            PaperLookup.arxiv_id.in_(ids),
            PaperLookup.status == "failed",
            PaperLookup.finished_at < retry_failed_before,
        )
        .values(status="pending", attempts=0, error=None, finished_at=None, requested_at=now)
    )


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    due = PaperLookup.status == "pending"
    abandoned = and_(PaperLookup.status == "running", PaperLookup.lease_until < now)  # its worker died
    return or_(due, abandoned)


def claim_lookups(
    factory: sessionmaker[Session], worker_id: str, limit: int, lease: dt.timedelta, max_attempts: int
) -> LookupClaim | None:
    """Take up to `limit` due rows, oldest request first: each claim counts one attempt, and a row
    whose worker died `max_attempts` times ends failed instead of being taken again."""
    now = utcnow()
    token = f"{worker_id}:{uuid.uuid4().hex[:8]}"
    with session_scope(factory) as session:
        session.execute(
            update(PaperLookup)
            .where(PaperLookup.status == "running", PaperLookup.lease_until < now,
                   PaperLookup.attempts >= max_attempts)
            .values(status="failed", error=f"the worker fetching it stopped {max_attempts} times",
                    worker_id=None, lease_until=None, finished_at=now)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        # Two statements, not UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED):
        # PostgreSQL may evaluate such a subquery once per row and so take more than n.
        due = list(session.scalars(
            select(PaperLookup.arxiv_id)
            .where(_claimable(now))
            .order_by(PaperLookup.requested_at, PaperLookup.arxiv_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ))  # fmt: skip
        if not due:
            return None
        session.execute(  # still claimable: on SQLite another process may have taken some meanwhile
            update(PaperLookup)
            .where(PaperLookup.arxiv_id.in_(due), _claimable(now))
            .values(
                status="running", worker_id=token, attempts=PaperLookup.attempts + 1, lease_until=now + lease
            )
            .execution_options(synchronize_session=False)
        )
        ids = list(session.scalars(select(PaperLookup.arxiv_id).where(PaperLookup.worker_id == token)))
    return LookupClaim(token, sorted(ids)) if ids else None


def _owned(claim: LookupClaim, ids: list[str]) -> ColumnElement[bool]:
    return and_(
        PaperLookup.arxiv_id.in_(ids), PaperLookup.status == "running", PaperLookup.worker_id == claim.token
    )


def settle(session: Session, claim: LookupClaim, ids: list[str]) -> None:
    """These lookups are answered (stored, or known unknown): their rows go."""
    if ids:
        answered = delete(PaperLookup).where(_owned(claim, ids))
        session.execute(answered.execution_options(synchronize_session=False))


def lookups_failed(factory: sessionmaker[Session], claim: LookupClaim, error: str) -> None:
    """arXiv could not answer (after the client's own retries): readers are told, and a click
    after a while asks again (app.ingest.lookup_requests)."""
    with session_scope(factory) as session:
        session.execute(
            update(PaperLookup)
            .where(_owned(claim, claim.arxiv_ids))
            .values(status="failed", error=error, worker_id=None, lease_until=None, finished_at=utcnow())
            .execution_options(synchronize_session=False)
        )
