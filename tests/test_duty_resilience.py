"""The feeds and search-indexer duties ride out a database that is locked or restarting: the
error is logged, the duty tries again after a growing pause, and the other duties run on (before,
such an error ended the whole worker and the FAQs it was writing)."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, make_url

from coolpapers.app.arxiv.client import ArxivClient
from coolpapers.app.arxiv.records import PaperRecord
from coolpapers.app.search.engine import IndexNotReady, SearchIndex
from coolpapers.app.settings import Settings
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.papers import store_papers
from coolpapers.app.store.stats import table_counts
from coolpapers.cli.supervisor import run_worker
from coolpapers.worker.context import Duty, WorkerContext
from coolpapers.worker.indexer import run_indexer
from coolpapers.worker.retry import Backoff
from coolpapers.worker.scheduler import feed_scheduler
from tests.conftest import make_settings
from tests.fake_arxiv.server import FakeArxiv
from tests.tcp_proxy import TcpProxy
from tests.test_import_concurrent import sqlite_write_lock


def context(settings: Settings, lock_timeout_s: float | None = None) -> WorkerContext:
    engine = make_engine(settings.database_url, lock_timeout_s=lock_timeout_s)
    return WorkerContext(settings, engine, make_session_factory(engine), ArxivClient(settings))


def retries(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == logger and "trying again in" in r.getMessage()
    ]


def pauses(messages: list[str]) -> list[float]:
    return [float(m.group(1)) for m in (re.search(r"trying again in ([\d.]+) s", s) for s in messages) if m]


async def until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


class Worker:
    """`run_worker` with the duty under test and a bystander, a duty that only waits for the
    stop: it records a normal end, which a failed duty would have taken from it (cancelled)."""

    def __init__(self, ctx: WorkerContext, name: str, duty: Duty) -> None:
        self.ctx, self.stop, self.ended = ctx, asyncio.Event(), list[str]()

        async def bystander(ctx: WorkerContext, stop: asyncio.Event) -> None:
            await stop.wait()
            self.ended.append("stopped")

        self.task = asyncio.create_task(run_worker(ctx, self.stop, [(name, duty), ("bystander", bystander)]))

    async def finish(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 15)  # raises DutyFailed had a duty ended on its own
        self.ctx.close()


def announcements(url: str) -> int:
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return table_counts(session)["announcements"]
    finally:
        engine.dispose()


@contextmanager
def proxied(url: str) -> Iterator[tuple[TcpProxy, str]]:
    """A PostgreSQL URL through a proxy that starts down; the caller brings it up and down."""
    real = make_url(url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    try:
        yield proxy, real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    finally:
        proxy.down()


def test_backoff_doubles_to_its_cap_and_starts_over_after_a_success() -> None:
    backoff = Backoff(first_s=1, max_s=8)
    waits = [backoff.failed() for _ in range(6)]
    for wait, expected in zip(waits, [1, 2, 4, 8, 8, 8], strict=True):
        assert expected * 0.9 <= wait <= expected * 1.1
    backoff.succeeded()
    assert backoff.failed() <= 1.1


def test_feeds_ride_out_a_sqlite_write_lock(
    sqlite_url: str, fake_arxiv: FakeArxiv, caplog: pytest.LogCaptureFixture
) -> None:
    """As while `coolpapers import` holds the write lock past the busy timeout (10 s; 0.5 s here)."""
    settings = make_settings(database_url=sqlite_url, categories="cs.CL", **fake_arxiv.settings_overrides())
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with sqlite_write_lock(sqlite_url):
            taken.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()

    async def main() -> None:
        worker = Worker(context(settings, lock_timeout_s=0.5), "feeds", feed_scheduler)
        try:
            await until(lambda: len(retries(caplog, "coolpapers.scheduler")) >= 2, "two failed passes")
            assert not worker.task.done() and announcements(sqlite_url) == 0
            release.set()
            await until(lambda: announcements(sqlite_url) > 0, "the day stored once the lock is gone")
        finally:
            release.set()
            await worker.finish()
        assert worker.ended == ["stopped"]

    try:
        assert taken.wait(10)
        with caplog.at_level(logging.WARNING):
            asyncio.run(main())
    finally:
        release.set()
        holder.join()
    failed = retries(caplog, "coolpapers.scheduler")
    assert "database is locked" in failed[0]
    assert pauses(failed)[1] > pauses(failed)[0]  # the pause grows while the lock is held


def test_feeds_ride_out_a_postgres_restart(
    pg_url: str, fake_arxiv: FakeArxiv, caplog: pytest.LogCaptureFixture
) -> None:
    with proxied(pg_url) as (proxy, url):  # down: PostgreSQL is restarting as the worker starts

        async def main() -> None:
            settings = make_settings(database_url=url, categories="cs.CL", **fake_arxiv.settings_overrides())
            worker = Worker(context(settings), "feeds", feed_scheduler)
            try:
                await until(lambda: len(retries(caplog, "coolpapers.scheduler")) >= 2, "two failed passes")
                assert not worker.task.done() and not fake_arxiv.requests
                proxy.up()
                await until(lambda: announcements(pg_url) > 0, "the day stored once PostgreSQL is back")
            finally:
                await worker.finish()
            assert worker.ended == ["stopped"]

        with caplog.at_level(logging.WARNING):
            asyncio.run(main())
    assert "database or Redis unavailable" in retries(caplog, "coolpapers.scheduler")[0]


def paper(arxiv_id: str, title: str) -> PaperRecord:
    return PaperRecord(arxiv_id=arxiv_id, title=title, authors=("Ada Lovelace",), abstract="An abstract.",
                       categories=("cs.CL",))  # fmt: skip


def found(index: SearchIndex, query: str) -> list[str]:
    try:
        return [hit.arxiv_id for hit in index.search(query).hits]
    except IndexNotReady:
        return []


def test_indexer_rides_out_a_postgres_restart(
    pg_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = make_engine(pg_url)  # the app storing papers, straight to the database
    store = make_session_factory(writer)
    with session_scope(store) as session:
        store_papers(session, [paper("2606.90001", "Quokka attention")])
    directory = tmp_path / "index"
    reader = SearchIndex(directory)
    with proxied(pg_url) as (proxy, url):
        proxy.up()

        async def main() -> None:
            settings = make_settings(database_url=url, search_index_dir=str(directory),
                                     search_index_interval_s=0.1)  # fmt: skip
            worker = Worker(context(settings), "search-indexer", run_indexer)
            try:
                await until(lambda: found(reader, "quokka") == ["2606.90001"], "the first paper indexed")
                proxy.down()  # the indexer's pooled connections are cut, new ones refused
                with session_scope(store) as session:
                    store_papers(session, [paper("2606.90002", "Wombat diffusion")])
                await until(lambda: len(retries(caplog, "coolpapers.indexer")) >= 2, "two failed passes")
                assert not worker.task.done() and found(reader, "wombat") == []
                proxy.up()
                await until(lambda: found(reader, "wombat") == ["2606.90002"], "the paper stored meanwhile")
            finally:
                await worker.finish()
            assert worker.ended == ["stopped"]

        run_logged(main, caplog, writer)
    assert_backing_off(caplog, "coolpapers.indexer")


def run_logged(main: Callable[[], Coroutine[Any, Any, None]], caplog: pytest.LogCaptureFixture,
               engine: Engine) -> None:  # fmt: skip
    """Run the test's event loop with warnings captured; `engine` (the test's own) is closed after."""
    try:
        with caplog.at_level(logging.WARNING):
            asyncio.run(main())
    finally:
        engine.dispose()


def assert_backing_off(caplog: pytest.LogCaptureFixture, logger: str) -> None:
    failed = retries(caplog, logger)
    assert pauses(failed)[1] > pauses(failed)[0]  # the pause grew while the outage lasted
