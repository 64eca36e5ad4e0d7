"""`coolpapers serve` in one process: the web server, and with `--with-worker` the worker beside it
in the same event loop, stopped together by cli/signals.py."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable, Generator

import uvicorn

from coolpapers.app.arxiv.client import ArxivClient
from coolpapers.app.queue.channels import FaqChannels, build_channels
from coolpapers.app.settings import Settings
from coolpapers.app.store.arxiv_pacing import instance_pacer
from coolpapers.app.store.db import make_engine
from coolpapers.app.web.app import create_app
from coolpapers.app.web.state import AppState
from coolpapers.cli.signals import Shutdown


class SignalFreeServer(uvicorn.Server):
    """uvicorn without its own signal handlers. Ours stop the web server and the worker at the same
    moment; uvicorn's would stop only the server, and once it had stopped raise the caught SIGTERM
    again with its default action, killing the process before the worker could hand its work back."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def serve_in_process(settings: Settings, shutdown: Shutdown, *, with_worker: bool) -> None:
    # One set of FAQ channels and one arXiv client for both halves of an embedded process; its
    # turns are the instance's (shared with `coolpapers fetch` & co. through Redis or the database).
    channels = build_channels(settings)
    pacer_engine = make_engine(settings.database_url, pool_size=1)
    arxiv = ArxivClient(settings, pacer=instance_pacer(settings, pacer_engine)) if with_worker else None
    app = create_app(settings, channels, freeze_gc=True)
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level=settings.log_level,
        proxy_headers=bool(settings.trusted_proxies), forwarded_allow_ips=settings.forwarded_allow_ips,
        # Open FAQ streams end by themselves within a second of a stop (AppState.stopping); a
        # response still open after the grace period is cut.
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_s) + 1,
    )  # fmt: skip
    server = SignalFreeServer(config)
    state: AppState = app.state.core

    def stop_serving() -> None:
        state.stopping.set()
        server.should_exit = True

    try:
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(_serve(server, settings, shutdown, stop_serving, channels, arxiv))
    finally:
        pacer_engine.dispose()


async def _serve(
    server: uvicorn.Server, settings: Settings, shutdown: Shutdown, stop_serving: Callable[[], None],
    channels: FaqChannels, arxiv: ArxivClient | None,
) -> None:  # fmt: skip
    from coolpapers.cli.supervisor import supervise_worker
    from coolpapers.worker.context import WorkerContext
    from coolpapers.worker.duties import duties_for

    stop = asyncio.Event()
    shutdown.attach(asyncio.get_running_loop(), stop.set, stop_serving)
    ctx = WorkerContext.build(settings, channels, arxiv) if arxiv is not None else None
    worker_task = asyncio.create_task(supervise_worker(ctx, stop, duties_for(settings))) if ctx else None
    try:
        await server.serve()
    finally:
        stop.set()
        shutdown.arm()
        if worker_task is not None and ctx is not None:
            try:
                await worker_task
            finally:
                ctx.close()
        await channels.aclose()
