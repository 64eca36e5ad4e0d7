"""The worker process: runs its duties (coolpapers/worker/) side by side until told to stop.

The supervisor only starts them, restarts nothing silently (`coolpapers worker` exits for its
own supervisor; the embedded worker of `serve --with-worker` restarts itself, logged), and stops
them together. A duty rides out transient failures itself (logged, retried with backoff); one
that still ends on its own is a bug or a lasting outage, and ends the whole process.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from coolpapers.worker.context import Duty, WorkerContext, first_of

log = logging.getLogger("coolpapers.worker")

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


# Embedded mode has no supervisor to restart the process, so the worker half restarts itself.
RESTART_FIRST_S, RESTART_MAX_S = 5.0, 300.0


async def supervise_worker(
    ctx: WorkerContext,
    stop: asyncio.Event,
    chosen: list[tuple[str, Duty]],
    first_delay_s: float = RESTART_FIRST_S,
) -> None:
    """`run_worker`, started again after a failed duty (with a doubling pause) until `stop`: in
    `serve --with-worker` the web server keeps serving, and without this a duty that ended (a bug,
    an outage outlasting its retries) would leave the site quietly fetching nothing and writing no
    FAQ until a restart."""
    delay = first_delay_s
    while not stop.is_set():
        try:
            await run_worker(ctx, stop, chosen)
            return
        except DutyFailed as exc:
            log.error("%s; restarting the worker in %g s", exc, delay)
        await first_of(stop.wait(), timeout=delay)
        delay = min(delay * 2, RESTART_MAX_S)
