"""A small bytes cache: Redis when configured (shared by every web process), in-process otherwise.

Entries are copies of what the database says, keyed by a stamp of the data they came from,
so a stale entry is never served after the data changed; TTLs only bound memory."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Protocol

from cachetools import TLRUCache
from redis import Redis
from redis.exceptions import RedisError


class Cache(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, ttl_s: float) -> None: ...


class MemoryCache:
    """LRU with per-entry expiry (cachetools' TLRUCache), bounded by the bytes it holds, not the
    number of entries: a listing page can be megabytes. Locked because sync routes run in a
    thread pool and cachetools caches are not thread-safe."""

    def __init__(
        self, max_bytes: int = 64 * 1024 * 1024, timer: Callable[[], float] = time.monotonic
    ) -> None:
        # Values are (ttl_s, bytes): the entry's lifetime travels with it.
        self.max_bytes = max_bytes
        self._data: TLRUCache[str, tuple[float, bytes]] = TLRUCache(
            maxsize=max_bytes, ttu=lambda _key, value, now: now + value[0], timer=timer,
            getsizeof=lambda value: len(value[1]),
        )  # fmt: skip
        self._lock = threading.Lock()

    @property
    def held_bytes(self) -> int:
        return int(self._data.currsize)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            hit = self._data.get(key)
        return None if hit is None else hit[1]

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        if len(value) > self.max_bytes:
            return  # larger than the whole cache: served, not kept
        with self._lock:
            self._data[key] = (ttl_s, value)


class RedisCache:
    """Keys live under the instance's prefix. A Redis outage degrades to no caching, not to errors."""

    def __init__(self, client: Redis, prefix: str) -> None:
        self._client = client
        self._prefix = f"{prefix}:cache:"

    def get(self, key: str) -> bytes | None:
        try:
            value = self._client.get(self._prefix + key)
        except RedisError:
            return None
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        with contextlib.suppress(RedisError):
            self._client.set(self._prefix + key, value, px=max(1, int(ttl_s * 1000)))
