"""The feed scheduler duty stops at once when the worker stops, even mid-request, and gives the
listing row back so the next start asks arXiv straight away instead of waiting out the lease."""

from __future__ import annotations

import asyncio
import socket
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.store.db import session_scope
from coolpapers.app.store.models import ArxivFeed
from coolpapers.worker.context import WorkerContext
from coolpapers.worker.scheduler import feed_scheduler
from tests.conftest import make_settings


def lease_of(factory: sessionmaker[Session], query: str) -> tuple[str | None, str | None]:
    with session_scope(factory) as s:
        row = s.scalars(select(ArxivFeed).where(ArxivFeed.query == query)).one_or_none()
        return (row.lease_owner, row.last_outcome) if row else (None, None)


def test_stop_mid_request_returns_at_once_and_releases_the_row(database_url: str) -> None:
    with socket.socket() as silent:  # reads the request, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        asked = threading.Event()
        held: list[socket.socket] = []

        def read_request() -> None:
            conn, _ = silent.accept()
            held.append(conn)
            received = b""
            while b"\r\n\r\n" not in received and (data := conn.recv(4096)):
                received += data
            asked.set()

        threading.Thread(target=read_request, daemon=True).start()
        settings = make_settings(database_url=database_url, arxiv_rss_url=url, categories="cs.CL",
                                 arxiv_min_interval_s=0)  # fmt: skip

        async def main() -> None:
            ctx = WorkerContext.build(settings)
            stop = asyncio.Event()
            try:
                task = asyncio.create_task(feed_scheduler(ctx, stop))
                while not asked.is_set():  # the request is in flight, sent whole
                    assert not task.done(), "the scheduler ended before asking arXiv"
                    await asyncio.sleep(0.02)
                stop.set()
                # A hang guard: a request waited out would take the client's 30 s timeout, and the
                # row below tells the two apart anyway (a timeout is recorded as an error).
                await asyncio.wait_for(task, 20)
            finally:
                ctx.close()

        asyncio.run(main())
        for conn in held:
            conn.close()
    ctx = WorkerContext.build(settings)
    try:
        # Released, and nothing recorded as a failure (a timeout would be): the row is simply due again.
        assert lease_of(ctx.session_factory, "cs.CL") == (None, None)
    finally:
        ctx.close()
