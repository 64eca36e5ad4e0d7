"""Fetch state of the RSS feeds we follow. The rows are the scheduler's only memory.

A worker leases a due row before fetching it, so two worker processes never fetch the
same feed in one tick: PostgreSQL hands rows out with SELECT … FOR UPDATE SKIP LOCKED,
SQLite (one writer at a time) with a conditional UPDATE that only one caller can win.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, or_, select, update
from sqlalchemy.orm import Session

from coolpapers.app.store.models import Announcement, ArxivFeed, Paper
from coolpapers.app.store.papers import insert_for


@dataclass(frozen=True)
class Claim:
    """A leased feed row, as the fetcher needs it."""

    id: int
    query: str
    etag: str | None
    last_modified: str | None
    last_announced_date: dt.date | None
    last_outcome: str | None
    error_count: int


def ensure_feeds(session: Session, queries: Iterable[str]) -> None:
    """Create rows for feeds not seen before; a new row is due at once (first start fetches now)."""
    rows = [{"query": q, "error_count": 0} for q in dict.fromkeys(queries)]
    if rows:
        table = cast(Table, ArxivFeed.__table__)
        stmt = insert_for(session, table).on_conflict_do_nothing(index_elements=["query"])
        session.execute(stmt, rows)


def outcomes(session: Session, queries: Iterable[str]) -> dict[str, str | None]:
    rows = session.execute(
        select(ArxivFeed.query, ArxivFeed.last_outcome).where(ArxivFeed.query.in_(list(queries)))
    )
    return {q: o for q, o in rows}


def claim_due(
    session: Session, queries: list[str], owner: str, now: dt.datetime, lease: dt.timedelta, *, force: bool
) -> list[Claim]:
    """Lease the rows among `queries` that are due (or all of them with `force`) and not leased."""
    free = or_(ArxivFeed.lease_until.is_(None), ArxivFeed.lease_until < now)
    due = or_(ArxivFeed.next_check_at.is_(None), ArxivFeed.next_check_at <= now)
    condition = and_(ArxivFeed.query.in_(queries), free, *(() if force else (due,)))
    if session.get_bind().dialect.name == "postgresql":
        ids = list(
            session.scalars(
                select(ArxivFeed.id).where(condition).order_by(ArxivFeed.id).with_for_update(skip_locked=True)
            )
        )
        if ids:
            session.execute(
                update(ArxivFeed)
                .where(ArxivFeed.id.in_(ids))
                .values(lease_owner=owner, lease_until=now + lease)
            )
    else:
        ids = []
        for feed_id in session.scalars(select(ArxivFeed.id).where(condition).order_by(ArxivFeed.id)):
            won = session.execute(
                update(ArxivFeed)
                .where(ArxivFeed.id == feed_id, condition)
                .values(lease_owner=owner, lease_until=now + lease)
            )
            if won.rowcount == 1:  # type: ignore[attr-defined]
                ids.append(feed_id)
    rows = session.scalars(select(ArxivFeed).where(ArxivFeed.id.in_(ids)).order_by(ArxivFeed.id)).all()
    return [
        Claim(r.id, r.query, r.etag, r.last_modified, r.last_announced_date, r.last_outcome, r.error_count)
        for r in rows
    ]


def finish(session: Session, claim: Claim, owner: str, **values: Any) -> None:
    """Record a check's result and release the lease (only if we still hold it)."""
    session.execute(
        update(ArxivFeed)
        .where(ArxivFeed.id == claim.id, ArxivFeed.lease_owner == owner)
        .values(lease_owner=None, lease_until=None, **values)
    )


def record_failure(
    session: Session,
    claim: Claim,
    owner: str,
    *,
    error: str,
    url: str,
    now: dt.datetime,
    next_check: dt.datetime,
) -> None:
    finish(
        session, claim, owner, error_count=claim.error_count + 1, last_error=error[:2000],
        last_error_url=url, last_error_at=now, next_check_at=next_check, last_outcome="error",
    )  # fmt: skip


def all_feeds(session: Session) -> list[ArxivFeed]:
    return list(session.scalars(select(ArxivFeed).order_by(ArxivFeed.query)))


def earliest_next_check(session: Session, queries: list[str]) -> dt.datetime | None:
    return session.scalar(
        select(ArxivFeed.next_check_at)
        .where(ArxivFeed.query.in_(queries), ArxivFeed.next_check_at.is_not(None))
        .order_by(ArxivFeed.next_check_at)
        .limit(1)
    )


def all_listed_before(session: Session, day: dt.date, pairs: list[tuple[str, str]]) -> bool:
    """True when every (arxiv_id, category) already sits in that category's listing on an earlier day.

    A feed whose new and cross-listed papers were all announced before is yesterday's
    batch under a new date (a stale feed), not a new day.
    """
    if not pairs:
        return False
    wanted = set(pairs)
    found: set[tuple[str, str]] = set()
    ids = sorted({a for a, _ in pairs})
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Paper.arxiv_id, Announcement.category)
            .join(Announcement, Announcement.paper_id == Paper.id)
            .where(Paper.arxiv_id.in_(ids[start : start + 500]), Announcement.date < day)
        )
        found.update((a, c) for a, c in rows)
    return wanted <= found
