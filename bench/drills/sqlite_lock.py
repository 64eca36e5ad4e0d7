"""SQLite's write lock held for 15 s (as a long import transaction holds it) while the embedded
worker (`serve --with-worker`) is writing a FAQ: the generation is not cancelled — one provider call,
one attempt, stored once — and pages keep answering meanwhile (WAL readers do not wait for writers)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx

from bench.drills.faq_rows import faq_rows, record_stores, request_faqs, summary
from bench.drills.result import Result
from bench.drills.services import Coolpapers, fake_llm, wait_until
from tests.faq.live import add_papers

LOCK_S = 15.0


def hold_write_lock(path: Path, seconds: float, held: threading.Event) -> None:
    """BEGIN IMMEDIATE takes the one writer's lock; nobody else writes until COMMIT."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE papers SET title = title WHERE id = (SELECT min(id) FROM papers)")
        held.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
    finally:
        conn.close()


def run(tmp: Path) -> Result:
    start = time.monotonic()
    name = f"hold SQLite's write lock {LOCK_S:.0f} s during a generation"
    db = tmp / "drill.db"
    url = f"sqlite:///{db}"
    llm, server = fake_llm(chunk_delay_s=0.12)  # ~3 s per answer: it ends while the lock is held
    with server:
        # The default heartbeat (10 s): the lease is what a lock this long puts at risk.
        cp = Coolpapers(
            tmp,
            {
                "DATABASE_URL": url,
                "LLM_BASE_URL": f"{server.url}/v1",
                "FAQ_HEARTBEAT_S": "10",
                "FAQ_SWEEP_S": "15",
            },
        )
        try:
            cp.run("db", "upgrade")
            papers = add_papers(url, 1)
            record_stores(url)
            base = cp.serve("--with-worker")
            request_faqs(base, papers)
            wait_until(lambda: llm.in_flight > 0, 30, "the generation streaming")
            held = threading.Event()
            locker = threading.Thread(target=hold_write_lock, args=(db, LOCK_S, held))
            locker.start()
            held.wait(10)
            locked_at = time.monotonic()
            slowest = 0.0
            with httpx.Client(base_url=base, timeout=30) as client:
                while locker.is_alive():
                    asked = time.monotonic()
                    ok_page = client.get(f"/arxiv/{papers[0]}").status_code == 200
                    slowest = max(slowest, time.monotonic() - asked) if ok_page else float("inf")
                    time.sleep(0.5)
            locker.join()
            waited = wait_until(lambda: faq_rows(url)[0].status in ("done", "failed"), 60, "the FAQ ended")
            ok, detail = summary(faq_rows(url), 1)
            stored_after_s = time.monotonic() - locked_at - waited
        except RuntimeError as exc:
            return Result(name, False, f"{exc}\n{cp.log_tail()}", time.monotonic() - start)
        finally:
            cp.stop_all()
    attempts = faq_rows(url)[0].attempts
    ok = ok and llm.calls == 1 and attempts == 1 and slowest < 1.0
    detail = (
        f"{detail}; {llm.calls} provider call(s), {attempts} attempt(s); stored {stored_after_s:.1f} s "
        f"after the lock was taken; slowest page during the lock {slowest * 1000:.0f} ms"
    )
    return Result(name, ok, detail, time.monotonic() - start)
