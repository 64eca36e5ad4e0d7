"""Per-client allowances: FAQ requests and paper lookups an hour, one counted click per paper a day.
Counted over a moving window by the
`limits` library: in Redis when it is configured, so every web process shares one count per
client, in memory otherwise (embedded mode has one web process)."""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItemPerDay, RateLimitItemPerHour
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from coolpapers.app.queue.errors import ChannelUnavailable


@dataclass
class Allowance:
    """`hit(client, limit)`: count one request; False once the client made `limit` in the last hour.
    A moving window, so no client gets twice its allowance across the turn of an hour."""

    storage: Storage

    def __post_init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(self.storage)

    async def hit(self, client: str, limit: int) -> bool:
        try:
            return await self._limiter.hit(RateLimitItemPerHour(limit), client)
        except (RedisError, OSError) as exc:
            raise ChannelUnavailable("the request counter", exc) from None

    async def once_a_day(self, *what: str) -> bool:
        """True the first time `what` (e.g. client, paper, counter) is seen in 24 hours."""
        try:
            return await self._limiter.hit(RateLimitItemPerDay(1, namespace="once"), *what)
        except (RedisError, OSError) as exc:
            raise ChannelUnavailable("the request counter", exc) from None


def memory_allowance() -> Allowance:
    return Allowance(MemoryStorage())


def redis_allowance(redis_url: str, prefix: str) -> Allowance:
    # redis-py's asyncio client, as everywhere else; it connects on first use and reconnects.
    storage = RedisStorage(f"async+{redis_url}", implementation="redispy", key_prefix=f"{prefix}:rate",
                           socket_timeout=5, socket_connect_timeout=2)  # fmt: skip
    return Allowance(storage)
