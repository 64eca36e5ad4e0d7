"""`coolpapers faq ID` and `coolpapers faq regenerate ID`: write (or print the cached) FAQ in the
terminal, streaming the answer as the model writes it."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass

import click
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.client import ArxivClient
from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id
from coolpapers.app.faq.generate import FaqRuntime, run_claim
from coolpapers.app.faq.prompts import prompt_for
from coolpapers.app.faq.provider import NOT_CONFIGURED
from coolpapers.app.faq.request import BUDGET_SPENT, site_budget_spent
from coolpapers.app.ingest.lookup import ArxivNoAnswer, find_or_fetch_paper
from coolpapers.app.queue.channels import StreamEvent
from coolpapers.app.settings import Settings
from coolpapers.app.store import faqs as store
from coolpapers.app.store.arxiv_pacing import instance_pacer
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.lookup import paper_by_arxiv_id


@dataclass
class TerminalBus:
    """Streams the answer to the terminal instead of to web viewers."""

    async def publish(self, faq_id: int, kind: str, text: str = "") -> None:
        if kind == "text":
            sys.stdout.write(text)
            sys.stdout.flush()

    async def read(self, faq_id: int, after: str | None, timeout_s: float) -> list[StreamEvent]:
        return []


class CliError(Exception):
    pass


async def write_faq(settings: Settings, arxiv_id: str, lang: str, *, regenerate: bool = False) -> str:
    """Generate the FAQ here unless it is stored (or being written elsewhere); returns the Markdown
    when it was not already streamed to the terminal, else an empty string."""
    if lang not in settings.faq_languages:
        offered = ",".join(settings.faq_languages)
        raise CliError(f"language {lang!r} is not in COOLPAPERS_FAQ_LANGUAGES ({offered})")
    try:
        canonical = parse_arxiv_id(arxiv_id).base
    except InvalidArxivId as exc:
        raise CliError(str(exc)) from None
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    try:
        found = await _find_paper(settings, factory, canonical)
        stored, faq_id = await asyncio.to_thread(
            _stored_or_requested, settings, factory, found, lang, regenerate
        )
        return stored if faq_id is None else await _generate_here(settings, factory, faq_id)
    finally:
        engine.dispose()


def _stored_or_requested(
    settings: Settings, factory: sessionmaker[Session], arxiv_id: str, lang: str, regenerate: bool
) -> tuple[str, int | None]:
    """The stored FAQ's Markdown (and None), or the id of the row to generate now."""
    version = prompt_for(lang).version
    with session_scope(factory) as session:
        paper = paper_by_arxiv_id(session, arxiv_id)
        assert paper is not None
        paper_id = paper.id
        existing = store.find_faq(session, paper_id, lang, version)
    if regenerate and existing is not None and not store.reset_for_regeneration(factory, existing.id):
        raise CliError("this FAQ is being generated right now; try again when it is done")
    if existing is not None and existing.status == "done" and not regenerate:
        return existing.markdown or "", None
    if not settings.llm_configured:
        raise CliError(NOT_CONFIGURED)
    if site_budget_spent(factory, settings):
        raise CliError(BUDGET_SPENT)
    row, _ = store.request_faq(factory, paper_id, lang, version, store.READER_PRIORITY)
    return "", row.id


async def _find_paper(settings: Settings, factory: sessionmaker[Session], canonical: str) -> str:
    """The stored paper's id, fetching it from arXiv once if this instance does not have it."""
    client = ArxivClient(settings, pacer=instance_pacer(settings, factory))
    try:
        paper = await find_or_fetch_paper(factory, client, settings.arxiv_api_url, canonical)
    except ArxivNoAnswer as exc:
        raise CliError(f"arXiv could not be reached to look up {canonical}: {exc}") from None
    finally:
        await client.aclose()
    if paper is None:
        raise CliError(f"arXiv has no paper {canonical}")
    return paper.arxiv_id


async def _generate_here(settings: Settings, typed: sessionmaker[Session], faq_id: int) -> str:
    rt = FaqRuntime.build(settings, typed, TerminalBus(), "cli")
    streamed = False
    try:
        while True:
            row = await asyncio.to_thread(store.get_faq, typed, faq_id)
            assert row is not None
            if row.status == "done":
                return "" if streamed else (row.markdown or "")
            if row.status == "failed":
                raise CliError(f"the FAQ could not be written: {row.error}")
            claim = await asyncio.to_thread(store.claim_next, typed, rt.worker_id, faq_id)
            if claim is None:  # a worker is writing it, or a retry is waiting: wait for it
                await asyncio.sleep(0.5)
                continue
            if streamed:
                click.echo("\n[the provider failed mid-answer; retrying]", err=True)
            streamed = True
            await run_claim(rt, claim)
    finally:
        await rt.aclose()
