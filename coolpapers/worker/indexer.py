"""The search indexer duty: every few seconds, index the papers that changed in the database."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from coolpapers.app.search.writer import IndexUpdater, SyncResult
from coolpapers.app.store.db import error_line
from coolpapers.worker.context import WorkerContext, first_of
from coolpapers.worker.retry import TRANSIENT, Backoff

log = logging.getLogger("coolpapers.indexer")
# Any database error, not only an outage: a pass only reads, so trying again later is harmless.
RETRIED: tuple[type[BaseException], ...] = (SQLAlchemyError, *TRANSIENT)


async def run_indexer(ctx: WorkerContext, stop: asyncio.Event) -> None:
    directory = Path(ctx.settings.search_index_dir)
    # Opening takes the index's writer lock; a second writer fails here with a clear message.
    updater = await asyncio.to_thread(IndexUpdater, directory, ctx.session_factory)
    log.info("search index in %s, checking for changed papers every %ss", directory,
             ctx.settings.search_index_interval_s)  # fmt: skip
    # A pass runs in a thread, which cancelling cannot stop: it is asked to end after its batch.
    halt = threading.Event()
    watch = asyncio.create_task(stop.wait())
    watch.add_done_callback(lambda _: halt.set())
    running: asyncio.Future[SyncResult] | None = None
    backoff = Backoff()
    try:
        while not stop.is_set():
            running = asyncio.ensure_future(asyncio.to_thread(updater.sync, should_stop=halt.is_set))
            wait = ctx.settings.search_index_interval_s
            try:
                result = await asyncio.shield(running)
                backoff.succeeded()
                if result.indexed:
                    log.info("indexed %d papers in %.2fs", result.indexed, result.seconds)
            except RETRIED as exc:
                # The database being away (restarting) is not the index's fault: the pass is tried
                # again, less often while it fails, and commits what the failed one had indexed.
                wait = max(wait, backoff.failed())
                log.warning("search indexer cannot read the database (%s); trying again in %.1f s",
                            error_line(exc), wait)  # fmt: skip
            await first_of(stop.wait(), timeout=wait)
    finally:
        halt.set()
        watch.cancel()
        if running is not None and not running.done():
            await asyncio.wait({running})  # closing the writer under a running pass would break it
        await asyncio.to_thread(updater.close)
