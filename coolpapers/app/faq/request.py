"""What the API and the CLI ask of FAQs: request one (with every guard before any cost), and
read its current state as an output view. Sync database work runs in threads."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.ids import InvalidArxivId
from coolpapers.app.faq.prompts import prompt_for
from coolpapers.app.faq.provider import NOT_CONFIGURED
from coolpapers.app.faq.render import render_markdown
from coolpapers.app.queue.channels import ChannelUnavailable, FaqChannels
from coolpapers.app.queue.doorbell import FAQS
from coolpapers.app.settings import Settings
from coolpapers.app.store import faqs as store
from coolpapers.app.store import llm_spend
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.lookup import PaperNotStored, stored_paper
from coolpapers.app.store.models import Faq

CONFIG_ERROR_PREFIX = "configuration error: "


Refusal = Literal["invalid", "not_found", "over_limit", "unavailable"]


class FaqRefused(Exception):
    """The request cannot be served, and why: a bad parameter, no such paper, a client or the site
    over its limits, or a part of the system away for a moment. The web maps `reason` to a status."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason: Refusal = reason
        self.message = message


@dataclass
class FaqView:
    status: str  # absent | pending | running | done | failed | unconfigured
    faq_id: int | None = None
    markdown: str | None = None
    html: str | None = None
    model: str | None = None
    prompt_version: str | None = None
    input: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    created_at: dt.datetime | None = None
    error: str | None = None
    position: int | None = None
    message: str | None = None

    @property
    def retryable(self) -> bool:
        return not (self.error or "").startswith(CONFIG_ERROR_PREFIX)


def view_of(session: Session, row: Faq | None, settings: Settings, prompt_version: str) -> FaqView:
    if row is None:
        if not settings.llm_configured:
            return FaqView("unconfigured", prompt_version=prompt_version, message=NOT_CONFIGURED)
        return FaqView("absent", prompt_version=prompt_version)
    message = None
    if row.status == "failed":
        message = f"The FAQ could not be written: {row.error}"
    elif row.status != "done" and not settings.llm_configured:
        message = NOT_CONFIGURED
    return FaqView(
        status=row.status,
        faq_id=row.id,
        markdown=row.markdown,
        html=render_markdown(row.markdown) if row.status == "done" and row.markdown is not None else None,
        model=row.model,
        prompt_version=row.prompt_version,
        input=row.input_kind,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        created_at=row.finished_at or row.created_at,
        error=row.error,
        position=store.queue_position(session, row),
        message=message,
    )


def start_of_day(now: dt.datetime | None = None) -> dt.datetime:
    """UTC midnight of `now` (default: the present): daily budgets and caps count from it."""
    return (now or dt.datetime.now(dt.UTC)).replace(hour=0, minute=0, second=0, microsecond=0)


BUDGET_SPENT = (
    "Today's LLM token budget for this site is used up; new FAQs can be requested again tomorrow (UTC)."
)


def site_budget_spent(factory: sessionmaker[Session], settings: Settings) -> bool:
    """Sync: the site's daily token budget is used up, so no new generation may start, whoever asks
    (a reader, `coolpapers faq`, the pre-generator)."""
    budget = settings.faq_daily_token_budget
    return bool(budget) and llm_spend.spent_on(factory, start_of_day().date()) >= budget


@dataclass
class FaqService:
    settings: Settings
    session_factory: sessionmaker[Session]
    channels: FaqChannels

    def check_language(self, lang: str) -> str:
        if lang not in self.settings.faq_languages:
            allowed = ", ".join(self.settings.faq_languages)
            raise FaqRefused("invalid", f"language {lang!r} is not offered; choose one of: {allowed}")
        return lang

    def _paper_id(self, session: Session, arxiv_id: str) -> int:
        try:
            return stored_paper(session, arxiv_id).id
        except (InvalidArxivId, PaperNotStored) as exc:
            raise FaqRefused("not_found", str(exc)) from None

    def _load(self, arxiv_id: str, lang: str) -> tuple[int, FaqView]:
        version = prompt_for(lang).version
        with session_scope(self.session_factory) as session:
            paper_id = self._paper_id(session, arxiv_id)
            row = store.find_faq(session, paper_id, lang, version)
            return paper_id, view_of(session, row, self.settings, version)

    async def view(self, arxiv_id: str, lang: str) -> FaqView:
        self.check_language(lang)
        _, view = await asyncio.to_thread(self._load, arxiv_id, lang)
        return view

    async def reload(self, faq_id: int, lang: str) -> FaqView:
        def load() -> FaqView:
            with session_scope(self.session_factory) as session:
                row = session.get(Faq, faq_id)
                return view_of(session, row, self.settings, prompt_for(lang).version)

        return await asyncio.to_thread(load)

    async def request(
        self, arxiv_id: str, lang: str, client: str, *, priority: int = store.READER_PRIORITY
    ) -> FaqView:
        """Ask for a FAQ. Guards run before anything is stored: a refused request leaves no trace."""
        self.check_language(lang)
        paper_id, view = await asyncio.to_thread(self._load, arxiv_id, lang)
        if view.status in ("done", "running"):
            return view
        if view.status in ("absent", "unconfigured", "failed"):
            if not self.settings.llm_configured:
                return FaqView("unconfigured", prompt_version=view.prompt_version, message=NOT_CONFIGURED)
            await self._guard_costs(client)
        version = prompt_for(lang).version
        row, _created = await asyncio.to_thread(
            store.request_faq, self.session_factory, paper_id, lang, version, priority
        )
        await self.channels.doorbell.ring(FAQS)  # the row is the job; this only wakes a worker
        return await self.reload(row.id, lang)

    async def _guard_costs(self, client: str) -> None:
        limit = self.settings.faq_rate_limit_per_hour
        if limit and not await self._hit(client, limit):
            raise FaqRefused(
                "over_limit",
                f"Too many FAQ requests from your address: at most {limit} an hour. Please try again later.",
            )
        if await asyncio.to_thread(site_budget_spent, self.session_factory, self.settings):
            raise FaqRefused("over_limit", BUDGET_SPENT)

    async def _hit(self, client: str, limit: int) -> bool:
        try:
            return await self.channels.limiter.hit(client, limit)
        except ChannelUnavailable as exc:
            raise FaqRefused("unavailable", f"FAQs are unavailable for a moment: {exc}") from None
