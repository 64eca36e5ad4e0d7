"""Fetching papers by id from arXiv's API and storing them: the worker's lookup duty and the CLI.

Web code never comes here (a contract in pyproject.toml): a reader's request only leaves a row
(app.ingest.lookup_requests), which a worker performs with the instance's one paced client. A
batch of ids is one API call; an id arXiv does not know is remembered for a while so repeated
clicks do not ask again. Database work runs in threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.api import ApiError, ApiResult, id_list_url, parse_api_feed
from coolpapers.app.arxiv.client import ArxivClient, ArxivTooLarge, ArxivUnavailable
from coolpapers.app.arxiv.ids import parse_arxiv_id
from coolpapers.app.arxiv.records import PaperRecord
from coolpapers.app.store import lookups as rows
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.lookup import paper_by_arxiv_id
from coolpapers.app.store.models import Paper, utcnow
from coolpapers.app.store.papers import store_papers
from coolpapers.app.store.unknown_ids import UNKNOWN_TTL, recently_unknown, remember_unknown

log = logging.getLogger(__name__)
BATCH = 20  # ids per API call: one polite request instead of twenty
LEASE = dt.timedelta(minutes=5)  # longer than a paced, retried API call; a killed worker's rows return
MAX_ATTEMPTS = 3  # claims of a row whose worker died each time, before it ends failed


class ArxivNoAnswer(Exception):
    """arXiv could not be reached or gave an unusable answer: nothing was learnt about the ids."""


@dataclass
class Answer:
    found: list[str] = field(default_factory=list)
    unknown: dict[str, str] = field(default_factory=dict)  # id → arXiv's reason


async def _ask(client: ArxivClient, api_url: str, ids: list[str]) -> ApiResult:
    try:
        resp = await client.get(id_list_url(api_url, ids))
    except (ArxivUnavailable, ArxivTooLarge) as exc:
        raise ArxivNoAnswer(str(exc)) from None
    if resp.status != 200:
        raise ArxivNoAnswer(f"arXiv's API answered HTTP {resp.status}")
    try:
        return parse_api_feed(resp.body)
    except ApiError as exc:
        log.warning("arXiv API gave an unusable answer for %s: %s", ",".join(ids), exc)
        raise ArxivNoAnswer(f"arXiv's API gave an unusable answer: {exc}") from None


async def fetch_papers(
    factory: sessionmaker[Session], client: ArxivClient, api_url: str, ids: list[str],
    settle: rows.LookupClaim | None = None,
) -> Answer:  # fmt: skip
    """Ask arXiv for `ids` (base ids) and store what it has; remember the ones it does not know.
    With `settle`, the claim's lookup rows of answered ids go in the same transaction."""
    result = await _ask(client, api_url, ids)
    if result.errors and len(ids) > 1:
        # An error entry may speak for one id or the whole call: ask for each alone to know which.
        answer = Answer()
        for one in ids:
            part = await fetch_papers(factory, client, api_url, [one], settle)
            answer.found += part.found
            answer.unknown.update(part.unknown)
        return answer
    wanted = set(ids)
    papers = [p for p in result.papers if p.arxiv_id in wanted]
    found = {p.arxiv_id for p in papers}
    reason = "; ".join(result.errors) or "not found"
    answer = Answer(sorted(found), {i: reason for i in ids if i not in found})
    await asyncio.to_thread(_store_answer, factory, papers, answer, settle)
    return answer


def _store_answer(
    factory: sessionmaker[Session], papers: list[PaperRecord], answer: Answer, claim: rows.LookupClaim | None
) -> None:
    now = utcnow()
    with session_scope(factory) as session:
        if papers:
            store_papers(session, papers)
        for arxiv_id, reason in answer.unknown.items():
            remember_unknown(session, arxiv_id, reason, now)
        if claim is not None:
            rows.settle(session, claim, answer.found + list(answer.unknown))


async def perform_lookups(
    factory: sessionmaker[Session], client: ArxivClient, api_url: str, worker_id: str
) -> int:
    """Claim one batch of waiting lookups and answer it; returns how many ids were claimed."""
    claim = await asyncio.to_thread(rows.claim_lookups, factory, worker_id, BATCH, LEASE, MAX_ATTEMPTS)
    if claim is None:
        return 0
    try:
        answer = await fetch_papers(factory, client, api_url, claim.arxiv_ids, claim)
    except ArxivNoAnswer as exc:
        log.warning("arXiv lookup of %s failed: %s", ",".join(claim.arxiv_ids), exc)
        await asyncio.to_thread(rows.lookups_failed, factory, claim, str(exc))
    else:
        log.info("looked up %d paper(s): %d found", len(claim.arxiv_ids), len(answer.found))
    return len(claim.arxiv_ids)


def _stored_or_unknown(factory: sessionmaker[Session], base: str) -> tuple[Paper | None, bool]:
    with session_scope(factory) as session:
        paper = paper_by_arxiv_id(session, base)
        return paper, paper is None and recently_unknown(session, base, utcnow() - UNKNOWN_TTL)


async def find_or_fetch_paper(
    factory: sessionmaker[Session], client: ArxivClient, api_url: str, raw_id: str
) -> Paper | None:
    """The stored paper for any spelling of an id, fetched at once if needed (the CLI's way; it
    waits). None for an id arXiv does not know; InvalidArxivId for text that cannot be an id;
    ArxivNoAnswer when arXiv cannot be reached (nothing is remembered)."""
    base = parse_arxiv_id(raw_id).base
    paper, unknown = await asyncio.to_thread(_stored_or_unknown, factory, base)
    if paper is not None or unknown:
        return paper
    answer = await fetch_papers(factory, client, api_url, [base])
    if not answer.found:
        return None
    paper, _ = await asyncio.to_thread(_stored_or_unknown, factory, base)
    return paper
