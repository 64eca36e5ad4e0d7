"""`coolpapers import` while another process writes (a running server storing a day, another
import). It waits while they hold a write lock, on SQLite too, where everything else waits 10 s;
past --lock-timeout it stops with one line and a non-zero status, having stored no half batch. A
paper they store in the middle of a batch is taken in stride."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from coolpapers.app.arxiv.records import PaperRecord
from coolpapers.app.ingest.snapshot_import import import_snapshot
from coolpapers.app.store.db import DEFAULT_SQLITE_WAIT_S, make_engine, make_session_factory, session_scope
from coolpapers.app.store.stats import table_counts
from tests.write_race import another_process_stores_first

RECORDS = 3000


def snapshot(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for n in range(RECORDS):
            out.write(json.dumps({
                "id": f"2001.{n + 1:05d}", "authors": "A. One and B. Two", "title": f"Problem {n}",
                "categories": "cs.CL cs.LG", "abstract": f"We study case {n}.",
                "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
            }) + "\n")  # fmt: skip
    return path


@contextmanager
def sqlite_write_lock(database_url: str) -> Iterator[None]:
    db = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    db.execute("BEGIN IMMEDIATE")  # SQLite has one write lock, for the whole file
    db.execute("INSERT INTO unknown_ids (arxiv_id, checked_at) VALUES ('2001.99999', '2026-01-01')")
    try:
        yield
    finally:
        db.execute("COMMIT")
        db.close()


@contextmanager
def postgres_write_lock(database_url: str) -> Iterator[None]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("LOCK TABLE papers IN EXCLUSIVE MODE"))  # readers pass, writers wait
            yield
            conn.rollback()
    finally:
        engine.dispose()


@contextmanager
def write_lock_held(database_url: str, seconds: float) -> Iterator[threading.Thread]:
    """Another connection takes a write lock, as a writer mid-transaction, and keeps it `seconds`."""
    taken = threading.Event()

    def hold() -> None:
        lock = sqlite_write_lock if database_url.startswith("sqlite") else postgres_write_lock
        with lock(database_url):
            taken.set()
            time.sleep(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(10), "the lock was not taken"
        yield holder
    finally:
        holder.join()


def run_import(database_url: str, path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
    env["COOLPAPERS_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "coolpapers.cli.main", "import", str(path), "--batch-size", "500", *options],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def counts(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return table_counts(session)
    finally:
        engine.dispose()


def test_import_waits_for_a_writer_that_holds_the_lock_longer_than_a_request_would_wait(
    sqlite_url: str, tmp_path: Path
) -> None:
    file = snapshot(tmp_path / "snapshot.jsonl")
    hold_s = DEFAULT_SQLITE_WAIT_S + 2
    started = time.monotonic()
    with write_lock_held(sqlite_url, hold_s):
        result = run_import(sqlite_url, file)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert f"{RECORDS} records read: {RECORDS} papers added" in result.stdout
    assert took >= hold_s  # it really waited for the lock
    stored = counts(sqlite_url)
    assert (stored["papers"], stored["paper_categories"]) == (RECORDS, 2 * RECORDS)


def test_import_gives_up_after_its_lock_timeout_with_one_line_and_no_half_batch(
    database_url: str, tmp_path: Path
) -> None:
    file = snapshot(tmp_path / "snapshot.jsonl")
    with write_lock_held(database_url, 6) as holder:
        result = run_import(database_url, file, "--lock-timeout", "1")
        assert holder.is_alive()  # it gave up while the lock was still held
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: import stopped, the database stayed locked by another process for over 1 s; "
        "the batches stored so far are kept: run the same command to continue"
    ], result.stderr
    stored = counts(database_url)
    assert (stored["papers"], stored["paper_categories"]) == (0, 0)  # the failed batch left nothing

    again = run_import(database_url, file)  # the lock is gone: the same command finishes the job
    assert again.returncode == 0, again.stderr[-3000:]
    assert counts(database_url)["papers"] == RECORDS


def test_a_paper_another_process_stores_in_the_middle_of_a_batch_is_taken_in_stride(
    sqlite_url: str, tmp_path: Path
) -> None:
    """SQLite's driver begins the write transaction at the first INSERT, after the read that found
    the batch's papers missing: a writer in between rolls the batch back, which is then run again."""
    file = snapshot(tmp_path / "snapshot.jsonl")
    engine = make_engine(sqlite_url)
    theirs = PaperRecord(arxiv_id="2001.00002", title="Problem 1", authors=("A. One", "B. Two"),
                         abstract="We study case 1.", categories=("cs.CL", "cs.LG"))  # fmt: skip
    written = another_process_stores_first(engine, sqlite_url, theirs)
    try:
        report = import_snapshot(make_session_factory(engine), file, batch_size=500)
    finally:
        engine.dispose()
    assert written
    assert report.inserted + report.updated + report.unchanged == RECORDS
    assert report.inserted == RECORDS - 1  # theirs was found on the batch's second run
    stored = counts(sqlite_url)
    assert (stored["papers"], stored["paper_categories"]) == (RECORDS, 2 * RECORDS)
