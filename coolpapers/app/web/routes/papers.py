"""JSON for one paper by arXiv id: `GET /api/papers/{id}`, fetched from arXiv on first request."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from coolpapers.app.arxiv.client import ArxivTooLarge, ArxivUnavailable
from coolpapers.app.arxiv.ids import InvalidArxivId
from coolpapers.app.ingest.lookup import find_or_fetch_paper
from coolpapers.app.store.lookup import paper_announcements, paper_counters
from coolpapers.app.web.deps import StateDep
from coolpapers.app.web.schemas.errors import error_responses
from coolpapers.app.web.schemas.listing import CountersOut

router = APIRouter(prefix="/api", tags=["papers"])


class AnnouncementOut(BaseModel):
    category: str
    date: dt.date
    type: str


class PaperOut(BaseModel):
    arxiv_id: str
    version: int
    title: str
    authors: list[str]
    abstract: str
    categories: list[str]
    primary_category: str
    comments: str | None
    journal_ref: str | None
    doi: str | None
    license: str | None
    submitted_at: dt.datetime | None
    updated_at: dt.datetime | None
    announcements: list[AnnouncementOut]
    counters: CountersOut


@router.get("/papers/{arxiv_id:path}", response_model=PaperOut, responses=error_responses(404, 503))
async def get_paper(arxiv_id: str, state: StateDep) -> PaperOut:
    """A paper by any spelling of its id (`2406.01234`, `arXiv:2406.01234v2`, `hep-th/9901001`)."""
    try:
        paper = await find_or_fetch_paper(
            state.session_factory, state.arxiv, state.settings.arxiv_api_url, arxiv_id
        )
    except InvalidArxivId as exc:
        raise HTTPException(404, f"{exc}; arXiv ids look like 2406.01234 or hep-th/9901001") from None
    except (ArxivUnavailable, ArxivTooLarge):
        raise HTTPException(503, "arXiv cannot be reached right now; try again in a minute") from None
    if paper is None:
        raise HTTPException(404, f"arXiv has no paper {arxiv_id!r}")
    with state.session_factory() as session:
        announcements = paper_announcements(session, paper.id)
        counters = paper_counters(session, paper.id)
    return PaperOut(
        arxiv_id=paper.arxiv_id, version=paper.version, title=paper.title, authors=list(paper.authors),
        abstract=paper.abstract, categories=[c.category for c in paper.categories],
        primary_category=paper.primary_category, comments=paper.comments, journal_ref=paper.journal_ref,
        doi=paper.doi, license=paper.license, submitted_at=paper.submitted_at, updated_at=paper.updated_at,
        announcements=[AnnouncementOut(category=c, date=d, type=t) for c, d, t in announcements],
        counters=CountersOut(**counters),
    )  # fmt: skip
