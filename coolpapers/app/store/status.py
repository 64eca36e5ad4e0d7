"""Read-only counts behind `/status`: FAQ rows by state, stalled and failed rows, and how many
papers changed after the search index's watermark."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coolpapers.app.store.db import db_now
from coolpapers.app.store.faqs import stale_running
from coolpapers.app.store.models import FAQ_STATUSES, Faq, Paper


@dataclass(frozen=True)
class FaqRowInfo:
    """One FAQ row as the status page names it: whose paper, which language, what happened when."""

    arxiv_id: str
    language: str
    at: dt.datetime | None
    error: str | None = None
    worker_id: str | None = None


def faq_counts(session: Session) -> dict[str, int]:
    """Rows per status, every status present (zero when none)."""
    counts = dict.fromkeys(FAQ_STATUSES, 0)
    for status, count in session.execute(select(Faq.status, func.count()).group_by(Faq.status)):
        counts[status] = int(count)
    return counts


def _cutoff(session: Session, window: dt.timedelta) -> dt.datetime:
    """The sweep's test, on the database's clock (as heartbeats are written), so a web host whose
    clock runs ahead does not call live generations stalled."""
    return db_now(session) - window


def stalled_count(session: Session, window: dt.timedelta) -> int:
    """Running rows without a heartbeat for `window`: their worker most likely died."""
    stale = stale_running(_cutoff(session, window))
    return int(session.scalar(select(func.count()).select_from(Faq).where(stale)) or 0)


def stalled_faqs(session: Session, window: dt.timedelta, limit: int) -> list[FaqRowInfo]:
    rows = session.execute(
        select(Paper.arxiv_id, Faq.language, Faq.heartbeat_at, Faq.worker_id)
        .join(Paper, Paper.id == Faq.paper_id)
        .where(stale_running(_cutoff(session, window)))
        .order_by(Faq.heartbeat_at.asc(), Faq.id)
        .limit(limit)
    )
    return [FaqRowInfo(r.arxiv_id, r.language, r.heartbeat_at, worker_id=r.worker_id) for r in rows]


def recent_failures(session: Session, limit: int) -> list[FaqRowInfo]:
    """The latest failed rows, newest first, with their error."""
    when = func.coalesce(Faq.finished_at, Faq.updated_at)
    rows = session.execute(
        select(Paper.arxiv_id, Faq.language, when.label("at"), Faq.error)
        .join(Paper, Paper.id == Faq.paper_id)
        .where(Faq.status == "failed")
        .order_by(when.desc(), Faq.id.desc())
        .limit(limit)
    )
    return [FaqRowInfo(r.arxiv_id, r.language, r.at, error=r.error) for r in rows]


def papers_changed_after(session: Session, watermark: dt.datetime | None) -> int:
    """Papers the search indexer has not reached yet (all of them before its first pass)."""
    query = select(func.count()).select_from(Paper)
    if watermark is not None:
        query = query.where(Paper.changed_at > watermark)
    return int(session.scalar(query) or 0)
