"""How the long-running commands (`worker`, `serve`) stop when told to.

A supervisor stops a process with SIGTERM and kills it a little later (docker compose: after
10 s). So the first SIGTERM or SIGINT asks the process to stop (callbacks run in its event loop:
the worker's stop event is set, the web server stops listening), in-flight work gets
COOLPAPERS_SHUTDOWN_GRACE_S to finish before it is cancelled, and a watchdog ends the process if
stopping still overruns that by STOP_MARGIN_S. The watchdog is needed because work running in a
thread (a database call that gets no answer, a large PDF being read) cannot be cancelled, and
Python waits for such threads before it exits. A second signal exits at once.

The handlers are process-wide (`signal.signal`) rather than an event loop's: they hold before the
loop starts and after it has closed, when a loop's handlers would be gone and SIGTERM would get
the default action, which a container's PID 1 does not even have.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from coolpapers.cli.supervisor import CANCEL_WAIT_S

log = logging.getLogger("coolpapers.shutdown")

# After the grace period: cancelled work hands its rows back, connections close.
STOP_MARGIN_S = CANCEL_WAIT_S + 1.0
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Shutdown:
    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self.bound_s = grace_s + STOP_MARGIN_S
        self.requested = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._callbacks: list[Callable[[], None]] = []
        self._watchdog: threading.Timer | None = None

    def install(self) -> None:
        """Take over SIGINT and SIGTERM for the rest of the process's life."""
        for sig in SIGNALS:
            signal.signal(sig, self._handle)

    def attach(self, loop: asyncio.AbstractEventLoop, *callbacks: Callable[[], None]) -> None:
        """Run `callbacks` in `loop` when a stop is asked for."""
        self._loop = loop
        self._callbacks.extend(callbacks)

    def arm(self) -> None:
        """Start the watchdog (once): from now on the process ends within `bound_s`."""
        if self._watchdog is None:
            self._watchdog = threading.Timer(self.bound_s, self._overrun)
            self._watchdog.daemon = True
            self._watchdog.start()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.requested:
            sys.stderr.write(f"second {name}: exiting at once\n")
            sys.stderr.flush()
            os._exit(128 + signum)
        self.requested = True
        loop = self._loop
        if loop is None:  # still starting: there is no work to wind down
            raise SystemExit(128 + signum)
        self.arm()
        with contextlib.suppress(RuntimeError):  # a closed loop: the process is on its way out
            loop.call_soon_threadsafe(self._stop, name)

    def _stop(self, name: str) -> None:
        # A warning: operators running at LOG_LEVEL=warning still see why work is being wound down.
        log.warning("%s: stopping; work in progress gets %g s to finish", name, self.grace_s)
        for callback in self._callbacks:
            callback()

    def _overrun(self) -> None:
        main, me = threading.main_thread(), threading.current_thread()
        busy = [t.name for t in threading.enumerate() if t not in (main, me) and not t.daemon]
        log.error("stopping took longer than %g s; exiting now (threads still busy: %s)",
                  self.bound_s, ", ".join(busy) or "none")  # fmt: skip
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(1)
