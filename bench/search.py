"""Search benchmark: latency over HTTP and in-process, title-search quality, index build, freshness.

    .venv/bin/python -m bench.search --size 200000 --db sqlite
    .venv/bin/python -m bench.search --size 1000000 --db postgres --pg-url postgresql+psycopg://postgres@127.0.0.1/

Builds (once, under bench/out/) the corpus, the database and the search index, then prints:
p50/p95 of `GET /api/search?q=…&size=50` against a real `coolpapers serve`, of the same
searches in-process (`SearchIndex.search`) and of tantivy alone (`Searcher.search`, top 50);
top-3 hit rate of 100 random exact titles; index build time and size; and how long a new
day's papers take to become searchable while a real `coolpapers worker` runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, make_url, text

from bench.corpus import BENCH_DIR, OUT_DIR, build
from bench.load import load
from coolpapers.app.ingest.demo import read_day
from coolpapers.app.search.build import build_query
from coolpapers.app.search.engine import SearchIndex
from coolpapers.app.search.query import parse_query
from coolpapers.app.search.writer import IndexUpdater
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.papers import store_papers

QUERIES = [q for q in (BENCH_DIR / "queries.txt").read_text("utf-8").splitlines() if q.strip()]
FRESH_DAY = BENCH_DIR / "data" / "arxiv-daily" / "2026-06-15.jsonl"


def pct(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):7.2f} ms  p95 {p95:7.2f} ms"


def database_url(size: int, db: str, pg_url: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{OUT_DIR / f'db-{size}.sqlite'}"
    admin = make_url(pg_url)
    name = f"cp_bench_{size}"
    engine = create_engine(admin.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def ensure_loaded(size: int, db: str, url: str, results: dict[str, object]) -> None:
    marker = OUT_DIR / f"db-{size}-{db}.loaded"
    if not marker.exists():
        corpus = build(size)
        results["load_seconds"] = round(load(corpus, url), 1)
        marker.write_text(json.dumps(results), "utf-8")
    else:
        results.update(json.loads(marker.read_text("utf-8")))


def ensure_index(size: int, db: str, url: str, results: dict[str, object]) -> Path:
    directory = OUT_DIR / f"index-{size}-{db}"
    marker = directory / "bench-build.json"
    if not marker.exists():
        engine = make_engine(url)
        updater = IndexUpdater(directory, make_session_factory(engine))
        started = time.perf_counter()
        built = updater.rebuild()
        updater.close()
        engine.dispose()
        stats = {"index_docs": built.indexed, "index_build_seconds": round(time.perf_counter() - started, 1)}
        marker.write_text(json.dumps(stats), "utf-8")
    results.update(json.loads(marker.read_text("utf-8")))
    size_bytes = sum(f.stat().st_size for f in directory.iterdir() if f.is_file())
    results["index_mb"] = round(size_bytes / 1e6, 1)
    return directory


def in_process(directory: Path) -> tuple[list[float], list[float]]:
    index = SearchIndex(directory)
    searcher = index.searcher()
    built = [build_query(parse_query(q)) for q in QUERIES]
    raw: list[float] = []
    full: list[float] = []
    for warm in (True, False):
        for q, b in zip(QUERIES, built, strict=True):
            started = time.perf_counter()
            if b is not None:
                searcher.search(b.query, 50)
            if not warm:
                raw.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            index.search(q, size=50)
            if not warm:
                full.append((time.perf_counter() - started) * 1000)
    return raw, full


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "coolpapers.cli.main", *args], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip


def wait_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("server did not come up")


def over_http(client: httpx.Client) -> list[float]:
    timings = []
    for warm in (True, False):
        for q in QUERIES:
            started = time.perf_counter()
            response = client.get("/api/search", params={"q": q, "size": 50})
            response.raise_for_status()
            if not warm:
                timings.append((time.perf_counter() - started) * 1000)
    return timings


def title_quality(client: httpx.Client, corpus: Path, size: int) -> float:
    wanted = set(random.Random(42).sample(range(size), 100))
    found = 0
    with corpus.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number in wanted:
                paper = json.loads(line)
                hits = client.get("/api/search", params={"q": " ".join(paper["title"].split()), "size": 3})
                found += paper["id"] in [p["arxiv_id"] for p in hits.json()["papers"]]
    return found / len(wanted)


def freshness(client: httpx.Client, url: str) -> tuple[int, float]:
    """Store a new day (ids never used before) and time until its last paper is found."""
    _, items = read_day(FRESH_DAY)
    stamp = int(time.time()) % 90000
    papers = [
        item.paper.__class__(**{**item.paper.__dict__, "arxiv_id": f"2612.{(stamp + i) % 99999 + 1:05d}"})
        for i, item in enumerate(items)
    ]
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        store_papers(session, papers)
    stored = time.perf_counter()
    engine.dispose()
    last = papers[-1].arxiv_id
    while time.perf_counter() - stored < 60:
        if client.get("/api/search", params={"q": last}).json()["papers"]:
            return len(papers), time.perf_counter() - stored
        time.sleep(0.05)
    return len(papers), float("inf")


def main() -> None:
    raw_help = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw_help)
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    opts = parser.parse_args()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {"size": opts.size, "db": opts.db, "queries": len(QUERIES)}
    url = database_url(opts.size, opts.db, opts.pg_url)
    ensure_loaded(opts.size, opts.db, url, results)
    directory = ensure_index(opts.size, opts.db, url, results)
    raw, full = in_process(directory)
    print(f"[{opts.size} papers, {opts.db}] tantivy alone      {pct(raw)}")
    print(f"[{opts.size} papers, {opts.db}] SearchIndex.search {pct(full)}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
    env.update(COOLPAPERS_DATABASE_URL=url, COOLPAPERS_SEARCH_INDEX_DIR=str(directory))
    env["COOLPAPERS_LOG_LEVEL"] = "warning"
    port = free_port()
    server = start(["serve", "--port", str(port)], env)
    worker = None
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(base)
        with httpx.Client(base_url=base, timeout=30) as client:
            http = over_http(client)
            print(f"[{opts.size} papers, {opts.db}] HTTP /api/search   {pct(http)}")
            results["title_top3"] = title_quality(client, build(opts.size), opts.size)
            worker = start(["worker"], env)
            time.sleep(5)  # the worker's first pass re-reads its overlap window; then it idles
            results["fresh_papers"], seconds = freshness(client, url)
            results["fresh_seconds"] = round(seconds, 2)
    finally:
        for proc in (p for p in (worker, server) if p is not None):
            proc.terminate()
            proc.wait(timeout=30)
    results.update(
        raw_p50=round(statistics.median(raw), 2), full_p50=round(statistics.median(full), 2),
        http_p50=round(statistics.median(http), 2),
        raw_p95=round(sorted(raw)[round(0.95 * (len(raw) - 1))], 2),
        full_p95=round(sorted(full)[round(0.95 * (len(full) - 1))], 2),
        http_p95=round(sorted(http)[round(0.95 * (len(http) - 1))], 2),
        measured_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )  # fmt: skip
    print(json.dumps(results, indent=1))
    (OUT_DIR / f"results-{opts.size}-{opts.db}.json").write_text(json.dumps(results, indent=1), "utf-8")


if __name__ == "__main__":
    main()
