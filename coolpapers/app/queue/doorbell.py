"""Wake-up signals: "work is waiting on topic T". The rows in the database are the work; a ring
only saves the worker the wait until its next look, so a lost ring costs at most that wait.

Redis pub/sub when REDIS_URL is set (every process of the instance hears it), an asyncio.Event
in embedded mode (the web app and the worker share one event loop there).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

LOOKUPS = "lookups"
FAQS = "faqs"


class Listener(Protocol):
    async def wait(self, timeout_s: float) -> bool:
        """Until a ring (True) or `timeout_s` (False); a ring made since the last wait counts."""
        ...


class Doorbell(Protocol):
    async def ring(self, topic: str) -> None:
        """Never raises: the row is stored, and the worker finds it on its next look anyway."""
        ...

    def listen(self, topic: str) -> contextlib.AbstractAsyncContextManager[Listener]: ...


@dataclass
class _EventListener:
    event: asyncio.Event

    async def wait(self, timeout_s: float) -> bool:
        try:
            await asyncio.wait_for(self.event.wait(), timeout_s)
        except TimeoutError:
            return False
        self.event.clear()
        return True


@dataclass
class MemoryDoorbell:
    _events: dict[str, asyncio.Event] = field(default_factory=dict)

    def _event(self, topic: str) -> asyncio.Event:
        return self._events.setdefault(topic, asyncio.Event())

    async def ring(self, topic: str) -> None:
        self._event(topic).set()

    @contextlib.asynccontextmanager
    async def listen(self, topic: str) -> AsyncIterator[Listener]:
        yield _EventListener(self._event(topic))


@dataclass
class _PubSubListener:
    redis: Redis
    channel: str
    pubsub: PubSub | None = None

    async def subscribe(self) -> PubSub:
        if self.pubsub is None:  # first use, or after Redis went away
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            await pubsub.subscribe(self.channel)
            self.pubsub = pubsub
        return self.pubsub

    async def wait(self, timeout_s: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        try:
            pubsub = await self.subscribe()
            while (left := deadline - loop.time()) > 0:
                if await pubsub.get_message(timeout=left) is not None:
                    while await pubsub.get_message(timeout=0) is not None:
                        pass  # several rings while busy mean one look
                    return True
            return False
        except (RedisError, OSError) as exc:
            log.warning("no wake-ups from Redis (%s); looking for work every %.0f s", exc, timeout_s)
            await self.close()
            await asyncio.sleep(max(0.0, deadline - loop.time()))
            return False

    async def close(self) -> None:
        if self.pubsub is not None:
            pubsub, self.pubsub = self.pubsub, None
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()


@dataclass
class RedisDoorbell:
    redis: Redis
    prefix: str

    def _channel(self, topic: str) -> str:
        return f"{self.prefix}:wake:{topic}"

    async def ring(self, topic: str) -> None:
        try:
            await self.redis.publish(self._channel(topic), b"1")
        except (RedisError, OSError) as exc:
            log.warning("could not ring %s (%s); a worker finds the work on its next look", topic, exc)

    @contextlib.asynccontextmanager
    async def listen(self, topic: str) -> AsyncIterator[Listener]:
        listener = _PubSubListener(self.redis, self._channel(topic))
        with contextlib.suppress(RedisError, OSError):
            await listener.subscribe()  # now, so rings from here on are heard; else on first wait
        try:
            yield listener
        finally:
            await listener.close()
