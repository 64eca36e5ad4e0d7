"""Which new papers background pre-generation may still take: the read-only queries behind its
daily paper cap and its batch size (tokens are counted in store/llm_spend.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.store.db import session_scope
from coolpapers.app.store.faqs import BACKGROUND_PRIORITY
from coolpapers.app.store.models import Announcement, Faq


def background_papers_since(factory: sessionmaker[Session], since: dt.datetime) -> int:
    """Papers given background FAQs since `since` (each counted once, however many languages)."""
    with session_scope(factory) as session:
        return int(
            session.scalar(
                select(func.count(func.distinct(Faq.paper_id))).where(
                    Faq.priority == BACKGROUND_PRIORITY, Faq.created_at >= since
                )
            )
            or 0
        )


def background_papers_waiting(factory: sessionmaker[Session]) -> int:
    """Papers whose background FAQs are queued or being written."""
    with session_scope(factory) as session:
        return int(
            session.scalar(
                select(func.count(func.distinct(Faq.paper_id))).where(
                    Faq.priority == BACKGROUND_PRIORITY, Faq.status.in_(("pending", "running"))
                )
            )
            or 0
        )


def new_papers_missing_faq(
    factory: sessionmaker[Session],
    categories: list[str],
    versions: dict[str, str],
    since: dt.date,
    limit: int,
) -> list[tuple[int, list[str]]]:
    """Papers announced as new or cross-listed since `since` in the given categories (all when
    empty), newest first, each with the languages it has no FAQ row in (`versions`: language ->
    prompt version). Announcements, not storage time, say what is new: an imported or looked-up
    paper is stored today too."""

    def has_row(paper_id: Any, language: str, version: str) -> ColumnElement[bool]:
        return (
            select(Faq.id)
            .where(Faq.paper_id == paper_id, Faq.language == language, Faq.prompt_version == version)
            .exists()
        )

    query = select(Announcement.paper_id).where(
        Announcement.date >= since,
        Announcement.type.in_(("new", "cross")),
        or_(*[~has_row(Announcement.paper_id, lang, v) for lang, v in versions.items()]),
    )
    if categories:
        query = query.where(Announcement.category.in_(categories))
    with session_scope(factory) as session:
        ids = list(
            session.scalars(
                query.group_by(Announcement.paper_id).order_by(Announcement.paper_id.desc()).limit(limit)
            )
        )
        if not ids:
            return []
        wanted = or_(*[and_(Faq.language == lang, Faq.prompt_version == v) for lang, v in versions.items()])
        have = set(session.execute(select(Faq.paper_id, Faq.language).where(Faq.paper_id.in_(ids), wanted)))
    return [(pid, [lang for lang in versions if (pid, lang) not in have]) for pid in ids]
