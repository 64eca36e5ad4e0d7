"""The lookup duty: fetch the papers readers asked for that are not stored (app.ingest.lookup).

Woken by the doorbell when a page or the API records a lookup; otherwise it looks for due rows
(retries, rows of a killed worker) every FAQ_SWEEP_S. One batch at a time: arXiv's pace is the
limit anyway, and every call takes its turn from the instance's one budget.
"""

from __future__ import annotations

import asyncio
import logging

from coolpapers.app.ingest.lookup import perform_lookups
from coolpapers.app.queue.doorbell import LOOKUPS
from coolpapers.app.store.db import error_line
from coolpapers.worker.context import WorkerContext, first_of
from coolpapers.worker.retry import TRANSIENT, Backoff

log = logging.getLogger("coolpapers.worker.lookups")


async def lookup_worker(ctx: WorkerContext, stop: asyncio.Event) -> None:
    assert ctx.faq_channels is not None, "WorkerContext.build always sets the channels"
    s = ctx.settings
    backoff = Backoff()
    async with ctx.faq_channels.doorbell.listen(LOOKUPS) as bell:
        while not stop.is_set():
            try:
                claimed = await perform_lookups(ctx.session_factory, ctx.arxiv, s.arxiv_api_url,
                                                ctx.worker_id)  # fmt: skip
                backoff.succeeded()
            except TRANSIENT as exc:
                pause = backoff.failed()
                log.warning("lookups cannot reach the database (%s); trying again in %.1f s",
                            error_line(exc), pause)  # fmt: skip
                await first_of(stop.wait(), timeout=pause)
                continue
            if claimed:
                continue  # more may be waiting
            await first_of(bell.wait(s.faq_sweep_s), stop.wait())
