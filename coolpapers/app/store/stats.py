"""Read-side counts for the home page and status views."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coolpapers.app.store.models import Announcement, Base, Paper


def latest_announcement_date(session: Session) -> dt.date | None:
    return session.scalar(select(func.max(Announcement.date)))


def category_counts(session: Session, day: dt.date) -> dict[str, int]:
    """Papers per category in one day's listing (new submissions and cross-lists)."""
    rows = session.execute(
        select(Announcement.category, func.count())
        .where(Announcement.date == day, Announcement.type.in_(("new", "cross")))
        .group_by(Announcement.category)
    )
    return {cat: n for cat, n in rows}


def latest_category_counts(session: Session) -> tuple[dt.date | None, dict[str, int]]:
    day = latest_announcement_date(session)
    return day, (category_counts(session, day) if day else {})


def paper_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Paper)) or 0


def table_counts(session: Session) -> dict[str, int]:
    return {
        name: session.scalar(select(func.count()).select_from(table)) or 0
        for name, table in Base.metadata.tables.items()
    }
