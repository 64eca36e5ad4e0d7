"""The feed scheduler duty stops at once when the worker stops, even mid-request, and gives the
listing row back so the next start asks arXiv straight away instead of waiting out the lease."""

from __future__ import annotations

import asyncio
import socket

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.store.db import session_scope
from coolpapers.app.store.models import Listing
from coolpapers.worker.context import WorkerContext
from coolpapers.worker.scheduler import feed_scheduler
from tests.conftest import make_settings


def lease_of(factory: sessionmaker[Session], query: str) -> tuple[str | None, str | None]:
    with session_scope(factory) as s:
        row = s.scalars(select(Listing).where(Listing.query == query)).one_or_none()
        return (row.lease_owner, row.last_outcome) if row else (None, None)


def test_stop_mid_request_returns_at_once_and_releases_the_row(database_url: str) -> None:
    with socket.socket() as silent:  # accepts connections (kernel backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        settings = make_settings(database_url=database_url, arxiv_rss_url=url, categories="cs.CL",
                                 arxiv_min_interval_s=0)  # fmt: skip

        async def main() -> float:
            ctx = WorkerContext.build(settings)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            try:
                task = asyncio.create_task(feed_scheduler(ctx, stop))
                deadline = loop.time() + 10
                while lease_of(ctx.session_factory, "cs.CL")[0] is None:  # the request is in flight
                    assert loop.time() < deadline and not task.done(), "the feed was never requested"
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.2)
                started = loop.time()
                stop.set()
                await asyncio.wait_for(task, 5)
                return loop.time() - started
            finally:
                ctx.close()

        took = asyncio.run(main())
    assert took < 0.5, f"the scheduler took {took:.2f} s to stop"
    ctx = WorkerContext.build(settings)
    try:
        # Released, and nothing recorded as a failure: the row is simply due again.
        assert lease_of(ctx.session_factory, "cs.CL") == (None, None)
    finally:
        ctx.close()
