"""The worker process: runs its duties (scheduler, job consumers) side by side until told to stop.

Each duty is an async function that loops on its own; the runner only starts them,
restarts nothing silently, and stops them together. Duties hold no state between
ticks that is not in the database, so a killed worker resumes where it was.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.arxiv.client import ArxivClient
from app.db import make_engine, make_session_factory
from app.faq.channels import FaqChannels, build_channels
from app.settings import Settings

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


class DutyFailed(Exception):
    """A duty ended on its own; the process exits so its supervisor restarts it cleanly."""


async def run_worker(ctx: WorkerContext, stop: asyncio.Event, chosen: list[tuple[str, Duty]]) -> None:
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
    finally:
        stopper.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, stopper, return_exceptions=True)
        log.info("worker %s stopped", ctx.worker_id)
