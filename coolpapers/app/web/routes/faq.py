"""The FAQ API: request a FAQ, read it, and follow its generation as a server-sent event stream."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse

from coolpapers.app.faq.request import FaqService
from coolpapers.app.web.deps import StateDep
from coolpapers.app.web.lookups import base_id, client_of, resolve, unless_stored
from coolpapers.app.web.schemas.errors import ErrorResponse
from coolpapers.app.web.schemas.faq import FaqOut, FaqRequested, faq_out, requested_out
from coolpapers.app.web.sse import SEP, STOP_NOTICE_S, faq_stream, keepalive

router = APIRouter(prefix="/api/papers", tags=["faq"])

ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in {
        400: "Language not offered",
        404: "Unknown or malformed arXiv id",
        422: "Invalid parameters",
        429: "Over the per-client rate limit or the daily token budget",
        503: "The job queue (or arXiv, for a paper not stored yet) is unreachable",
    }.items()
}
LangQuery = Query(default="en", max_length=16, description="One of COOLPAPERS_FAQ_LANGUAGES")


def service_of(state: StateDep) -> FaqService:
    assert state.faq is not None
    return state.faq


@router.post("/{arxiv_id:path}/faq", response_model=FaqRequested, responses=ERRORS)
async def request_faq(
    arxiv_id: str, request: Request, state: StateDep, lang: str = LangQuery
) -> FaqRequested | JSONResponse:
    """Ask for the paper's FAQ: queued once however many readers ask; a failed one is retried. A
    paper not stored yet is fetched first: 202 with Retry-After until it is, then ask again."""
    service = service_of(state)
    service.check_language(lang)  # FaqRefused is answered by web/errors.py
    base = base_id(arxiv_id)
    if (waiting := unless_stored(await resolve(state, [base], client_of(request)), base)) is not None:
        return waiting
    return requested_out(await service.request(base, lang, client_of(request)))


@router.get("/{arxiv_id:path}/faq/stream", responses={**ERRORS, 200: {"content": {"text/event-stream": {}}}})
async def stream_faq(
    arxiv_id: str, request: Request, state: StateDep, lang: str = LangQuery
) -> EventSourceResponse:
    """Server-sent events: `status`, `text` (first = all so far, then deltas), then `done` or `error`."""
    service = service_of(state)
    service.check_language(lang)  # FaqRefused is answered by web/errors.py
    hub = state.watches
    assert hub is not None, "AppState.build always sets the watches"
    # Two ways to hear of a stop: `coolpapers serve` sets state.stopping; sse-starlette sets
    # `shutdown` when uvicorn's own signal handling stops the server (`serve --workers N`). Either
    # way the stream ends with a retryable error, given STOP_NOTICE_S (never more than the
    # server's own grace) before sse-starlette cancels it.
    shutdown = anyio.Event()
    return EventSourceResponse(
        faq_stream(service, hub, arxiv_id, lang, client_of(request), (state.stopping, shutdown)),
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        sep=SEP,
        ping=service.settings.faq_keepalive_s,
        ping_message_factory=keepalive,
        shutdown_event=shutdown,
        shutdown_grace_period=min(STOP_NOTICE_S, service.settings.shutdown_grace_s),
    )


@router.get("/{arxiv_id:path}/faq", response_model=FaqOut, responses=ERRORS)
async def read_faq(arxiv_id: str, state: StateDep, lang: str = LangQuery) -> FaqOut:
    """The FAQ as stored: Markdown, sanitized HTML, model, prompt version, input used, token usage."""
    return faq_out(await service_of(state).view(arxiv_id, lang))
