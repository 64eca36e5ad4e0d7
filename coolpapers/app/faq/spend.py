"""Charging a generation to the day's token budget (store/llm_spend.py): its estimate is reserved
before the provider is called, and the real count settles it afterwards, however it ended — a
failed, retried or cut attempt costs what the provider counted, or the whole estimate when it
said nothing. So the budget holds with any number of workers and any number of retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.faq.fulltext import CHARS_PER_TOKEN
from coolpapers.app.faq.provider import Usage
from coolpapers.app.queue.channels import stale_after
from coolpapers.app.settings import Settings
from coolpapers.app.store import llm_spend
from coolpapers.app.store.db import patiently

DEFAULT_ANSWER_TOKENS = 2000  # room for the answer when LLM_MAX_TOKENS does not say
# A refused generation looks again this much later: reservations still open settle lower than
# their estimate and may free room today; past midnight UTC a new day's budget begins.
RECHECK_S = 60.0


class BudgetSpent(Exception):
    """Today's token budget is used up: the generation waits (see RECHECK_S)."""

    def __init__(self, retry_in_s: float) -> None:
        super().__init__("waiting: today's token budget is used up for now (a new one starts at 00:00 UTC)")
        self.retry_in_s = retry_in_s  # on the database's clock, as every lease and retry time


def estimate(prompt: str, settings: Settings) -> int:
    return len(prompt) // CHARS_PER_TOKEN + (settings.llm_max_tokens or DEFAULT_ANSWER_TOKENS)


@asynccontextmanager
async def charged(
    factory: sessionmaker[Session], settings: Settings, tokens: int, usage: Usage, background: bool
) -> AsyncIterator[None]:
    """Reserve `tokens` for the call inside, or raise BudgetSpent; settle with `usage` after."""
    day = await asyncio.to_thread(llm_spend.today, factory)
    budget = settings.faq_daily_token_budget
    if not await asyncio.to_thread(llm_spend.reserve, factory, day, tokens, budget, background):
        raise BudgetSpent(RECHECK_S)
    try:
        yield
    finally:
        counted = usage.prompt_tokens is not None and usage.completion_tokens is not None
        real = (usage.prompt_tokens or 0) + (usage.completion_tokens or 0) if counted else tokens
        # What was spent is counted even while the database is briefly locked or away.
        settle = lambda: llm_spend.settle(factory, day, real - tokens, background)  # noqa: E731
        await asyncio.shield(asyncio.to_thread(patiently, settle, stale_after(settings).total_seconds()))
