"""Storing one announcement day, the same way for every source (the feeds duty, the demo days):
the papers upserted, then each category's announcements in arXiv's order (ids ascending within
a type), in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from coolpapers.app.arxiv.announce import derive_announcements
from coolpapers.app.arxiv.records import AnnouncementRecord, ListedPaper, StoreResult
from coolpapers.app.store.papers import store_announcements, store_papers


@dataclass(frozen=True)
class DayStored:
    papers: StoreResult
    announcements_added: int


def day_announcements(
    day: dt.date, items: Sequence[ListedPaper], categories: set[str] | None = None
) -> list[AnnouncementRecord]:
    """What the day announces in `categories` (all of the items' categories when None)."""
    return derive_announcements(day, sorted(items, key=lambda i: i.paper.arxiv_id), categories)


def store_day(
    session: Session, day: dt.date, items: Sequence[ListedPaper], categories: set[str] | None = None
) -> DayStored:
    """Store the day's papers and its announcements for `categories`; storing it again adds nothing."""
    ids, result = store_papers(session, (i.paper for i in items))
    added = store_announcements(session, day_announcements(day, items, categories), ids)
    return DayStored(result, added)
