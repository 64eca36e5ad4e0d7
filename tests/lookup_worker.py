"""An app with the lookup duty beside it on the same event loop, as `serve --with-worker` runs
them: pages and the API ask, the worker fetches from the fake arXiv."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from coolpapers.app.queue.channels import build_channels
from coolpapers.app.settings import Settings
from coolpapers.app.web.app import create_app
from coolpapers.worker.context import WorkerContext
from coolpapers.worker.lookups import lookup_worker


def app_with_lookups(settings: Settings) -> FastAPI:
    """`app.state.lookup_ctx` is the worker's context (e.g. to make its arXiv client retry fast)."""
    channels = build_channels(settings)
    app = create_app(settings, channels)
    ctx = WorkerContext.build(settings, channels)
    ctx.arxiv.backoff_base_s = 0.01
    app.state.lookup_ctx = ctx
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        stop = asyncio.Event()
        duty = asyncio.create_task(lookup_worker(ctx, stop))
        try:
            async with inner(a) as state:
                yield state
        finally:
            stop.set()
            await duty
            await ctx.arxiv.aclose()
            ctx.close()
            await channels.aclose()

    app.router.lifespan_context = lifespan
    return app


def when_landed(client: TestClient, url: str, timeout_s: float = 30.0, **kw: Any) -> httpx.Response:
    """GET `url` until it stops answering 202 (the worker has fetched the paper, or found none)."""
    deadline = time.monotonic() + timeout_s
    while True:
        resp = client.get(url, **kw)
        if resp.status_code != 202:
            return resp
        assert resp.headers["retry-after"].isdigit()
        assert time.monotonic() < deadline, f"{url} still 202 after {timeout_s} s"
        time.sleep(0.05)
