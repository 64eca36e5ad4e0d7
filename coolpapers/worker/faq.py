"""The worker's FAQ duties: consume jobs (arq over Redis, or in-process), sweep the database to
heal lost messages and dead workers, and pre-generate FAQs for new papers when enabled."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from arq.worker import Worker, func

from coolpapers.app.faq.generate import FaqRuntime, run_claim
from coolpapers.app.faq.prompts import prompt_for
from coolpapers.app.faq.request import start_of_day
from coolpapers.app.queue.channels import (
    JOB_FUNCTION,
    ChannelUnavailable,
    FaqChannels,
    redeliver_after,
    stale_after,
)
from coolpapers.app.store import faq_budget
from coolpapers.app.store import faqs as store
from coolpapers.app.store.db import error_line
from coolpapers.worker.context import WorkerContext, until_done_or_stopped
from coolpapers.worker.retry import TRANSIENT, Backoff

log = logging.getLogger("coolpapers.worker.faq")


def channels_of(ctx: WorkerContext) -> FaqChannels:
    assert ctx.faq_channels is not None, "WorkerContext.build always sets the FAQ channels"
    return ctx.faq_channels


async def _claim_and_run(rt: FaqRuntime) -> str | None:
    claim = await asyncio.to_thread(store.claim_next, rt.session_factory, rt.worker_id)
    if claim is None:
        return None
    return await run_claim(rt, claim)


async def faq_job(arq_ctx: dict[str, Any], faq_id: int) -> str | None:
    """An arq job. A message says "work is waiting"; which row runs is decided by the database
    (highest priority first), so readers' clicks overtake queued background work."""
    rt: FaqRuntime = arq_ctx["faq_runtime"]
    return await _claim_and_run(rt)


async def faq_consumer(ctx: WorkerContext, stop: asyncio.Event) -> None:
    channels = channels_of(ctx)
    s = ctx.settings
    rt = FaqRuntime.build(s, ctx.session_factory, channels.bus, ctx.worker_id, ctx.arxiv)
    try:
        if channels.redis is None:
            await _consume_in_process(rt, channels, stop)
        else:
            await _consume_arq(rt, channels, stop)
    finally:
        await rt.aclose()


async def _consume_in_process(rt: FaqRuntime, channels: FaqChannels, stop: asyncio.Event) -> None:
    wakeup = channels.wakeup or asyncio.Event()
    running: set[asyncio.Task[str]] = set()
    backoff = Backoff()

    def finished(task: asyncio.Task[str]) -> None:
        running.discard(task)
        wakeup.set()  # a slot is free: look for more work

    try:
        while not stop.is_set():
            if len(running) < rt.settings.llm_concurrency:
                wakeup.clear()
                try:
                    claim = await asyncio.to_thread(store.claim_next, rt.session_factory, rt.worker_id)
                    backoff.succeeded()
                except TRANSIENT as exc:  # generations in flight go on; claiming waits for the database
                    pause = backoff.failed()
                    log.warning(
                        "FAQ consumer cannot claim work (%s); trying again in %.1f s", error_line(exc), pause
                    )
                    await _until_either_is_set(stop, stop, timeout=pause)
                    continue
                if claim is not None:
                    task = asyncio.create_task(run_claim(rt, claim))
                    running.add(task)
                    task.add_done_callback(finished)
                    continue
            await _until_either_is_set(wakeup, stop, timeout=min(1.0, rt.settings.faq_sweep_s))
        # Stopping: no new claims; what is being written may finish until the grace period ends
        # and the runner cancels this duty (the rows then go back to pending).
        if running:
            await asyncio.wait(set(running))
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)


async def _until_either_is_set(first: asyncio.Event, second: asyncio.Event, timeout: float) -> None:
    waiters = {asyncio.create_task(first.wait()), asyncio.create_task(second.wait())}
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def _consume_arq(rt: FaqRuntime, channels: FaqChannels, stop: asyncio.Event) -> None:
    assert channels.redis is not None
    s = rt.settings
    arq_worker = Worker(
        functions=[func(faq_job, name=JOB_FUNCTION)],  # type: ignore[arg-type]
        redis_pool=channels.redis,
        queue_name=f"{s.redis_prefix}:faq-queue",
        max_jobs=s.llm_concurrency,
        keep_result=0,  # the row is the result; no id stays blocked after a job ends
        job_timeout=max(600.0, s.llm_timeout_s * 10),
        max_tries=1000,  # retries are counted on the row, not by arq
        poll_delay=0.2,
        handle_signals=False,  # signals are the process's (worker/lifecycle.py); `stop` says when
        ctx={"faq_runtime": rt},
    )
    polling = asyncio.create_task(arq_worker.async_run(), name="arq")
    try:
        await until_done_or_stopped(polling, stop)
        if polling.done():
            polling.result()  # re-raise why it ended (e.g. Redis gone): the runner exits for a restart
        # Stopping: take no new job; the running ones may finish until the grace period ends and
        # the runner cancels this duty. Closing arq then cancels them, which hands their rows back
        # to pending, and leaves their messages queued for another worker.
        arq_worker.allow_pick_jobs = False
        while any(not job.done() for job in list(arq_worker.tasks.values())):
            await asyncio.sleep(0.1)
    finally:
        polling.cancel()
        await asyncio.wait({polling})
        with contextlib.suppress(Exception):
            await arq_worker.close()


async def sweep_once(ctx: WorkerContext) -> int:
    """Release rows of dead workers and (re)queue every due pending row; returns how many."""
    s = ctx.settings
    released = await asyncio.to_thread(
        store.release_stale, ctx.session_factory, stale_after(s), s.faq_max_attempts
    )
    if released:
        log.warning("released %d FAQ generation(s) of stopped workers", released)
    channels = channels_of(ctx)
    if channels.redis is None:
        if channels.wakeup is not None:
            channels.wakeup.set()
        return released
    rows = await asyncio.to_thread(store.due_pending_tags, ctx.session_factory, redeliver_after(s))
    for faq_id, tag in rows:
        await channels.queue.enqueue(faq_id, tag)
    return len(rows)


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
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)


async def pregenerate_once(ctx: WorkerContext) -> int:
    """Queue background FAQs, in every language, for papers announced in the last days; returns
    how many rows were queued. Caps: papers per UTC day, background tokens per UTC day, the site's
    daily budget (once readers are refused, background work stops too), and at most
    `llm_concurrency` papers waiting at once: tokens are counted only once spent, so queuing a
    whole day at once would pass the token cap before it could be noticed."""
    s, factory = ctx.settings, ctx.session_factory
    today = start_of_day()
    if s.faq_daily_token_budget:
        spent_by_all = await asyncio.to_thread(faq_budget.tokens_used_since, factory, today)
        if spent_by_all >= s.faq_daily_token_budget:
            return 0
    spent = await asyncio.to_thread(faq_budget.tokens_used_since, factory, today, store.BACKGROUND_PRIORITY)
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
        await sweep_once(ctx)
    return queued


async def faq_pregenerator(ctx: WorkerContext, stop: asyncio.Event) -> None:
    # Back soon after an outage, not a minute later.
    interval_s = max(60.0, ctx.settings.faq_sweep_s)
    await _every(stop, "FAQ pre-generation", lambda: pregenerate_once(ctx), interval_s, after_outage=min)
