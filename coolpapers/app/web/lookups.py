"""Papers named by id on a page or in the API: stored ones are shown, others are asked for from
a worker (app.ingest.lookup_requests), and the answer says "fetching" until they land.

Two ways in, one behaviour: `resolve` for async routes (database work in threads), and
`resolve_in_thread` for sync routes, which already run in a thread with their own session.
"""

from __future__ import annotations

import asyncio

import anyio.from_thread
from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id
from coolpapers.app.ingest.lookup_requests import RETRY_AFTER_S, LookupDesk, Resolution
from coolpapers.app.store.db import session_scope
from coolpapers.app.web.state import AppState

ID_HINT = "arXiv ids look like 2606.01234 or hep-th/9901001"


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def base_id(raw: str) -> str:
    try:
        return parse_arxiv_id(raw).base
    except InvalidArxivId as exc:
        raise HTTPException(404, f"{exc}; {ID_HINT}") from None


async def resolve(state: AppState, ids: list[str], client: str) -> Resolution:
    desk = state.lookups

    def read() -> Resolution:
        with session_scope(state.session_factory) as session:
            return desk.read(session, ids)

    found = await asyncio.to_thread(read)
    if not found.to_ask:
        return found
    admitted = await desk.admit(client, found)

    def record() -> bool:
        with session_scope(state.session_factory) as session:
            return desk.record(session, found, admitted)

    if await asyncio.to_thread(record):
        await desk.wake_worker()
    return found


def resolve_in_thread(desk: LookupDesk, session: Session, ids: list[str], client: str) -> Resolution:
    found = desk.read(session, ids)
    if not found.to_ask:
        return found
    admitted = anyio.from_thread.run(desk.admit, client, found)
    if desk.record(session, found, admitted):
        session.commit()  # before the ring: the worker must find the rows
        anyio.from_thread.run(desk.wake_worker)
    return found


def fetching_response(arxiv_id: str) -> JSONResponse:
    body = {"status": "fetching", "arxiv_id": arxiv_id, "retry_after": RETRY_AFTER_S,
            "message": f"{arxiv_id} is being fetched from arXiv; ask again in a moment"}  # fmt: skip
    return JSONResponse(body, status_code=202, headers={"Retry-After": str(RETRY_AFTER_S)})


def unless_stored(found: Resolution, arxiv_id: str) -> JSONResponse | None:
    """For one id: None when stored; a 202 while a worker fetches it; else the HTTP error that
    says why it cannot be had (raised)."""
    if arxiv_id in found.papers:
        return None
    if arxiv_id in found.fetching:
        return fetching_response(arxiv_id)
    if arxiv_id in found.unknown:
        raise HTTPException(404, f"arXiv has no paper {arxiv_id}")
    if arxiv_id in found.failed:
        why = found.failed[arxiv_id]
        raise HTTPException(503, f"arXiv could not be reached to look up {arxiv_id}: {why}",
                            headers={"Retry-After": "60"})  # fmt: skip
    raise HTTPException(found.refused_status, found.refused or "this paper cannot be looked up now",
                        headers={"Retry-After": "60"})  # fmt: skip
