"""JSON for one paper by arXiv id: `GET /api/papers/{id}`. A paper not stored yet is fetched by a
worker: 202 with Retry-After until it lands, then 200 (404 if arXiv has no such paper)."""

from __future__ import annotations

import asyncio
import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from coolpapers.app.store.db import session_scope
from coolpapers.app.store.lookup import paper_announcements, paper_by_arxiv_id, paper_counters
from coolpapers.app.store.models import Paper
from coolpapers.app.web.deps import StateDep
from coolpapers.app.web.lookups import base_id, client_of, resolve, unless_stored
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


class FetchingOut(BaseModel):
    status: str = "fetching"
    arxiv_id: str
    retry_after: int
    message: str


@router.get("/papers/{arxiv_id:path}", response_model=PaperOut,
            responses={202: {"model": FetchingOut}, **error_responses(404, 429, 503)})  # fmt: skip
async def get_paper(arxiv_id: str, request: Request, state: StateDep) -> PaperOut | JSONResponse:
    """A paper by any spelling of its id (`2406.01234`, `arXiv:2406.01234v2`, `hep-th/9901001`)."""
    base = base_id(arxiv_id)
    found = await resolve(state, [base], client_of(request))
    if (waiting := unless_stored(found, base)) is not None:
        return waiting
    return await asyncio.to_thread(_paper_out, state, base)


def _paper_out(state: StateDep, base: str) -> PaperOut:
    with session_scope(state.session_factory) as session:
        paper: Paper | None = paper_by_arxiv_id(session, base)
        assert paper is not None  # papers are never deleted
        announcements = paper_announcements(session, paper.id)
        counters = paper_counters(session, paper.id)
        return PaperOut(
            arxiv_id=paper.arxiv_id, version=paper.version, title=paper.title, authors=list(paper.authors),
            abstract=paper.abstract, categories=[c.category for c in paper.categories],
            primary_category=paper.primary_category, comments=paper.comments, journal_ref=paper.journal_ref,
            doi=paper.doi, license=paper.license, submitted_at=paper.submitted_at,
            updated_at=paper.updated_at,
            announcements=[AnnouncementOut(category=c, date=d, type=t) for c, d, t in announcements],
            counters=CountersOut(**counters),
        )  # fmt: skip
