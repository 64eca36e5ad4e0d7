"""Whose turn it is to send the next request to arXiv, and when.

arXiv's limit holds per instance, not per process: the web workers, the worker, a
`coolpapers fetch` beside them all share one budget. A turn is exclusive and spaced:
whoever holds it sends one request; `ARXIV_MIN_INTERVAL_S` counts from the moment that
request ended (its answer, or its failure), so a slow connection set-up or a slow answer
can never squeeze two requests closer together at arXiv's end.

`LocalPacer` keeps that within one process. `SharedPacer` keeps it across processes through
a `SlotBook` (Redis in `pacing_redis`, the database in `coolpapers.app.store.arxiv_pacing`):
a turn is a lease that the holder renews while its request runs, so a holder that dies
blocks the others for at most `hold_s`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# The shortest pause between two looks at a busy slot book: keeps polling cheap when the
# interval is tiny, and is well under any interval worth configuring.
MIN_POLL_S = 0.02
DEFAULT_HOLD_S = 15.0


class PacerUnavailable(Exception):
    """The shared slot book (Redis or the database) could not be reached."""


class Pacer(Protocol):
    def turn(self) -> AbstractAsyncContextManager[None]:
        """Wait for this process's turn; hold it while one request runs."""
        ...


class SlotBook(Protocol):
    """One instance-wide slot, kept where every process sees it, on that store's own clock.

    `try_take` returns 0 when the turn was taken for `token` (for `hold_s` seconds), else the
    seconds to wait before asking again. `renew` extends the lease and says whether `token`
    still holds it. `give_back` ends the turn: the next may start `interval_s` from now."""

    def try_take(self, token: str, interval_s: float, hold_s: float) -> float: ...
    def renew(self, token: str, hold_s: float) -> bool: ...
    def give_back(self, token: str, interval_s: float) -> None: ...


# ---------------------------------------------------------------- the arithmetic, shared by
# every slot book (the Redis script and the database statements say the same in their terms)


def wait_for_turn(now: float, next_at: float, held_until: float | None, interval_s: float) -> float:
    """Seconds to wait before asking for the slot again; 0 means it is free now."""
    if held_until is not None and held_until > now:
        # Held: the earliest next turn is `interval_s` after its release, which is later than
        # now; an expired lease (a holder that died) frees the slot at `held_until` at the latest.
        return max(MIN_POLL_S, min(interval_s, held_until - now))
    return max(0.0, next_at - now)


def next_after_release(now: float, next_at: float, interval_s: float) -> float:
    """When the slot may next be taken once a request has ended at `now`."""
    return max(next_at, now + interval_s)


# ---------------------------------------------------------------- pacers


class LocalPacer:
    """Spacing within this process only: for a database no other process can open (SQLite in
    memory) and for a client built on its own (tests, tools)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._next_at = 0.0

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        wait = wait_for_turn(time.monotonic(), self._next_at, None, self.interval_s)
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            yield
        finally:
            self._next_at = next_after_release(time.monotonic(), self._next_at, self.interval_s)


class SharedPacer:
    """Turns taken from an instance-wide `SlotBook`. The book is called in a thread: the Redis
    and database clients used are blocking, and a turn is taken at most every few seconds."""

    def __init__(self, book: SlotBook, interval_s: float, hold_s: float = DEFAULT_HOLD_S) -> None:
        self.book = book
        self.interval_s = interval_s
        self.hold_s = hold_s

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        token = uuid.uuid4().hex
        await self._take(token)
        keeper = asyncio.create_task(self._keep(token))
        try:
            yield
        finally:
            keeper.cancel()
            await self._give_back(token)

    async def _take(self, token: str) -> None:
        try:
            while True:
                wait = await self._call(self.book.try_take, token, self.interval_s, self.hold_s)
                if wait <= 0:
                    return
                await asyncio.sleep(wait)
        except asyncio.CancelledError:
            # The thread may have taken the slot just as we were cancelled: hand it back
            # rather than leave it to expire.
            await asyncio.shield(self._give_back(token))
            raise

    async def _keep(self, token: str) -> None:
        """Renew the lease while a long request (a big PDF) runs."""
        while True:
            await asyncio.sleep(self.hold_s / 3)
            try:
                held = await self._call(self.book.renew, token, self.hold_s)
            except PacerUnavailable as exc:
                log.warning("could not renew the arXiv turn: %s", exc)
                continue
            if not held:
                log.warning("the arXiv turn expired during a request (hold %.0f s)", self.hold_s)
                return

    async def _give_back(self, token: str) -> None:
        try:
            await self._call(self.book.give_back, token, self.interval_s)
        except PacerUnavailable as exc:  # the lease expires by itself
            log.warning("could not hand back the arXiv turn: %s", exc)

    @staticmethod
    async def _call(fn: Callable[..., T], *args: object) -> T:
        try:
            return await asyncio.to_thread(fn, *args)
        except PacerUnavailable:
            raise
        except Exception as exc:  # the store's own errors: connection lost, timeouts
            raise PacerUnavailable(f"{type(exc).__name__}: {exc}") from exc
