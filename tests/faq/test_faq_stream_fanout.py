"""Many readers of one FAQ's stream share one reader of it per process (web/faq_watch.py): a few
Redis connections whatever the crowd, /healthz answering throughout, everyone told the end; and a
client with too many streams open is asked to close some."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from pathlib import Path

import httpx
from redis import Redis

from tests.fake_llm.server import FakeLlm
from tests.faq.live import LiveApp, add_papers, faq_settings
from tests.faq.test_faq_redis import own_redis, start_redis  # noqa: F401 (the fixture)

VIEWERS = int(os.environ.get("COOLPAPERS_TEST_VIEWERS", "300"))  # 1000 for the measurement


async def follow(client: httpx.AsyncClient, url: str, opened: list[int]) -> str:
    """The stream's last event name, once it ends."""
    async with client.stream("GET", url) as resp:
        assert resp.status_code == 200
        name, last = "", ""
        async for line in resp.aiter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name:
                if name == "status" and not last:
                    opened.append(1)
                last = name
                if name in ("done", "error"):
                    json.loads(line[6:])
                    return name
    return last


def test_a_crowd_on_one_faq_holds_a_few_redis_connections(
    sqlite_url: str, fake_llm: tuple[FakeLlm, str], own_redis: tuple[int, list[subprocess.Popen[bytes]]],  # noqa: F811
    tmp_path: Path,
) -> None:  # fmt: skip
    port, procs = own_redis
    procs.append(start_redis(port, tmp_path))
    llm, llm_url = fake_llm
    llm.first_token_delay_s, llm.chunk_delay_s = 2.0, 0.02  # the crowd gathers before the answer comes
    (paper,) = add_papers(sqlite_url, 1)
    redis_url = f"redis://127.0.0.1:{port}/0"
    settings = faq_settings(sqlite_url, llm_url, redis_url=redis_url, redis_prefix="crowd",
                            faq_rate_limit_per_hour=0, llm_timeout_s=5.0)  # fmt: skip
    watcher = Redis(port=port)
    with LiveApp(settings) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        live.app.state.core.watches.per_client = VIEWERS  # the crowd comes from one address here
        assert httpx.post(api).status_code == 200

        async def crowd() -> tuple[list[str], int, float]:
            opened: list[int] = []
            limits = httpx.Limits(max_connections=VIEWERS + 10)
            async with httpx.AsyncClient(timeout=60, limits=limits) as client:
                tasks = [asyncio.create_task(follow(client, f"{api}/stream", opened)) for _ in range(VIEWERS)]
                deadline = time.monotonic() + 30
                while len(opened) < VIEWERS:
                    assert time.monotonic() < deadline, f"only {len(opened)} streams opened"
                    await asyncio.sleep(0.05)
                connections = len(watcher.client_list()) - 1  # all but ours
                probes = []
                for _ in range(10):  # while the crowd waits for the answer
                    start = time.perf_counter()
                    assert (await client.get(f"{live.url}/healthz")).status_code == 200
                    probes.append(time.perf_counter() - start)
                    await asyncio.sleep(0.1)
                return await asyncio.gather(*tasks), connections, sorted(probes)[len(probes) // 2]

        ends, connections, health_s = asyncio.run(crowd())
    watcher.close()
    assert ends == ["done"] * VIEWERS  # everyone saw the end
    assert connections <= 12, connections  # web and worker together, not one per viewer
    # The clients run in this process beside the server, so /healthz times include their work.
    print(f"{VIEWERS} viewers: {connections} Redis connections, /healthz median {health_s * 1000:.0f} ms")


def test_one_client_may_hold_only_so_many_streams(sqlite_url: str, fake_llm: tuple[FakeLlm, str]) -> None:
    llm, llm_url = fake_llm
    llm.first_token_delay_s = 2.0
    (paper,) = add_papers(sqlite_url, 1)
    with LiveApp(faq_settings(sqlite_url, llm_url, faq_rate_limit_per_hour=0, llm_timeout_s=5.0)) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        httpx.post(api)
        live.app.state.core.watches.per_client = 3

        async def many() -> list[str]:
            opened: list[int] = []
            async with httpx.AsyncClient(timeout=30) as client:
                tasks = [asyncio.create_task(follow(client, f"{api}/stream", opened)) for _ in range(3)]
                while len(opened) < 3:
                    await asyncio.sleep(0.05)
                async with client.stream("GET", f"{api}/stream") as resp:
                    text = (await resp.aread()).decode()
                extra = "busy" if '"code": "busy"' in text else text
                return [extra, *await asyncio.gather(*tasks)]

        assert asyncio.run(many()) == ["busy", "done", "done", "done"]
