"""A crowd naming papers not stored: the web keeps answering, only workers ask arXiv, each id is
asked once, and every request to the fake arXiv is spaced by ARXIV_MIN_INTERVAL_S.

Embedded (`serve --with-worker` on SQLite), and compose-shaped (`serve --workers 4` and two
`worker` processes on PostgreSQL + Redis). Page answers are checked by status, not by wall time:
bench/burst.py prints the times.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.burst import BurstResult, burst, settled
from tests.embedded import embedded_server
from tests.fake_arxiv.server import FakeArxiv
from tests.servers import free_port, wait_for

INTERVAL_S = 0.25
SLACK_S = 0.005  # timer granularity between the shared slot's clock and the fake server's
ROOT = Path(__file__).resolve().parents[1]


def _ids(fake: FakeArxiv, known: int, unknown: int) -> tuple[list[str], list[str]]:
    # Not in cs.CL, the one category the embedded instance follows (its feed would store them).
    papers = [p.arxiv_id for p in fake.papers_on(dt.date(2026, 6, 10)) if "cs.CL" not in p.categories][:known]
    assert len(papers) == known
    return papers, [f"2404.3{n:04d}" for n in range(unknown)]


def _check_answers(result: BurstResult) -> None:
    assert not result.health_failures, result.health_failures[:3]
    assert len(result.health) >= 3  # /healthz was asked all along, and answered every time
    assert {status for _, status, _ in result.pages} == {202}, result.pages


def _check_arxiv_side(fake: FakeArxiv, known: list[str], unknown: list[str], base: str) -> None:
    for arxiv_id in known:
        assert settled(base, arxiv_id) == 200
    for arxiv_id in unknown:
        assert settled(base, arxiv_id) == 404
    queries = [parse_qs(urlsplit(path).query)["id_list"][0] for path in fake.paths("/api/query")]
    asked = Counter(i for ids in queries for i in ids.split(","))
    assert set(asked) == set(known) | set(unknown) and set(asked.values()) == {1}, asked  # once each
    times = sorted(r.at for r in fake.requests)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert not gaps or min(gaps) >= INTERVAL_S - SLACK_S, sorted(gaps)[:3]


def test_thirty_unknown_paper_pages_at_once_in_embedded_mode(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    known, unknown = _ids(fake_arxiv, 15, 15)
    overrides = fake_arxiv.settings_overrides()
    settings = {
        "ARXIV_API_URL": overrides["arxiv_api_url"], "ARXIV_RSS_URL": overrides["arxiv_rss_url"],
        "ARXIV_MIN_INTERVAL_S": str(INTERVAL_S), "CATEGORIES": "cs.CL",
    }  # fmt: skip
    with embedded_server(tmp_path, settings=settings) as server:
        result = burst(server.base, [f"/arxiv/{i}" for i in known + unknown])
        _check_answers(result)
        _check_arxiv_side(fake_arxiv, known, unknown, server.base)
        page = settled(server.base, known[0])
        assert page == 200


def _start(cmd: list[str], env: dict[str, str], tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    with (tmp_path / f"{name}.log").open("wb") as sink:
        return subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT)


def _logs(tmp_path: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(tmp_path.glob("*.log")))


def test_forty_lookups_across_four_web_and_two_worker_processes(
    fake_arxiv: FakeArxiv, pg_url: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    known, unknown = _ids(fake_arxiv, 25, 15)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
    env.update({f"COOLPAPERS_{k.upper()}": str(v) for k, v in fake_arxiv.settings_overrides().items()})
    env.update({
        "COOLPAPERS_DATABASE_URL": pg_url, "COOLPAPERS_REDIS_URL": redis_url,
        "COOLPAPERS_REDIS_PREFIX": redis_prefix, "COOLPAPERS_ARXIV_MIN_INTERVAL_S": str(INTERVAL_S),
        "COOLPAPERS_SEARCH_INDEX_DIR": str(tmp_path / "index"), "PYTHONPATH": str(ROOT),
    })  # fmt: skip
    cli = [sys.executable, "-m", "coolpapers.cli.main"]
    port = free_port()
    procs = [_start([*cli, "serve", "--port", str(port), "--workers", "4"], env, tmp_path, "web")]
    procs += [_start([*cli, "worker", "--only", "lookups"], env, tmp_path, f"worker-{n}") for n in range(2)]
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", timeout_s=60)
        assert all(p.poll() is None for p in procs), _logs(tmp_path)
        result = burst(base, [f"/api/papers/{i}" for i in known + unknown])
        _check_answers(result)
        _check_arxiv_side(fake_arxiv, known, unknown, base)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    logs = _logs(tmp_path)
    assert "Traceback" not in logs, logs
    assert "looked up" in logs and "looked up" not in (tmp_path / "web.log").read_text(), logs
