"""Listing page speed: `python -m bench.pages [--workers N] [--duration S]`.

For the union cs.AI,cs.CL,cs.CV,cs.LG on demo day 2026-06-09 it prints
  - server time of the first chunk (the HTML page), cold and warm p50/p95, sequential;
  - requests/s and errors at 64 concurrent connections (wrk), for coolpapers;
  - the same for nginx serving the saved page as a static file, and the ratio.
It serves a fresh SQLite database with the demo days from `coolpapers serve` on a free
127.0.0.1 port. It installs nothing: a missing wrk or nginx is reported with the command.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.servers import free_port, run_nginx, wait_for

UNION = "cs.AI,cs.CL,cs.CV,cs.LG"
DAY = "2026-06-09"
PATH = f"/arxiv/{UNION}?date={DAY}"


def wrk(url: str, duration: int, connections: int = 64) -> tuple[float, int, str]:
    """(requests/s, errors, raw output) from wrk; errors = socket errors + non-2xx answers."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise RuntimeError(f"wrk printed no Requests/sec line:\n{out}")
    rps = float(found.group(1))
    errors = 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    return rps, errors, out


def timings(url: str, n: int) -> tuple[float, list[float]]:
    with httpx.Client(timeout=30) as client:
        t0 = time.perf_counter()
        first = client.get(url)
        cold = (time.perf_counter() - t0) * 1000
        first.raise_for_status()
        warm = []
        for _ in range(n):
            t0 = time.perf_counter()
            client.get(url).raise_for_status()
            warm.append((time.perf_counter() - t0) * 1000)
    return cold, warm


class NoCache:
    def get(self, key: str) -> bytes | None:
        return None

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        return None


def uncached_times(database_url: str, n: int = 20) -> list[float]:
    """Render time with every cache off (database queries + templates), in process."""
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from fastapi.testclient import TestClient

    from coolpapers.app.settings import load_settings
    from coolpapers.app.web.app import create_app
    from coolpapers.app.web.listing import ListingService

    app = create_app(load_settings(database_url=database_url))
    app.state.core.listings = ListingService(NoCache(), "https://arxiv.org/pdf", stamp_ttl_s=0)
    out = []
    with TestClient(app) as client:
        client.get(PATH).raise_for_status()
        for _ in range(n):
            t0 = time.perf_counter()
            client.get(PATH).raise_for_status()
            out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per load run (default 10)")
    parser.add_argument("--samples", type=int, default=200, help="sequential warm requests (default 200)")
    args = parser.parse_args()
    missing = [
        tool for tool in ("wrk", "nginx") if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists()
    ]
    if missing:
        print(
            f"missing: {', '.join(missing)}; install with: apt-get install -y {' '.join(missing)}",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="cp-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
        env |= {
            "COOLPAPERS_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "COOLPAPERS_LOG_LEVEL": "warning",
            "COOLPAPERS_ARXIV_RSS_URL": "http://127.0.0.1:9",
            "COOLPAPERS_ARXIV_API_URL": "http://127.0.0.1:9",
        }
        cli = [sys.executable, "-m", "coolpapers.cli.main"]
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([*cli, "demo"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--workers", str(args.workers)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz")
            url = base + PATH
            cold, warm = timings(url, args.samples)
            html = httpx.get(url).content
            p50, p95 = statistics.median(warm), statistics.quantiles(warm, n=20)[18]
            print(f"page: {url} ({len(html) / 1024:.0f} KiB, first chunk of the union)")
            print(f"server time, first request (cache miss): {cold:.1f} ms")
            print(f"server time, warm sequential x{args.samples}: p50 {p50:.2f} ms, p95 {p95:.2f} ms"
                  f"  [target p50 < 30 ms: {'ok' if p50 < 30 else 'MISSED'}]")  # fmt: skip
            for _ in range(args.workers):  # every worker process warms its own in-process cache
                httpx.get(url)
            uncached = uncached_times(env["COOLPAPERS_DATABASE_URL"])
            median = statistics.median(uncached)
            print(f"render with caches off (queries + templates), in process: p50 {median:.1f} ms")
            rps, errors, _ = wrk(url, args.duration)
            print(
                f"coolpapers ({args.workers} workers): {rps:.0f} req/s at 64 connections, {errors} errors"
                f"  [target >= 1000 req/s, 0 errors: {'ok' if rps >= 1000 and errors == 0 else 'MISSED'}]"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        static = Path(tmp) / "www"
        static.mkdir()
        os.chmod(tmp, 0o755)  # nginx's workers drop root and must read the page
        (static / "page.html").write_bytes(html)
        with run_nginx(static, Path(tmp)) as nginx_base:
            n_rps, n_errors, _ = wrk(f"{nginx_base}/page.html", args.duration)
        print(f"nginx static file: {n_rps:.0f} req/s at 64 connections, {n_errors} errors")
        print(f"ratio coolpapers / nginx: {rps / n_rps:.2f}")
        print("note: wrk, the server and nginx share this machine's cores; numbers are noisy.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
