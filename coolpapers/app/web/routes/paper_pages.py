"""HTML paper pages: `/arxiv/{id}` and `/arxiv/{id},{id},…` (the starred-list export).

Reached through the `/arxiv/{spec}` dispatcher in app.routes.listings, which sends
anything that reads as arXiv ids here. Papers not stored yet are asked of a worker
(app.web.lookups); the page says so (202) and reloads itself once they land, so any
papers.cool paper link works here.
"""

from __future__ import annotations

import re

from fastapi import HTTPException, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id
from coolpapers.app.ingest.lookup_requests import RETRY_AFTER_S, Resolution
from coolpapers.app.settings import Settings
from coolpapers.app.web.cards import cards_of
from coolpapers.app.web.lookups import client_of, resolve_in_thread

MAX_IDS = 200  # an exported starred list; longer lists are refused, not truncated
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


def _status(ids: list[str], found: Resolution) -> tuple[int, str | None]:
    """The page's status, and the error to show instead of it: a page with any paper is 200; with
    none, 202 while some are being fetched, else the reason the first one cannot be had."""
    if found.papers:
        return 200, None
    if found.fetching:
        return 202, None
    first = ids[0]
    if first in found.failed or (found.failed and not found.to_ask):
        why = found.failed.get(first) or next(iter(found.failed.values()))
        return 503, f"arXiv could not be reached to look this paper up ({why}); try again in a minute"
    if found.to_ask:
        return found.refused_status, found.refused or "these papers cannot be looked up right now"
    return 404, f"arXiv has no paper {first}" if len(ids) == 1 else "arXiv has none of these papers"


def paper_page(
    request: Request, session: Session, templates: Jinja2Templates, settings: Settings, spec: str
) -> Response:
    ids = parse_id_list(spec)
    desk = request.app.state.core.lookups
    found = resolve_in_thread(desk, session, ids, client_of(request))
    status, error = _status(ids, found)
    if error is not None:
        headers = {"Retry-After": "60"} if status in (429, 503) else None
        raise HTTPException(status, error, headers=headers)
    cards = cards_of(session, [found.papers[i] for i in ids if i in found.papers], settings.arxiv_pdf_url)
    context = {
        "papers": cards.papers,
        "counters": cards.counters,
        "published": cards.first_days,
        "fetching": found.fetching,
        "missing": found.unknown,
        "failed": list(found.failed),
        "not_asked": found.to_ask,
        "refused": found.refused,
        "config": {"pdfUrl": settings.arxiv_pdf_url, "languages": settings.faq_languages},
    }
    headers = {"Retry-After": str(RETRY_AFTER_S)} if found.fetching else None
    return templates.TemplateResponse(request, "paper.html", context, status_code=status, headers=headers)
