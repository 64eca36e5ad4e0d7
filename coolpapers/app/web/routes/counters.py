"""Reader counters: PDF and FAQ opens, stars. Listing pages show them at most
app.listing.COUNTERS_TTL_S late; the reader's own click updates their page at once."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio.from_thread
from fastapi import APIRouter, HTTPException, Query, Request

from coolpapers.app.arxiv.ids import InvalidArxivId
from coolpapers.app.queue.errors import ChannelUnavailable
from coolpapers.app.store.counters import CounterName, bump_counter
from coolpapers.app.store.lookup import PaperNotStored, paper_counters, stored_paper
from coolpapers.app.store.models import Paper
from coolpapers.app.web.deps import SessionDep
from coolpapers.app.web.lookups import client_of
from coolpapers.app.web.schemas.errors import error_responses
from coolpapers.app.web.schemas.listing import CounterEvent, CountersOut

router = APIRouter(prefix="/api/papers", tags=["counters"])


def _stored(session: SessionDep, arxiv_id: str) -> Paper:
    try:
        return stored_paper(session, arxiv_id)
    except (InvalidArxivId, PaperNotStored) as exc:
        raise HTTPException(404, str(exc)) from None


def _bump(
    request: Request, session: SessionDep, arxiv_id: str, name: CounterName, delta: int
) -> CounterEvent:
    """Count the click once per client, paper and kind a day; the rest are answered with the
    counters as they are (a script posting thousands of stars moves them by one)."""
    paper = _stored(session, arxiv_id)
    allowance = request.app.state.core.allowance
    client = client_of(request)
    try:
        first = anyio.from_thread.run(allowance.once_a_day, client, paper.arxiv_id, f"{name}{delta:+d}")
    except ChannelUnavailable:
        first = False  # cannot tell: not counted rather than counted without a bound
    if first:
        c = bump_counter(session, paper.id, name, delta)
        counts = CountersOut(pdf_opens=c.pdf_opens, faq_opens=c.faq_opens, stars=c.stars)
    else:
        counts = CountersOut(**paper_counters(session, paper.id))
    return CounterEvent(arxiv_id=paper.arxiv_id, counters=counts)


@router.post("/{arxiv_id:path}/open", response_model=CounterEvent, responses=error_responses(404, 422))
def count_open(
    request: Request, arxiv_id: str, session: SessionDep, kind: Annotated[Literal["pdf", "faq"], Query()]
) -> CounterEvent:
    """Count one opening of the paper's PDF or FAQ panel."""
    return _bump(request, session, arxiv_id, "pdf_opens" if kind == "pdf" else "faq_opens", 1)


@router.post("/{arxiv_id:path}/star", response_model=CounterEvent, responses=error_responses(404))
def star(request: Request, arxiv_id: str, session: SessionDep) -> CounterEvent:
    return _bump(request, session, arxiv_id, "stars", 1)


@router.delete("/{arxiv_id:path}/star", response_model=CounterEvent, responses=error_responses(404))
def unstar(request: Request, arxiv_id: str, session: SessionDep) -> CounterEvent:
    return _bump(request, session, arxiv_id, "stars", -1)
