"""One reader per FAQ per process, fanning out to all its viewers.

A viewer of a FAQ's event stream used to hold its own blocking read of the Redis stream and reread
the row every second: a thousand viewers were a thousand Redis connections and a thousand
database reads a second. Now the first viewer of a FAQ starts a watch — one task reading the
stream and reloading the row for everyone — and the last one to leave ends it. Viewers wait on
the watch's version counter, each with its own cursor into the events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from coolpapers.app.faq.request import FaqService, FaqView
from coolpapers.app.queue.channels import ChannelUnavailable, StreamEvent

log = logging.getLogger(__name__)


@dataclass
class Watch:
    faq_id: int
    lang: str
    events: list[StreamEvent]  # everything since the first viewer came, the history first
    view: FaqView | None = None  # the row as last reloaded
    broken: str | None = None  # why the stream cannot be followed (Redis away)
    version: int = 0
    viewers: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    # Resolved once the history is read (or failed with ChannelUnavailable): viewers wait for it.
    loaded: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def _notify(self) -> None:
        self.version += 1
        self.changed.set()
        self.changed = asyncio.Event()

    async def wait(self, seen: int, timeout_s: float) -> None:
        """Until something newer than version `seen` happened, or `timeout_s`."""
        if self.version != seen:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.changed.wait(), timeout_s)


@dataclass
class WatchHub:
    service: FaqService
    recheck_s: float
    max_viewers: int = 2000  # per process: past it a viewer is asked to come back
    per_client: int = 20  # one reader with more tabs than this is asked to close some
    _watches: dict[tuple[int, str], Watch] = field(default_factory=dict)
    _clients: dict[str, int] = field(default_factory=dict)

    @property
    def viewers(self) -> int:
        return sum(self._clients.values())

    def refusal(self, client: str) -> str | None:
        if self.viewers >= self.max_viewers:
            return "This server is following as many FAQ streams as it can; try again in a minute."
        if self._clients.get(client, 0) >= self.per_client:
            return f"At most {self.per_client} FAQ streams at once from your address; close some tabs."
        return None

    @contextlib.asynccontextmanager
    async def watching(self, faq_id: int, lang: str, client: str) -> AsyncIterator[Watch]:
        """The FAQ's watch, started from its stream history by the first viewer; the others wait for
        that one read. Raises ChannelUnavailable when the history cannot be read."""
        key = (faq_id, lang)
        watch = self._watches.get(key)
        if watch is None:  # registered before the first await: a crowd arriving at once shares it
            watch = Watch(faq_id, lang, [])
            self._watches[key] = watch
            watch.task = asyncio.create_task(self._follow(watch), name=f"faq-watch-{faq_id}")
        watch.viewers += 1
        try:
            await asyncio.shield(watch.loaded)
        except BaseException:
            watch.viewers -= 1
            self._drop_if_unwatched(key, watch)
            raise
        self._clients[client] = self._clients.get(client, 0) + 1
        try:
            yield watch
        finally:
            watch.viewers -= 1
            self._clients[client] -= 1
            if not self._clients[client]:
                del self._clients[client]
            self._drop_if_unwatched(key, watch)

    def _drop_if_unwatched(self, key: tuple[int, str], watch: Watch) -> None:
        if not watch.viewers and self._watches.get(key) is watch:
            del self._watches[key]
            if watch.task is not None:
                watch.task.cancel()

    async def _follow(self, watch: Watch) -> None:
        bus = self.service.channels.bus
        try:
            watch.events.extend(await bus.read(watch.faq_id, None, 0))
        except ChannelUnavailable as exc:
            watch.loaded.set_exception(exc)
            self._watches.pop((watch.faq_id, watch.lang), None)
            return
        watch.loaded.set_result(None)
        last_id = watch.events[-1].id if watch.events else "0"
        last_check = 0.0
        try:
            while True:
                try:
                    fresh = await bus.read(watch.faq_id, last_id, self.recheck_s)
                except ChannelUnavailable as exc:
                    watch.broken = str(exc)
                    watch._notify()
                    return
                if fresh:
                    last_id = fresh[-1].id
                    watch.events.extend(fresh)
                now = time.monotonic()
                moved = False
                if any(e.kind == "end" for e in fresh) or now - last_check >= self.recheck_s:
                    last_check = now
                    view = await self.service.reload(watch.faq_id, watch.lang)
                    seen = watch.view
                    moved = seen is None or (view.status, view.position) != (seen.status, seen.position)
                    watch.view = view
                if fresh or moved:  # viewers wake for news only, not for every recheck
                    watch._notify()
        except asyncio.CancelledError:
            raise
        except Exception:  # a viewer must never hang on a watch that died: tell them
            log.exception("FAQ %d: watch failed", watch.faq_id)
            watch.broken = "the FAQ stream stopped unexpectedly"
            watch._notify()
