"""Thirty (or N) concurrent pages of papers not stored, with /healthz probed every 20 ms: the web
process must keep answering while workers fetch from arXiv. Embedded (`serve --with-worker` on
SQLite) and, with --pg/--redis, compose-shaped (`serve --workers 4` + two `worker` processes).

    python -m bench.burst [--pages 30] [--pg URL --redis URL]

Each mode first sends one unmeasured burst (a server that has been running has its connections
open). Baseline: the code before lookups moved to the worker (675f168), embedded, cold, the same burst:
pages p50 90.9 s, max 133 s, some of them 500; /healthz unanswered for up to 60.7 s (issue 9
measured 90 s to 9 min).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from tests.burst import BurstResult, burst, settled
from tests.embedded import embedded_server
from tests.fake_arxiv.server import FakeArxiv
from tests.servers import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "before: pages p50 90.9 s, max 133 s; /healthz stuck 60.7 s"


def _ids(fake: FakeArxiv, n: int) -> list[str]:
    known = [p.arxiv_id for p in fake.papers_on(dt.date(2026, 6, 10)) if "cs.CL" not in p.categories]
    half = n // 2
    return known[:half] + [f"2404.3{k:04d}" for k in range(n - half)]


def _report(mode: str, result: BurstResult, landed_s: float) -> None:
    pages = sorted(s for _, _, s in result.pages)
    health = sorted(result.health)
    statuses = sorted({st for _, st, _ in result.pages})
    print(f"\n{mode}: {len(pages)} pages at once (statuses {statuses})")
    print(
        f"  page answer      p50 {statistics.median(pages) * 1000:7.1f} ms   max {pages[-1] * 1000:7.1f} ms"
        f"   (target < 1000 ms; baseline: {BASELINE})"
    )
    print(
        f"  /healthz probes  {len(health)}, p50 {statistics.median(health) * 1000:7.1f} ms   "
        f"max {health[-1] * 1000:7.1f} ms   failures {len(result.health_failures)}   (target < 100 ms)"
    )
    print(f"  every lookup ended (200 or 404) {landed_s:.1f} s after the burst")


def _warm_up(base: str, n: int) -> None:
    """A server that has been running: each process has its connections and compiled templates.
    One unmeasured burst of other unknown ids, then wait for their lookups to end."""
    ids = [f"2404.4{k:04d}" for k in range(n)]
    burst(base, [f"/arxiv/{i}" for i in ids])
    _settle_all(base, ids)


def _settle_all(base: str, ids: list[str]) -> float:
    start = dt.datetime.now()
    for arxiv_id in ids:
        settled(base, arxiv_id, timeout_s=300)
    return (dt.datetime.now() - start).total_seconds()


def embedded(fake: FakeArxiv, n: int, warm: bool = True) -> None:
    ids = _ids(fake, n)
    o = fake.settings_overrides()
    with tempfile.TemporaryDirectory() as tmp, embedded_server(Path(tmp), settings={
        "ARXIV_API_URL": o["arxiv_api_url"], "ARXIV_RSS_URL": o["arxiv_rss_url"], "CATEGORIES": "cs.CL",
        "ARXIV_MIN_INTERVAL_S": "3",
    }) as server:  # fmt: skip
        if warm:
            _warm_up(server.base, n)
        result = burst(server.base, [f"/arxiv/{i}" for i in ids])
        mode = "embedded" + ("" if warm else " cold")
        _report(f"{mode} (serve --with-worker, SQLite, ARXIV_MIN_INTERVAL_S=3)", result,
                _settle_all(server.base, ids))  # fmt: skip


def compose(fake: FakeArxiv, n: int, pg: str, redis: str, warm: bool = True) -> None:
    ids = _ids(fake, n)
    name = f"cp_burst_{uuid.uuid4().hex[:8]}"
    admin = pg.rsplit("/", 1)[0]
    subprocess.run(["psql", f"{admin.replace('+psycopg', '')}/postgres", "-qc", f'CREATE DATABASE "{name}"'],
                   check=True)  # fmt: skip
    url = f"{admin}/{name}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
        env.update({f"COOLPAPERS_{k.upper()}": str(v) for k, v in fake.settings_overrides().items()})
        env.update({"COOLPAPERS_DATABASE_URL": url, "COOLPAPERS_REDIS_URL": redis,
                    "COOLPAPERS_REDIS_PREFIX": name, "COOLPAPERS_SEARCH_INDEX_DIR": f"{tmp}/index",
                    "PYTHONPATH": str(ROOT)})  # fmt: skip
        cli = [sys.executable, "-m", "coolpapers.cli.main"]
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        port = free_port()
        log = open(f"{tmp}/log", "wb")  # noqa: SIM115 (open for the processes' lifetime)
        procs = [subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "4"], env=env,
                                  stdout=log, stderr=log)]  # fmt: skip
        procs += [subprocess.Popen([*cli, "worker", "--only", "lookups"], env=env, stdout=log, stderr=log)
                  for _ in range(2)]  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/healthz", timeout_s=60)
            if warm:
                _warm_up(base, n)
            result = burst(base, [f"/arxiv/{i}" for i in ids])
            mode = "compose" + ("" if warm else " cold")
            _report(f"{mode} (serve --workers 4 + 2 workers, PostgreSQL + Redis, ARXIV_MIN_INTERVAL_S=3)",
                    result, _settle_all(base, ids))  # fmt: skip
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=30)
            log.close()
            subprocess.run(["psql", f"{admin.replace('+psycopg', '')}/postgres", "-qc",
                            f'DROP DATABASE "{name}" WITH (FORCE)'], check=False)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--cold", action="store_true", help="no unmeasured burst first")
    parser.add_argument("--pg", help="postgresql+psycopg://USER@HOST/DB (with --redis: compose mode too)")
    parser.add_argument("--redis", help="redis://HOST:PORT/DB")
    args = parser.parse_args()
    with FakeArxiv() as fake:
        embedded(fake, args.pages, warm=not args.cold)
    if args.pg and args.redis:
        with FakeArxiv() as fake:
            compose(fake, args.pages, args.pg, args.redis, warm=not args.cold)


if __name__ == "__main__":
    main()
