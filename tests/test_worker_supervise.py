"""The embedded worker (`serve --with-worker`) restarts after a failed duty, logged, instead of
leaving the web server running beside a worker that quietly does nothing."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest

from coolpapers.cli.supervisor import DutyFailed, run_worker, supervise_worker
from coolpapers.worker.context import WorkerContext
from tests.conftest import make_settings


def test_a_failed_duty_restarts_the_worker_until_stopped(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    starts: list[float] = []
    ended_by_stop: list[int] = []

    async def flaky(ctx: WorkerContext, stop: asyncio.Event) -> None:
        starts.append(asyncio.get_running_loop().time())
        if len(starts) <= 2:
            raise RuntimeError(f"failure {len(starts)}")
        await stop.wait()  # the third start keeps running until stopped
        ended_by_stop.append(len(starts))

    async def main() -> None:
        ctx = WorkerContext.build(make_settings(database_url=database_url, shutdown_grace_s=0.5))
        stop = asyncio.Event()
        try:
            task = asyncio.create_task(supervise_worker(ctx, stop, [("flaky", flaky)], first_delay_s=0.1))
            while len(starts) < 3:
                await asyncio.sleep(0.02)
            assert not task.done()  # running, not given up
            stop.set()
            await asyncio.wait_for(task, 5)
        finally:
            await ctx.arxiv.aclose()
            ctx.close()

    with caplog.at_level(logging.ERROR, logger="coolpapers.worker"):
        asyncio.run(main())
    assert len(starts) == 3 and ended_by_stop == [3]  # the third run ended by the stop, not again
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2 and "duty flaky ended unexpectedly" in errors[0] and "failure 1" in errors[0]
    # The pause doubles, as announced, and each was really waited (at least; a loaded machine adds).
    assert errors[0].endswith("restarting the worker in 0.1 s") and errors[1].endswith("in 0.2 s")
    pauses = [b - a for a, b in itertools.pairwise(starts)]
    assert pauses[0] >= 0.1 and pauses[1] >= 0.2


def test_the_standalone_worker_reports_a_failed_duty(database_url: str) -> None:
    async def broken(ctx: WorkerContext, stop: asyncio.Event) -> None:
        raise RuntimeError("boom")

    async def main() -> None:
        ctx = WorkerContext.build(make_settings(database_url=database_url))
        try:
            with pytest.raises(DutyFailed, match="duty broken ended unexpectedly"):
                await run_worker(ctx, asyncio.Event(), [("broken", broken)])
        finally:
            await ctx.arxiv.aclose()
            ctx.close()

    asyncio.run(main())
