"""HTML paper pages: `/arxiv/{id}` and `/arxiv/{id},{id},…` (the starred-list export).

Reached through the `/arxiv/{spec}` dispatcher in app.routes.listings, which sends
anything that reads as arXiv ids here. Papers not stored yet are fetched from arXiv's API
once (a few per page, politely paced), so any papers.cool paper link works here.
"""

from __future__ import annotations

import re

import anyio.from_thread
from fastapi import HTTPException, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from coolpapers.app.arxiv.client import ArxivTooLarge, ArxivUnavailable
from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id
from coolpapers.app.settings import Settings
from coolpapers.app.store.lookup import papers_by_arxiv_ids
from coolpapers.app.store.models import Paper
from coolpapers.app.web.cards import cards_of

MAX_IDS = 200  # an exported starred list; longer lists are refused, not truncated
MAX_FETCH = 3  # papers fetched from arXiv for one page view (each waits its turn at arXiv's pace)
_LOOKS_LIKE_ID = re.compile(r"^(?:arxiv:)?\d|^[a-z-]+(?:\.[A-Za-z-]+)?/\d", re.IGNORECASE)


def looks_like_ids(spec: str) -> bool:
    """True when the path names papers rather than categories (new ids start with a digit,
    old ones read `archive/YYMMNNN`)."""
    return bool(_LOOKS_LIKE_ID.match(spec))


def parse_id_list(spec: str) -> list[str]:
    parts = [p for p in spec.split(",") if p.strip()]
    if len(parts) > MAX_IDS:
        raise HTTPException(400, f"at most {MAX_IDS} papers per page; this link names {len(parts)}")
    out: list[str] = []
    for part in parts:
        try:
            base = parse_arxiv_id(part).base
        except InvalidArxivId as exc:
            raise HTTPException(404, f"{exc}; arXiv ids look like 2606.01234 or hep-th/9901001") from None
        if base not in out:
            out.append(base)
    if not out:
        raise HTTPException(404, "no arXiv id given")
    return out


def _fetch_missing(request: Request, missing: list[str]) -> bool:
    """Ask arXiv for up to MAX_FETCH papers not stored yet; True if arXiv could not be reached.

    The route runs in a worker thread; the fetch runs on the event loop, where the process's
    one arXiv client (and its pacing) lives.
    """
    fetch = request.app.state.core.fetch_paper
    unreachable = False
    for arxiv_id in missing[:MAX_FETCH]:
        try:
            anyio.from_thread.run(fetch, arxiv_id)
        except (ArxivUnavailable, ArxivTooLarge):
            unreachable = True
    return unreachable


def _stored_papers(request: Request, session: Session, ids: list[str]) -> tuple[dict[str, Paper], bool]:
    found = papers_by_arxiv_ids(session, ids)
    missing = [i for i in ids if i not in found]
    if not missing:
        return found, False
    unreachable = _fetch_missing(request, missing)
    return papers_by_arxiv_ids(session, ids), unreachable


def paper_page(
    request: Request, session: Session, templates: Jinja2Templates, settings: Settings, spec: str
) -> Response:
    ids = parse_id_list(spec)
    found, unreachable = _stored_papers(request, session, ids)
    if not found and unreachable:
        raise HTTPException(503, "arXiv could not be reached to look this paper up; try again in a minute")
    if not found:
        raise HTTPException(
            404, f"arXiv has no paper {ids[0]}" if len(ids) == 1 else "arXiv has none of these papers"
        )
    cards = cards_of(session, [found[i] for i in ids if i in found], settings.arxiv_pdf_url)
    context = {
        "papers": cards.papers,
        "counters": cards.counters,
        "published": cards.first_days,
        "missing": [i for i in ids if i not in found],
        "config": {"pdfUrl": settings.arxiv_pdf_url, "languages": settings.faq_languages},
    }
    return templates.TemplateResponse(request, "paper.html", context)
