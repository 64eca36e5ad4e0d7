"""FAQ test helpers: papers in the database, the web app with its embedded worker on a real port
(as `serve --with-worker`), and reading event streams."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from coolpapers.app.arxiv.records import PaperRecord
from coolpapers.app.queue.channels import build_channels
from coolpapers.app.settings import Settings
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.papers import store_papers
from coolpapers.app.web.app import create_app
from coolpapers.cli.supervisor import run_worker
from coolpapers.worker.context import WorkerContext
from coolpapers.worker.duties import duties_for
from tests.conftest import make_settings


def faq_settings(database_url: str, llm_url: str = "", pdf_url: str = "", **overrides: Any) -> Settings:
    """Settings with small timeouts and backoffs so fault tests stay fast."""
    values: dict[str, Any] = {
        "database_url": database_url, "llm_base_url": llm_url, "llm_model": "fake-1" if llm_url else "",
        "arxiv_pdf_url": pdf_url or "http://127.0.0.1:9/pdf", "arxiv_min_interval_s": 0,
        "faq_full_text": bool(pdf_url), "faq_retry_base_s": 0.05, "faq_retry_max_s": 0.2,
        "faq_heartbeat_s": 0.3, "faq_sweep_s": 0.3, "llm_timeout_s": 1.0, "faq_keepalive_s": 15,
    }  # fmt: skip
    values.update(overrides)
    return make_settings(**values)


def add_papers(database_url: str, count: int, start: int = 1) -> list[str]:
    """Store `count` papers with ids 2406.0NNNN; returns their ids."""
    ids = [f"2406.{n:05d}" for n in range(start, start + count)]
    records = [
        PaperRecord(
            arxiv_id=i,
            title=f"Paper {i}",
            authors=("A. Author", "B. Author"),
            abstract=f"We study problem {i}.",
            categories=("cs.LG",),
        )
        for i in ids
    ]
    engine = make_engine(database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            store_papers(session, records)
    finally:
        engine.dispose()
    return ids


@dataclass
class LiveApp:
    """The web app (and, unless told otherwise, its embedded worker) in one event loop on a thread."""

    settings: Settings
    with_worker: bool = True
    # The FAQ duties only by default: the feed scheduler would reach for arXiv, which tests never do.
    duty_groups: frozenset[str] = frozenset({"faq"})

    def __post_init__(self) -> None:
        self.ready = threading.Event()
        self.app: Any = None
        self.server: uvicorn.Server | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop_event: asyncio.Event | None = None
        self.port = 0
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        channels = build_channels(self.settings)
        app = create_app(self.settings, channels)
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        self.loop = asyncio.get_running_loop()
        self.stop_event = asyncio.Event()
        ctx = WorkerContext.build(self.settings, channels)
        tasks = [asyncio.create_task(self.server.serve())]
        if self.with_worker:
            faq_duties = duties_for(self.settings, self.duty_groups)
            tasks.append(asyncio.create_task(run_worker(ctx, self.stop_event, faq_duties)))
        while not self.server.started:
            await asyncio.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        self.ready.set()
        try:
            await asyncio.gather(*tasks)
        finally:
            ctx.close()
            await channels.aclose()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveApp:
        self.thread.start()
        assert self.ready.wait(15), "app did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None and self.loop is not None and self.stop_event is not None
        self.server.should_exit = True
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(timeout=10)


def read_stream(url: str, timeout: float = 30.0) -> list[tuple[str, Any]]:
    """Follow an FAQ event stream to its end; returns (event, data) pairs (comments as ':')."""
    events: list[tuple[str, Any]] = []
    with httpx.stream("GET", url, timeout=timeout) as resp:
        assert resp.status_code == 200, resp.read()
        assert resp.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in resp.iter_lines():
            if line.startswith(":"):
                events.append((":", line))
            elif line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name:
                events.append((name, json.loads(line[6:])))
                if name in ("done", "error"):
                    return events
    return events


def streamed_text(events: list[tuple[str, Any]]) -> str:
    text = ""
    for name, data in events:
        if name == "text":
            text = data["text"] if data.get("replace") else text + data["text"]
    return text


def wait_for(
    check: Callable[[], bool], timeout: float = 30.0, what: str | Callable[[], str] = "condition"
) -> None:
    """Poll `check`; on timeout fail naming `what` (a callable is asked only then, for diagnostics)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")
        time.sleep(0.05)
