"""The worker process: runs its duties (scheduler, job consumers) side by side until told to stop.

Each duty is an async function that loops on its own; the runner only starts them,
restarts nothing silently (`coolpapers worker` exits for its supervisor; the embedded worker of
`serve --with-worker` restarts itself, logged), and stops them together. Duties hold no state
between ticks that is not in the database, so a killed worker resumes where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.client import ArxivClient
from coolpapers.app.queue.channels import FaqChannels, build_channels
from coolpapers.app.settings import Settings
from coolpapers.app.store.db import make_engine, make_session_factory

log = logging.getLogger("coolpapers.worker")


@dataclass
class WorkerContext:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    arxiv: ArxivClient  # the process's one polite connection to arXiv (feeds, API, PDFs)
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    # Shared with the web app in embedded `serve --with-worker` (same queue and streams objects).
    faq_channels: FaqChannels | None = None

    @classmethod
    def build(
        cls, settings: Settings, faq_channels: FaqChannels | None = None, arxiv: ArxivClient | None = None
    ) -> WorkerContext:
        """`faq_channels` and `arxiv` are shared with the web app when both run in one process."""
        engine = make_engine(settings.database_url, pool_size=max(4, settings.llm_concurrency + 2))
        channels = faq_channels or build_channels(settings)
        client = arxiv or ArxivClient(settings)
        return cls(settings, engine, make_session_factory(engine), client, faq_channels=channels)

    def close(self) -> None:
        self.engine.dispose()


Duty = Callable[[WorkerContext, asyncio.Event], Coroutine[Any, Any, None]]

# How long cancelled duties get to hand back their work (FAQ rows go back to pending) once the
# grace period is over; what is still running then is left to the process's exit.
CANCEL_WAIT_S = 2.0


class DutyFailed(Exception):
    """A duty ended on its own; the process exits so its supervisor restarts it cleanly."""


async def run_worker(ctx: WorkerContext, stop: asyncio.Event, chosen: list[tuple[str, Duty]]) -> None:
    """Run the duties until `stop` is set. Each duty sees `stop` and winds down by itself (FAQs
    being written may finish, the indexer ends its batch); after COOLPAPERS_SHUTDOWN_GRACE_S what
    is still running is cancelled."""
    log.info("worker %s starting: %s", ctx.worker_id, ", ".join(n for n, _ in chosen) or "no duties")
    tasks: set[asyncio.Task[Any]] = {asyncio.create_task(duty(ctx, stop), name=name) for name, duty in chosen}
    stopper = asyncio.create_task(stop.wait(), name="stop")
    try:
        done, _ = await asyncio.wait({*tasks, stopper}, return_when=asyncio.FIRST_COMPLETED)
        failed = [t for t in done if t is not stopper and not stop.is_set()]
        if failed:
            task = failed[0]
            exc = task.exception()
            raise DutyFailed(f"duty {task.get_name()} ended unexpectedly: {exc!r}") from exc
        await _let_finish(tasks, ctx.settings.shutdown_grace_s)
    finally:
        await _cancel({*tasks, stopper})
        log.info("worker %s stopped", ctx.worker_id)


def _names(tasks: set[asyncio.Task[Any]]) -> str:
    return ", ".join(sorted(t.get_name() for t in tasks))


async def _let_finish(tasks: set[asyncio.Task[Any]], grace_s: float) -> None:
    busy = {t for t in tasks if not t.done()}
    if busy and grace_s > 0:
        _, busy = await asyncio.wait(busy, timeout=grace_s)
    if busy:
        log.warning("still busy after the %g s grace period, cancelling: %s", grace_s, _names(busy))


async def _cancel(tasks: set[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    busy = {t for t in tasks if not t.done()}
    if busy:
        _, busy = await asyncio.wait(busy, timeout=CANCEL_WAIT_S)
    if busy:
        log.error("did not stop within %g s of being cancelled: %s", CANCEL_WAIT_S, _names(busy))
    for task in tasks - busy:
        if not task.cancelled() and task.exception() is not None:
            log.warning("duty %s ended with an error: %r", task.get_name(), task.exception())


async def until_done_or_stopped(task: asyncio.Future[Any], stop: asyncio.Event) -> None:
    """Wait until `task` ends or `stop` is set, whichever comes first; `task` is left as it is."""
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()


# Embedded mode has no supervisor to restart the process, so the worker half restarts itself.
RESTART_FIRST_S, RESTART_MAX_S = 5.0, 300.0


async def supervise_worker(
    ctx: WorkerContext,
    stop: asyncio.Event,
    chosen: list[tuple[str, Duty]],
    first_delay_s: float = RESTART_FIRST_S,
) -> None:
    """`run_worker`, started again after a failed duty (with a doubling pause) until `stop`: in
    `serve --with-worker` the web server keeps serving, and without this a duty that ended (Redis
    gone, a bug) would leave the site quietly fetching nothing and writing no FAQ until a restart."""
    delay = first_delay_s
    while not stop.is_set():
        try:
            await run_worker(ctx, stop, chosen)
            return
        except DutyFailed as exc:
            log.error("%s; restarting the worker in %g s", exc, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, RESTART_MAX_S)
