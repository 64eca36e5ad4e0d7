"""The feed scheduler duty: follow arXiv's rhythm, waking when the next feed row is due.

It keeps no state of its own: every tick asks the rows what is due (a new row is due at
once, so a first start with an empty database fetches straight away), fetches it through
`refresh_feeds`, then sleeps until the earliest `next_check_at`. A pass that fails (the
database locked or restarting) is tried again after a pause that doubles while it keeps failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from coolpapers.app.arxiv.feedplan import base_queries
from coolpapers.app.ingest.refresh import effective_queries, refresh_feeds
from coolpapers.app.store.db import error_line, session_scope
from coolpapers.app.store.feeds import earliest_next_check
from coolpapers.app.store.models import utcnow
from coolpapers.worker.context import WorkerContext, first_of
from coolpapers.worker.retry import TRANSIENT, Backoff

log = logging.getLogger("coolpapers.scheduler")
MAX_SLEEP_S = 300.0  # re-read the rows now and then: another worker may have changed them
MIN_SLEEP_S = 1.0


async def feed_scheduler(ctx: WorkerContext, stop: asyncio.Event) -> None:
    try:
        await _run(ctx, stop)
    finally:
        await ctx.arxiv.aclose()


async def _run(ctx: WorkerContext, stop: asyncio.Event) -> None:
    backoff = Backoff()
    while not stop.is_set():
        tick = asyncio.create_task(_tick(ctx))
        await first_of(stop.wait(), also=tick)
        if not tick.done():
            # Stopping: a pass waits on arXiv for seconds to minutes (pauses between requests,
            # backoff), and nothing in it needs finishing. A feed being stored completes in its
            # thread; one being fetched gives its row back and is asked again at the next start.
            tick.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await tick
            return
        try:
            wait = tick.result()
        except TRANSIENT as exc:
            wait = backoff.failed()
            log.warning(
                "feeds: database or Redis unavailable (%s); trying again in %.1f s", error_line(exc), wait
            )
        except Exception:  # a bug in one pass must not end the schedule; the rows say what is left
            wait = backoff.failed()
            log.exception("feed refresh failed; trying again in %.1f s", wait)
        else:
            backoff.succeeded()
        await _sleep(stop, wait)


async def _tick(ctx: WorkerContext) -> float:
    """One pass over the due feeds, then how long to sleep until the next is due."""
    await _refresh_due(ctx)
    # In a thread: with the database locked this waits out the busy timeout, and the event loop
    # (the web server's too, in `serve --with-worker`) must keep going meanwhile.
    return await asyncio.to_thread(seconds_until_due, ctx)


async def _refresh_due(ctx: WorkerContext) -> None:
    settings = ctx.settings
    reports = await refresh_feeds(
        ctx.session_factory, ctx.arxiv, settings.arxiv_rss_url, settings.categories,
        owner=ctx.worker_id,
    )  # fmt: skip
    for r in reports:
        log.info("feed %s: %s %s (%d items, %d listed)", r.query, r.outcome, r.date or "",
                 r.items, r.announcements_added)  # fmt: skip


def seconds_until_due(ctx: WorkerContext) -> float:
    with session_scope(ctx.session_factory) as session:
        queries = effective_queries(session, base_queries(ctx.settings.categories))
        due = earliest_next_check(session, queries)
    if due is None:
        return MAX_SLEEP_S
    return max(MIN_SLEEP_S, min(MAX_SLEEP_S, (due - utcnow()).total_seconds()))


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    await first_of(stop.wait(), timeout=seconds)
