"""Reader counters: PDF and FAQ opens, stars. Listing pages show them at most
app.listing.COUNTERS_TTL_S late; the reader's own click updates their page at once."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from coolpapers.app.arxiv.ids import InvalidArxivId
from coolpapers.app.store.counters import CounterName, bump_counter
from coolpapers.app.store.lookup import PaperNotStored, stored_paper
from coolpapers.app.store.models import Paper
from coolpapers.app.web.deps import SessionDep
from coolpapers.app.web.schemas.errors import error_responses
from coolpapers.app.web.schemas.listing import CounterEvent, CountersOut

router = APIRouter(prefix="/api/papers", tags=["counters"])


def _stored(session: SessionDep, arxiv_id: str) -> Paper:
    try:
        return stored_paper(session, arxiv_id)
    except (InvalidArxivId, PaperNotStored) as exc:
        raise HTTPException(404, str(exc)) from None


def _bump(session: SessionDep, arxiv_id: str, name: CounterName, delta: int) -> CounterEvent:
    paper = _stored(session, arxiv_id)
    c = bump_counter(session, paper.id, name, delta)
    return CounterEvent(
        arxiv_id=paper.arxiv_id,
        counters=CountersOut(pdf_opens=c.pdf_opens, faq_opens=c.faq_opens, stars=c.stars),
    )


@router.post("/{arxiv_id:path}/open", response_model=CounterEvent, responses=error_responses(404, 422))
def count_open(
    arxiv_id: str, session: SessionDep, kind: Annotated[Literal["pdf", "faq"], Query()]
) -> CounterEvent:
    """Count one opening of the paper's PDF or FAQ panel."""
    return _bump(session, arxiv_id, "pdf_opens" if kind == "pdf" else "faq_opens", 1)


@router.post("/{arxiv_id:path}/star", response_model=CounterEvent, responses=error_responses(404))
def star(arxiv_id: str, session: SessionDep) -> CounterEvent:
    return _bump(session, arxiv_id, "stars", 1)


@router.delete("/{arxiv_id:path}/star", response_model=CounterEvent, responses=error_responses(404))
def unstar(arxiv_id: str, session: SessionDep) -> CounterEvent:
    return _bump(session, arxiv_id, "stars", -1)
