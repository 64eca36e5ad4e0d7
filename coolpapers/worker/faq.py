"""The worker's FAQ duties: claim pending rows and write them (woken by the doorbell), sweep the
database for rows of dead workers, and pre-generate FAQs for new papers when enabled."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from coolpapers.app.faq.generate import FaqRuntime, run_claim
from coolpapers.app.faq.prompts import prompt_for
from coolpapers.app.faq.request import site_budget_spent, start_of_day
from coolpapers.app.queue.channels import ChannelUnavailable, FaqChannels, stale_after
from coolpapers.app.queue.doorbell import FAQS, Listener
from coolpapers.app.store import faq_budget, llm_spend
from coolpapers.app.store import faqs as store
from coolpapers.app.store.db import error_line
from coolpapers.worker.context import WorkerContext, first_of
from coolpapers.worker.retry import TRANSIENT, Backoff

log = logging.getLogger("coolpapers.worker.faq")


def channels_of(ctx: WorkerContext) -> FaqChannels:
    assert ctx.faq_channels is not None, "WorkerContext.build always sets the FAQ channels"
    return ctx.faq_channels


async def faq_consumer(ctx: WorkerContext, stop: asyncio.Event) -> None:
    channels = channels_of(ctx)
    rt = FaqRuntime.build(ctx.settings, ctx.session_factory, channels.bus, ctx.worker_id, ctx.arxiv)
    try:
        async with channels.doorbell.listen(FAQS) as bell:
            await _consume(rt, bell, stop)
    finally:
        await rt.aclose()


async def _consume(rt: FaqRuntime, bell: Listener, stop: asyncio.Event) -> None:
    """Claim rows while there is room (the database picks the most urgent), run each as a task,
    and otherwise sleep until rung, a slot frees up, or the first retry delay ends."""
    slot_free = asyncio.Event()
    running: set[asyncio.Task[str]] = set()
    backoff = Backoff()
    # One listening task at a time, kept across rounds: cancelling a pub/sub read drops the
    # connection, and a ring sent while it reconnects would be missed.
    ringing: asyncio.Task[bool] | None = None

    def finished(task: asyncio.Task[str]) -> None:
        running.discard(task)
        slot_free.set()

    try:
        while not stop.is_set():
            idle_s = rt.settings.faq_sweep_s
            if len(running) < rt.settings.llm_concurrency:
                try:
                    claim = await asyncio.to_thread(store.claim_next, rt.session_factory, rt.worker_id)
                    due_in = (
                        None
                        if claim
                        else await asyncio.to_thread(store.seconds_until_due, rt.session_factory)
                    )
                    backoff.succeeded()
                except TRANSIENT as exc:  # generations in flight go on; claiming waits for the database
                    pause = backoff.failed()
                    log.warning(
                        "FAQ consumer cannot claim work (%s); trying again in %.1f s", error_line(exc), pause
                    )
                    await first_of(stop.wait(), timeout=pause)
                    continue
                if claim is not None:
                    task = asyncio.create_task(run_claim(rt, claim))
                    running.add(task)
                    task.add_done_callback(finished)
                    continue
                if due_in is not None:
                    idle_s = min(idle_s, due_in + 0.05)
            slot_free.clear()
            if ringing is None or ringing.done():
                ringing = asyncio.create_task(bell.wait(rt.settings.faq_sweep_s))
            await first_of(slot_free.wait(), stop.wait(), timeout=idle_s, also=ringing)
        # Stopping: no new claims; what is being written may finish until the grace period ends
        # and the runner cancels this duty (the rows then go back to pending).
        if running:
            await asyncio.wait(set(running))
    finally:
        if ringing is not None:
            ringing.cancel()
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)


async def sweep_once(ctx: WorkerContext) -> int:
    """Hand the rows of dead workers back (or end them failed past FAQ_MAX_ATTEMPTS) and wake the
    consumers; returns how many rows were released."""
    s = ctx.settings
    released = await asyncio.to_thread(
        store.release_stale, ctx.session_factory, stale_after(s), s.faq_max_attempts
    )
    if released:
        log.warning("released %d FAQ generation(s) of stopped workers", released)
        await channels_of(ctx).doorbell.ring(FAQS)
    return released


async def faq_sweeper(ctx: WorkerContext, stop: asyncio.Event) -> None:
    # After an outage the sweep backs off: less often while the database or Redis is away.
    await _every(stop, "FAQ sweep", lambda: sweep_once(ctx), ctx.settings.faq_sweep_s, after_outage=max)


async def _every(
    stop: asyncio.Event,
    what: str,
    once: Callable[[], Awaitable[object]],
    interval_s: float,
    after_outage: Callable[[float, float], float],
) -> None:
    """Run `once` every `interval_s` until stopped. A transient database or Redis error is logged
    and the round tried again after `after_outage(interval_s, backoff pause)`."""
    backoff = Backoff()
    while not stop.is_set():
        wait = interval_s
        try:
            await once()
            backoff.succeeded()
        except ChannelUnavailable as exc:
            log.warning("%s: %s", what, exc)
        except TRANSIENT as exc:
            wait = after_outage(interval_s, backoff.failed())
            log.warning("%s cannot reach the database (%s); trying again in %.1f s",
                        what, error_line(exc), wait)  # fmt: skip
        await first_of(stop.wait(), timeout=wait)


async def pregenerate_once(ctx: WorkerContext) -> int:
    """Queue background FAQs, in every language, for papers announced in the last days; returns
    how many rows were queued. Caps: papers per UTC day, background tokens per UTC day, the site's
    daily budget (once readers are refused, background work stops too), and at most
    `llm_concurrency` papers waiting at once: tokens are counted only once spent, so queuing a
    whole day at once would pass the token cap before it could be noticed."""
    s, factory = ctx.settings, ctx.session_factory
    today = start_of_day()
    if await asyncio.to_thread(site_budget_spent, factory, s):
        return 0
    spent = await asyncio.to_thread(llm_spend.spent_on, factory, today.date(), llm_spend.BACKGROUND)
    if spent >= s.faq_pregenerate_daily_tokens:
        return 0
    made = await asyncio.to_thread(faq_budget.background_papers_since, factory, today)
    waiting = await asyncio.to_thread(faq_budget.background_papers_waiting, factory)
    room = min(s.faq_pregenerate_daily_papers - made, s.llm_concurrency - waiting)
    if room <= 0:
        return 0
    versions = {lang: prompt_for(lang).version for lang in s.faq_languages}
    since = (today - dt.timedelta(days=2)).date()
    papers = await asyncio.to_thread(
        faq_budget.new_papers_missing_faq, factory, s.faq_pregenerate_categories, versions, since, room
    )
    queued = 0
    for paper_id, languages in papers:
        for lang in languages:  # only missing ones: a reader's failed row is retried by a reader
            _, created = await asyncio.to_thread(
                store.request_faq, factory, paper_id, lang, versions[lang], store.BACKGROUND_PRIORITY
            )
            queued += created
    if queued:
        await channels_of(ctx).doorbell.ring(FAQS)
    return queued


async def faq_pregenerator(ctx: WorkerContext, stop: asyncio.Event) -> None:
    # Back soon after an outage, not a minute later.
    interval_s = max(60.0, ctx.settings.faq_sweep_s)
    await _every(stop, "FAQ pre-generation", lambda: pregenerate_once(ctx), interval_s, after_outage=min)
