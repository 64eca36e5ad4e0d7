"""Per-client hourly allowances (queue/allowance.py) on memory and on a real Redis: each client is
counted on its own, a refused request stays refused within the hour, and Redis away is a clear
ChannelUnavailable rather than an unhandled error."""

from __future__ import annotations

import asyncio

import pytest

from coolpapers.app.queue.allowance import Allowance, memory_allowance, redis_allowance
from coolpapers.app.queue.errors import ChannelUnavailable


async def hits(allowance: Allowance, client: str, limit: int, times: int) -> list[bool]:
    return [await allowance.hit(client, limit) for _ in range(times)]


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_each_client_gets_its_allowance_and_no_more(backend: str, request: pytest.FixtureRequest) -> None:
    async def run() -> None:
        if backend == "memory":
            allowance = memory_allowance()
        else:
            url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
            allowance = redis_allowance(url, prefix)
        assert await hits(allowance, "1.2.3.4", 3, 5) == [True, True, True, False, False]
        assert await hits(allowance, "5.6.7.8", 3, 1) == [True]  # another client: its own count
        assert await hits(allowance, "1.2.3.4", 3, 1) == [False]  # still within the hour

    asyncio.run(run())


def test_redis_away_is_channel_unavailable() -> None:
    async def run() -> None:
        allowance = redis_allowance("redis://127.0.0.1:9/0", "nowhere")  # nothing listens on port 9
        with pytest.raises(ChannelUnavailable, match="cannot be reached"):
            await allowance.hit("1.2.3.4", 3)

    asyncio.run(run())
