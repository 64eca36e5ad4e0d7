"""A burst of concurrent page requests with /healthz probed throughout: what a crowd (or an
attacker) naming papers not stored does to a running server. Used by tests and bench/burst.py."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx


@dataclass
class BurstResult:
    pages: list[tuple[str, int, float]] = field(default_factory=list)  # (path, status, seconds)
    health: list[float] = field(default_factory=list)  # seconds per /healthz probe
    health_failures: list[str] = field(default_factory=list)

    @property
    def slowest_page_s(self) -> float:
        return max(s for _, _, s in self.pages)

    @property
    def slowest_health_s(self) -> float:
        return max(self.health)


def _timed_get(client: httpx.Client, url: str) -> tuple[int, float]:
    start = time.perf_counter()
    resp = client.get(url)
    return resp.status_code, time.perf_counter() - start


def burst(base: str, paths: list[str], timeout_s: float = 60.0) -> BurstResult:
    """GET every path at once (one thread each) while /healthz is asked every 20 ms."""
    result = BurstResult()
    done = threading.Event()

    def probe() -> None:
        with httpx.Client(timeout=timeout_s) as client:
            while not done.is_set():
                try:
                    status, seconds = _timed_get(client, f"{base}/healthz")
                    result.health.append(seconds)
                    if status != 200:
                        result.health_failures.append(f"HTTP {status}")
                except httpx.HTTPError as exc:
                    result.health.append(timeout_s)
                    result.health_failures.append(repr(exc))
                time.sleep(0.02)

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    go = threading.Barrier(len(paths))

    def one(path: str) -> tuple[str, int, float]:
        with httpx.Client(timeout=timeout_s) as client:
            go.wait()
            start = time.perf_counter()
            try:
                status, seconds = _timed_get(client, f"{base}{path}")
            except httpx.HTTPError:  # no answer within timeout_s: status 0, the time waited
                status, seconds = 0, time.perf_counter() - start
            return path, status, seconds

    try:
        with ThreadPoolExecutor(len(paths)) as pool:
            result.pages = list(pool.map(one, paths))
        time.sleep(0.1)  # a few probes after the burst too
    finally:
        done.set()
        prober.join(timeout=timeout_s)
    return result


def settled(base: str, arxiv_id: str, timeout_s: float = 60.0) -> int:
    """The API's status for `arxiv_id` once it stops answering 202 (the lookup has ended)."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=10) as client:
        while True:
            status = client.get(f"{base}/api/papers/{arxiv_id}").status_code
            if status != 202:
                return status
            assert time.monotonic() < deadline, f"{arxiv_id} still being fetched after {timeout_s} s"
            time.sleep(0.1)
