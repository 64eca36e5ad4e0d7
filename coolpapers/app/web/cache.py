"""A small bytes cache: Redis when configured (shared by every web process), in-process otherwise.

Entries are copies of what the database says, keyed by a stamp of the data they came from,
so a stale entry is never served after the data changed; TTLs only bound memory."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from typing import Protocol

from redis import Redis
from redis.exceptions import RedisError


class Cache(Protocol):
    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, ttl_s: float) -> None: ...


class MemoryCache:
    """LRU with per-entry expiry; thread-safe because sync routes run in a thread pool."""

    def __init__(self, max_entries: int = 512) -> None:
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: str) -> bytes | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if hit[0] < time.monotonic():
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return hit[1]

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + ttl_s, value)
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)


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
