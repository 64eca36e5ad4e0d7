"""How a worker stops on SIGTERM, as `docker compose stop` sends it (and SIGKILL 10 s later):
real worker processes on PostgreSQL and Redis, and `serve --with-worker` on SQLite, while the fake
LLM provider hangs or streams slowly. Within the bound the process is gone, and the FAQ it was
writing is either stored or ready for another worker, which then writes it exactly once."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from coolpapers.app.web.sse import RESTARTING
from tests.embedded import embedded_server
from tests.fake_llm.server import FakeLlm
from tests.faq.live import LiveApp, add_papers, faq_settings, wait_for
from tests.faq.test_faq_redis import assert_each_done_once, request_all, row_states, start_worker, stop

HANGING = {"LLM_TIMEOUT_S": "60", "SHUTDOWN_GRACE_S": "1"}  # the provider never answers in time
GRACE_S = 1.0
# `docker compose stop` sends SIGKILL 10 s after SIGTERM: the bound every stop is held to. The
# process's own bound (grace + STOP_MARGIN_S) is a few seconds: on a loaded machine, no test.
KILL_AFTER_S = 10.0


def sigterm_and_time(worker: subprocess.Popen[bytes] | subprocess.Popen[str], limit: float) -> float:
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(limit)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(10)
        raise AssertionError(f"still running {limit:g} s after SIGTERM") from None
    return time.monotonic() - started


def only_row(db: str) -> tuple[int, str, int, str | None]:
    rows = row_states(db)
    assert len(rows) == 1, rows
    return rows[0]


def finish_with_another_worker(pg_url: str, redis_url: str, prefix: str, llm: FakeLlm, llm_url: str,
                               log: Path) -> None:  # fmt: skip
    """The provider works again; a new worker must store the FAQ, whole and once."""
    llm.mode = "ok"
    worker = start_worker(pg_url, redis_url, prefix, llm_url, log)
    try:
        wait_for(lambda: only_row(pg_url)[1] == "done", 30,
                 lambda: f"the FAQ done again: {row_states(pg_url)}\n{log.read_text()[-3000:]}")  # fmt: skip
    finally:
        stop(worker)
    assert_each_done_once(pg_url, 1)
    assert llm.completed == 1  # one answer streamed to the end: the FAQ was written once


@contextmanager
def one_faq_being_written(
    pg_url: str, redis_url: str, prefix: str, fake_llm: tuple[FakeLlm, str], log: Path,
    worker_env: dict[str, str], *, hang: bool = True,
) -> Iterator[subprocess.Popen[bytes]]:  # fmt: skip
    """A reader has asked for one FAQ and a real worker process has taken it; with `hang` the
    provider never answers, so the generation is in flight when this yields."""
    llm, llm_url = fake_llm
    if hang:
        llm.mode, llm.hang_s = "hang", 60
    papers = add_papers(pg_url, 1)
    settings = faq_settings(pg_url, llm_url, redis_url=redis_url, redis_prefix=prefix)
    with LiveApp(settings, with_worker=False) as live:
        request_all(live, papers)
        worker = start_worker(pg_url, redis_url, prefix, llm_url, log, worker_env)
        if hang:
            in_flight = lambda: llm.calls == 1 and only_row(pg_url)[1] == "running"  # noqa: E731
            wait_for(in_flight, 30, "a generation in flight")
        yield worker


def test_sigterm_during_a_hanging_generation_hands_the_faq_back_within_the_bound(
    pg_url: str, redis_url: str, redis_prefix: str, fake_llm: tuple[FakeLlm, str], tmp_path: Path
) -> None:
    llm, llm_url = fake_llm
    log = tmp_path / "w.log"
    with one_faq_being_written(pg_url, redis_url, redis_prefix, fake_llm, log, HANGING) as worker:
        took = sigterm_and_time(worker, KILL_AFTER_S)
        print(f"worker stopped {took:.2f} s after SIGTERM (grace {GRACE_S:g} s)")
        assert worker.returncode == 0, log.read_text()[-3000:]
        assert took >= GRACE_S  # the grace period was given
        _, status, attempts, error = only_row(pg_url)
        assert (status, attempts, error) == ("pending", 1, "worker stopped")  # handed back at once
        finish_with_another_worker(pg_url, redis_url, redis_prefix, llm, llm_url, log)
    assert "Traceback" not in log.read_text()


def test_a_generation_that_ends_within_the_grace_period_is_stored(
    pg_url: str, redis_url: str, redis_prefix: str, fake_llm: tuple[FakeLlm, str], tmp_path: Path
) -> None:
    llm, _ = fake_llm
    llm.chunk_delay_s = 0.05  # about 2 s per answer
    log = tmp_path / "w.log"
    grace = {"SHUTDOWN_GRACE_S": "60"}  # far longer than the answer takes
    with one_faq_being_written(pg_url, redis_url, redis_prefix, fake_llm, log, grace, hang=False) as worker:
        wait_for(lambda: llm.in_flight == 1, 30, "an answer being streamed")
        # Gone well before the grace period ends: it left as soon as its work was done.
        took = sigterm_and_time(worker, 30)
    print(f"worker stopped {took:.2f} s after SIGTERM, once its FAQ was stored")
    assert worker.returncode == 0, log.read_text()[-3000:]
    assert llm.calls == 1
    assert_each_done_once(pg_url, 1)


def test_a_second_sigterm_exits_at_once_and_loses_nothing(
    pg_url: str, redis_url: str, redis_prefix: str, fake_llm: tuple[FakeLlm, str], tmp_path: Path
) -> None:
    llm, llm_url = fake_llm
    log = tmp_path / "w.log"
    env = {**HANGING, "SHUTDOWN_GRACE_S": "30"}
    with one_faq_being_written(pg_url, redis_url, redis_prefix, fake_llm, log, env) as worker:
        worker.send_signal(signal.SIGTERM)
        wait_for(lambda: "work in progress gets" in log.read_text(), 30, "the first SIGTERM handled")
        assert worker.poll() is None  # the first one waits for the generation (grace: 30 s)
        took = sigterm_and_time(worker, KILL_AFTER_S)  # far within the grace: the second signal ended it
        print(f"worker gone {took:.2f} s after the second SIGTERM")
        assert worker.returncode == 128 + signal.SIGTERM
        assert only_row(pg_url)[1] == "running"  # left as it was: the stale sweep hands it back
        finish_with_another_worker(pg_url, redis_url, redis_prefix, llm, llm_url, log)
    assert "second SIGTERM: exiting at once" in log.read_text()


def test_a_database_that_stops_answering_cannot_keep_the_worker_past_the_bound(
    pg_url: str, redis_url: str, redis_prefix: str, fake_llm: tuple[FakeLlm, str], tmp_path: Path
) -> None:
    llm, llm_url = fake_llm
    log = tmp_path / "w.log"
    blocker = create_engine(pg_url)
    with (
        one_faq_being_written(pg_url, redis_url, redis_prefix, fake_llm, log, HANGING) as worker,
        blocker.connect() as conn,
    ):
        # Every write to the row now waits for this lock, as for a database that went silent:
        # threads the worker cannot cancel.
        conn.execute(text("SELECT id FROM faqs FOR UPDATE"))
        took = sigterm_and_time(worker, KILL_AFTER_S)
        print(f"worker with a stuck database call gone {took:.2f} s after SIGTERM")
        conn.rollback()
        assert worker.returncode == 1  # not a clean stop, and it says so
        assert "stopping took longer than" in log.read_text()
        assert only_row(pg_url)[1] == "running"  # its write never happened: the stale sweep hands it back
        finish_with_another_worker(pg_url, redis_url, redis_prefix, llm, llm_url, log)
    blocker.dispose()


def test_serve_with_worker_stops_on_sigterm_within_the_bound(
    fake_llm: tuple[FakeLlm, str], tmp_path: Path
) -> None:
    llm, llm_url = fake_llm
    llm.mode, llm.hang_s = "hang", 60
    settings = {**HANGING, "LLM_BASE_URL": llm_url, "LLM_MODEL": "fake-1", "FAQ_FULL_TEXT": "false"}
    streamed: list[str] = []
    with embedded_server(tmp_path, settings=settings) as server:
        database = server.env["COOLPAPERS_DATABASE_URL"]
        paper = add_papers(database, 1)[0]
        assert httpx.post(f"{server.base}/api/papers/{paper}/faq").status_code == 200

        opened = threading.Event()

        def follow_stream() -> None:  # a reader's open FAQ stream, which the server must not wait for
            try:
                with httpx.stream("GET", f"{server.base}/api/papers/{paper}/faq/stream", timeout=60) as r:
                    for line in r.iter_lines():
                        streamed.append(line)
                        opened.set()
            except httpx.HTTPError as exc:
                streamed.append(f"cut: {exc!r}")

        reader = threading.Thread(target=follow_stream, daemon=True)
        reader.start()
        wait_for(lambda: llm.calls == 1 and only_row(database)[1] == "running", 30, "a generation in flight")
        assert opened.wait(10), streamed  # the reader is following before the server is told to stop
        took = sigterm_and_time(server.proc, KILL_AFTER_S)
        print(f"serve --with-worker stopped {took:.2f} s after SIGTERM")
        reader.join(5)
        assert not reader.is_alive()  # the stream was closed, not left hanging
        assert "event: error" in streamed and any(RESTARTING in line for line in streamed), streamed
    out = server.output[0]
    assert server.proc.returncode == 0, out[-3000:]
    assert "Traceback" not in out and "worker" in out
    _, status, _, error = only_row(database)
    assert (status, error) == ("pending", "worker stopped")
