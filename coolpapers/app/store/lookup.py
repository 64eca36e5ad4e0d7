"""Finding stored papers by arXiv id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coolpapers.app.arxiv.ids import parse_arxiv_id
from coolpapers.app.store.models import Announcement, Paper, PaperCounter


def paper_by_arxiv_id(session: Session, arxiv_id: str) -> Paper | None:
    """The stored paper for a canonical id without version (see app.arxiv.ids), or None."""
    return session.scalars(
        select(Paper).where(Paper.arxiv_id == arxiv_id).options(selectinload(Paper.categories))
    ).one_or_none()


class PaperNotStored(LookupError):
    """A well-formed arXiv id with no stored paper."""


def stored_paper(session: Session, raw_id: str) -> Paper:
    """The stored paper for an id in any spelling (`arXiv:2401.12345v2`, old style, URLs).
    Raises `InvalidArxivId` for an impossible id and `PaperNotStored` when it is not here;
    callers that may fetch from arXiv use `app.arxiv.lookup.find_or_fetch_paper` instead."""
    canonical = parse_arxiv_id(raw_id).base
    paper = paper_by_arxiv_id(session, canonical)
    if paper is None:
        raise PaperNotStored(f"arXiv:{canonical} is not stored here")
    return paper


def papers_by_arxiv_ids(session: Session, arxiv_ids: Iterable[str]) -> dict[str, Paper]:
    ids = list(dict.fromkeys(arxiv_ids))
    rows = session.scalars(
        select(Paper).where(Paper.arxiv_id.in_(ids)).options(selectinload(Paper.categories))
    )
    return {p.arxiv_id: p for p in rows}


def paper_announcements(session: Session, paper_id: int) -> list[tuple[str, dt.date, str]]:
    """(category, date, type) of every listing the paper appeared in, oldest first."""
    rows = session.execute(
        select(Announcement.category, Announcement.date, Announcement.type)
        .where(Announcement.paper_id == paper_id)
        .order_by(Announcement.date, Announcement.category)
    )
    return [(c, d, t) for c, d, t in rows]


def paper_counters(session: Session, paper_id: int) -> dict[str, int]:
    row = session.get(PaperCounter, paper_id)
    if row is None:
        return {"pdf_opens": 0, "faq_opens": 0, "stars": 0}
    return {"pdf_opens": row.pdf_opens, "faq_opens": row.faq_opens, "stars": row.stars}
