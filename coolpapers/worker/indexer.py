"""The search indexer duty: every few seconds, index the papers that changed in the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from coolpapers.app.search.writer import IndexUpdater, SyncResult
from coolpapers.worker.context import WorkerContext

log = logging.getLogger("coolpapers.indexer")


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
    try:
        while not stop.is_set():
            running = asyncio.ensure_future(asyncio.to_thread(updater.sync, should_stop=halt.is_set))
            try:
                result = await asyncio.shield(running)
                if result.indexed:
                    log.info("indexed %d papers in %.2fs", result.indexed, result.seconds)
            except SQLAlchemyError as exc:
                # The database being briefly away is not the index's fault: try again next tick.
                log.warning("search indexer cannot read the database: %s", str(exc).splitlines()[0])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=ctx.settings.search_index_interval_s)
    finally:
        halt.set()
        watch.cancel()
        if running is not None and not running.done():
            await asyncio.wait({running})  # closing the writer under a running pass would break it
        await asyncio.to_thread(updater.close)
