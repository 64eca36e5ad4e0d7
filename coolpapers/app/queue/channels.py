"""How web and worker processes reach each other: wake-ups for waiting work (queue/doorbell.py),
a stream of partial text per FAQ, and per-client request counters. The work itself is rows in the
database, claimed with guarded UPDATEs (store/faqs.py, store/lookups.py); nothing here holds a job.
Redis-backed when REDIS_URL is set (pub/sub, Streams, counters), in-process otherwise: the CLI
builds one `FaqChannels` and hands the same object to the web app and the embedded worker."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from coolpapers.app.queue.allowance import Allowance, memory_allowance, redis_allowance
from coolpapers.app.queue.doorbell import Doorbell, MemoryDoorbell, RedisDoorbell
from coolpapers.app.queue.errors import ChannelUnavailable
from coolpapers.app.settings import Settings


def stale_after(settings: Settings) -> dt.timedelta:
    """How long a running row may go without a heartbeat before its worker counts as dead: the
    sweep then hands the row back, and /status shows it as stalled."""
    return dt.timedelta(seconds=3 * settings.faq_heartbeat_s)


@dataclass(frozen=True)
class StreamEvent:
    id: str
    kind: str  # "start" (a generation attempt begins), "text" (a delta), "end" (the row changed state)
    text: str = ""


class FaqBus(Protocol):
    async def publish(self, faq_id: int, kind: str, text: str = "") -> None: ...

    async def read(self, faq_id: int, after: str | None, timeout_s: float) -> list[StreamEvent]:
        """Everything so far when `after` is None, else what follows `after` (waiting up to timeout_s)."""
        ...


class ClientLimiter(Protocol):
    async def hit(self, client: str, limit: int) -> bool:
        """Count one request; False when the client is over `limit` this hour."""
        ...


# ---------------------------------------------------------------- in-process (embedded mode)


@dataclass
class MemoryBus:
    ttl_s: float = 3600.0
    _events: dict[int, list[StreamEvent]] = field(default_factory=dict)
    _changed: dict[int, asyncio.Event] = field(default_factory=dict)
    _expiry: dict[int, float] = field(default_factory=dict)
    _seq: int = 0

    async def publish(self, faq_id: int, kind: str, text: str = "") -> None:
        self._seq += 1
        self._events.setdefault(faq_id, []).append(StreamEvent(str(self._seq), kind, text))
        now = time.monotonic()
        self._expiry[faq_id] = now + self.ttl_s
        for key in [k for k, t in self._expiry.items() if t < now]:
            self._events.pop(key, None)
            self._expiry.pop(key, None)
        waiter = self._changed.pop(faq_id, None)
        if waiter is not None:
            waiter.set()

    def _after(self, faq_id: int, after: str | None) -> list[StreamEvent]:
        events = self._events.get(faq_id, [])
        if after is None:
            return list(events)
        return [e for e in events if int(e.id) > int(after)]

    async def read(self, faq_id: int, after: str | None, timeout_s: float) -> list[StreamEvent]:
        found = self._after(faq_id, after)
        if found or after is None:
            return found
        waiter = self._changed.setdefault(faq_id, asyncio.Event())
        try:
            await asyncio.wait_for(waiter.wait(), timeout_s)
        except TimeoutError:
            return []
        return self._after(faq_id, after)


# ---------------------------------------------------------------- Redis


@dataclass
class RedisChannels:
    redis: Redis
    prefix: str
    ttl_s: int

    def stream_key(self, faq_id: int) -> str:
        return f"{self.prefix}:faq-stream:{faq_id}"

    async def publish(self, faq_id: int, kind: str, text: str = "") -> None:
        key = self.stream_key(faq_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xadd(key, {"k": kind, "t": text})
            pipe.expire(key, self.ttl_s)
            await pipe.execute()

    async def read(self, faq_id: int, after: str | None, timeout_s: float) -> list[StreamEvent]:
        key = self.stream_key(faq_id)
        try:
            # Replies are read as Any: redis-py's types for them depend on RESP version and decoding.
            rows: list[Any]
            if after is None:
                rows = list(await self.redis.xrange(key) or [])
            else:
                answer: Any = await self.redis.xread({key: after}, block=max(1, int(timeout_s * 1000)))
                rows = answer[0][1] if answer else []
        except (RedisError, OSError) as exc:
            raise ChannelUnavailable("the FAQ stream", exc) from None
        return [StreamEvent(_s(i), _s(f.get(b"k", b"")), _s(f.get(b"t", b""))) for i, f in rows]


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass
class FaqChannels:
    bus: FaqBus
    limiter: Allowance
    doorbell: Doorbell
    redis: Redis | None = None

    async def aclose(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


def build_channels(settings: Settings) -> FaqChannels:
    if settings.embedded:
        return FaqChannels(MemoryBus(ttl_s=settings.faq_stream_ttl_s), memory_allowance(), MemoryDoorbell())
    # No connection is made here: redis-py connects on first use and reconnects after an outage,
    # so a Redis restart needs no restart of ours.
    redis = Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=2)
    channels = RedisChannels(redis, settings.redis_prefix, settings.faq_stream_ttl_s)
    allowance = redis_allowance(settings.redis_url, settings.redis_prefix)
    return FaqChannels(channels, allowance, RedisDoorbell(redis, settings.redis_prefix), redis=redis)
