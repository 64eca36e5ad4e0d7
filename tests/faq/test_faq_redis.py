"""Redis mode with real worker processes: random provider failures across two workers, workers
SIGKILLed mid-generation, and Redis itself going away and coming back."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis import Redis

from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.models import Faq, Paper
from tests.conftest import missing_service
from tests.fake_llm.server import FakeLlm, answer_for
from tests.faq.live import LiveApp, add_papers, faq_settings, wait_for

FAST = {"ARXIV_MIN_INTERVAL_S": "0", "FAQ_FULL_TEXT": "false", "FAQ_RETRY_BASE_S": "0.05",
        "FAQ_RETRY_MAX_S": "0.2", "FAQ_HEARTBEAT_S": "0.5", "FAQ_SWEEP_S": "0.3", "LLM_TIMEOUT_S": "2",
        "FAQ_MAX_ATTEMPTS": "30", "LLM_CONCURRENCY": "4", "LLM_MODEL": "fake-1",
        "LOG_LEVEL": "warning"}  # fmt: skip


def start_worker(
    db: str, redis_url: str, prefix: str, llm_url: str, log: Path, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`coolpapers worker --only faq` with the FAST settings; `extra` overrides some (no prefix)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
    values = {
        **FAST,
        "DATABASE_URL": db,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": prefix,
        "LLM_BASE_URL": llm_url,
        **(extra or {}),
    }
    env.update({f"COOLPAPERS_{k}": v for k, v in values.items()})
    out = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "coolpapers.cli.main", "worker", "--only", "faq"],
        env=env,
        stdout=out,
        stderr=out,
    )


def stop(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it is still finishing a job: how it stops is not under test here
    (a worker killed at any point loses nothing, as the SIGKILL test shows)."""
    worker.terminate()
    try:
        worker.wait(10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(10)


def done_rows(db: str) -> dict[str, tuple[str, str | None]]:
    engine = make_engine(db)
    try:
        with session_scope(make_session_factory(engine)) as session:
            rows = session.query(Paper.title, Faq.status, Faq.markdown).join(Paper, Faq.paper_id == Paper.id)
            return {title: (status, markdown) for title, status, markdown in rows}
    finally:
        engine.dispose()


def row_states(db: str) -> list[tuple[int, str, int, str | None]]:
    """Each row's id, status, attempts and last error: what a timeout reports."""
    engine = make_engine(db)
    try:
        with session_scope(make_session_factory(engine)) as session:
            rows = session.query(Faq.id, Faq.status, Faq.attempts, Faq.error).order_by(Faq.id)
            return [(i, s, a, e) for i, s, a, e in rows]
    finally:
        engine.dispose()


def request_all(live: LiveApp, papers: list[str]) -> None:
    with httpx.Client(base_url=live.url) as client:
        for paper in papers:
            assert client.post(f"/api/papers/{paper}/faq").status_code == 200


def assert_each_done_once(db: str, count: int) -> None:
    rows = done_rows(db)
    assert len(rows) == count
    for title, (status, markdown) in rows.items():
        assert status == "done", (title, status)
        assert markdown == answer_for(f"Title: {title}")  # the whole answer, exactly once


def test_two_workers_random_failures_every_job_done_once(
    pg_url: str, redis_url: str, redis_prefix: str, fake_llm: tuple[FakeLlm, str], tmp_path: Path
) -> None:
    llm, llm_url = fake_llm
    llm.mode, llm.failure_rate, llm.retry_after = "random", 0.3, "0"
    papers = add_papers(pg_url, 100)
    settings = faq_settings(pg_url, llm_url, redis_url=redis_url, redis_prefix=redis_prefix,
                            faq_rate_limit_per_hour=0)  # fmt: skip
    workers = [start_worker(pg_url, redis_url, redis_prefix, llm_url, tmp_path / "w.log") for _ in range(2)]
    try:
        with LiveApp(settings, with_worker=False) as live:
            request_all(live, papers)
            wait_for(lambda: all(s == "done" for s, _ in done_rows(pg_url).values()), 150, "all FAQs done")
    finally:
        for w in workers:
            stop(w)
    assert all(w.returncode == 0 for w in workers), (tmp_path / "w.log").read_text()[-3000:]
    assert_each_done_once(pg_url, 100)
    assert llm.calls > 100  # faults really happened and were retried


def test_sigkilled_worker_loses_nothing(
    pg_url: str, redis_url: str, redis_prefix: str, fake_llm: tuple[FakeLlm, str], tmp_path: Path
) -> None:
    llm, llm_url = fake_llm
    llm.chunk_delay_s = 0.03  # ~1 s per answer: kills land mid-generation
    papers = add_papers(pg_url, 12)
    settings = faq_settings(pg_url, llm_url, redis_url=redis_url, redis_prefix=redis_prefix,
                            faq_rate_limit_per_hour=0)  # fmt: skip
    log = tmp_path / "w.log"
    with LiveApp(settings, with_worker=False) as live:
        request_all(live, papers)
        for _ in range(5):
            worker = start_worker(pg_url, redis_url, redis_prefix, llm_url, log)
            started = llm.calls
            wait_for(lambda: llm.in_flight > 0 and llm.calls > started, 30, "a generation in flight")  # noqa: B023
            time.sleep(0.2)
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        worker = start_worker(pg_url, redis_url, redis_prefix, llm_url, log)
        try:
            wait_for(lambda: all(s == "done" for s, _ in done_rows(pg_url).values()), 90,
                     lambda: f"all FAQs done: {row_states(pg_url)}\n{log.read_text()[-3000:]}")  # fmt: skip
        finally:
            stop(worker)
    assert_each_done_once(pg_url, 12)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    """A private redis-server (the shared one must never be stopped)."""
    if shutil.which("redis-server") is None:
        missing_service("redis-server is not installed")
    port = free_port()
    procs: list[subprocess.Popen[bytes]] = []
    yield port, procs
    for proc in procs:
        proc.kill()
        proc.wait(5)


def start_redis(port: int, tmp: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL)  # fmt: skip
    client = Redis(port=port)
    wait_for(lambda: _pings(client), 10, "redis-server")
    client.close()
    return proc


def _pings(client: Redis) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


def test_redis_outage_is_a_clear_503_and_heals_without_restart(
    sqlite_url: str, fake_llm: tuple[FakeLlm, str], own_redis: tuple[int, list[subprocess.Popen[bytes]]],
    tmp_path: Path,
) -> None:  # fmt: skip
    port, procs = own_redis
    _llm, llm_url = fake_llm
    papers = add_papers(sqlite_url, 3)
    redis = start_redis(port, tmp_path)
    procs.append(redis)
    settings = faq_settings(
        sqlite_url, llm_url, redis_url=f"redis://127.0.0.1:{port}/0", redis_prefix="outage"
    )
    with LiveApp(settings, with_worker=False) as live, httpx.Client(base_url=live.url, timeout=15) as client:
        assert client.post(f"/api/papers/{papers[0]}/faq").json()["status"] == "pending"
        redis.kill()
        redis.wait(5)
        assert client.get("/").status_code == 200  # pages still render
        down = client.post(f"/api/papers/{papers[1]}/faq")
        assert down.status_code == 503
        assert down.json()["error"]["code"] == "unavailable" and "Redis" in down.json()["error"]["message"]
        assert "127.0.0.1" not in down.text and str(port) not in down.text  # where Redis lives: logs only
        assert client.get(f"/api/papers/{papers[0]}/faq").json()["status"] == "pending"  # from the database
        procs.append(start_redis(port, tmp_path))
        back = client.post(f"/api/papers/{papers[1]}/faq")
        assert back.status_code == 200 and back.json()["status"] == "pending"
        # Both rows wait in the database, which is the queue: a worker started now takes them.
        assert {client.get(f"/api/papers/{p}/faq").json()["status"] for p in papers[:2]} == {"pending"}
