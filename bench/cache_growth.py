"""Memory under reordered listing URLs: 300 random orderings of a 20-category union of the demo
day, against a real `coolpapers serve` — its RSS in embedded mode (in-process page cache) and
Redis's `used_memory` with a Redis cache.

    python -m bench.cache_growth [--orderings 300]

Baseline (issue 10, measured before category expressions were canonical and the memory cache
bounded in bytes): Redis 1.4 → 312 MB after 150 orderings; embedded RSS 388 → 854 MB after 260.
Target: both grow by less than 50 MB.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from redis import Redis

from tests.embedded import embedded_server
from tests.servers import free_port

UNION = [
    "cs.AI",
    "cs.CL",
    "cs.CV",
    "cs.LG",
    "cs.RO",
    "cs.IR",
    "cs.CR",
    "cs.CY",
    "cs.DC",
    "cs.HC",
    "cs.IT",
    "cs.NE",
    "cs.SE",
    "cs.SI",
    "cs.MA",
    "cs.DB",
    "cs.GT",
    "cs.LO",
    "cs.SD",
    "cs.MM",
]
DAY = "2026-06-09"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def hammer(base: str, orderings: int) -> None:
    rng = random.Random(1)
    with httpx.Client(timeout=60) as client:
        for _ in range(orderings):
            order = rng.sample(UNION, len(UNION))
            resp = client.get(f"{base}/arxiv/{'+'.join(order)}", params={"date": DAY})
            assert resp.status_code == 200, resp.status_code


def run(orderings: int, redis_port: int | None) -> tuple[float, float]:
    settings = {"CATEGORIES": "cs"}
    if redis_port is not None:
        settings.update({"REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "REDIS_PREFIX": "growth"})
    with tempfile.TemporaryDirectory() as tmp, embedded_server(Path(tmp), settings=settings) as server:
        server.cli("demo")
        hammer(server.base, 3)  # warm: the first page built, caches filled once
        probe = Redis(port=redis_port) if redis_port is not None else None

        def measure() -> float:
            if probe is not None:
                return int(probe.info("memory")["used_memory"]) / 1024 / 1024
            return rss_mb(server.proc.pid)

        before = measure()
        hammer(server.base, orderings)
        time.sleep(0.5)
        after = measure()
        if probe is not None:
            probe.close()
        return before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orderings", type=int, default=300)
    args = parser.parse_args()
    before, after = run(args.orderings, None)
    print(f"embedded, server RSS: {before:.0f} → {after:.0f} MB after {args.orderings} orderings "
          f"(+{after - before:.1f} MB; target < 50; baseline 388 → 854 MB after 260)")  # fmt: skip
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)  # fmt: skip
        try:
            time.sleep(0.5)
            before, after = run(args.orderings, port)
        finally:
            redis.kill()
            redis.wait()
    print(f"Redis cache, used_memory: {before:.1f} → {after:.1f} MB after {args.orderings} orderings "
          f"(+{after - before:.1f} MB; target < 50; baseline 1.4 → 312 MB after 150)")  # fmt: skip


if __name__ == "__main__":
    main()
