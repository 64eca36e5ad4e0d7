"""What every duty is given and shares: the worker's context, the shape of a duty, and the one way
duties wait for their work or the stop signal.

A duty is an async function that loops on its own until `stop` is set. Duties hold no state
between ticks that is not in the database, so a killed worker resumes where it was. The process
that runs them side by side lives in coolpapers/cli/supervisor.py.
"""

from __future__ import annotations

import asyncio
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
from coolpapers.app.store.arxiv_pacing import instance_pacer
from coolpapers.app.store.db import make_engine, make_session_factory


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
        client = arxiv or ArxivClient(settings, pacer=instance_pacer(settings, engine))
        return cls(settings, engine, make_session_factory(engine), client, faq_channels=channels)

    def close(self) -> None:
        self.engine.dispose()


Duty = Callable[[WorkerContext, asyncio.Event], Coroutine[Any, Any, None]]


async def first_of(
    *waits: Coroutine[Any, Any, object], timeout: float | None = None, also: asyncio.Future[Any] | None = None
) -> None:
    """The one way duties wait: until one of `waits` (say, `stop.wait()`) or the task `also` ends,
    or `timeout`. The `waits` are cancelled afterwards; `also` is left as it is (a pub/sub read
    cancelled midway would drop its connection; a feeds pass is the caller's to cancel)."""
    tasks = {asyncio.ensure_future(w) for w in waits}
    try:
        await asyncio.wait(tasks | ({also} if also else set()), timeout=timeout,
                           return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
