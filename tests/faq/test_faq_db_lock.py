"""A finished answer outlasts a database that is locked for longer than a write may wait (SQLite
under a long import): the worker waits to store it and its token count, instead of paying the
provider for the same FAQ again. bench/drills holds the lock 15 s against the real defaults."""

from __future__ import annotations

import sqlite3
import threading
import time

import httpx
import pytest

from coolpapers.app.store import db as store_db
from coolpapers.app.store import llm_spend
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.models import Faq
from tests.fake_llm.server import FakeLlm, answer_for
from tests.faq.live import LiveApp, add_papers, faq_settings, wait_for

LOCK_S = 3.0


def _hold_write_lock(path: str, held: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(LOCK_S)
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_an_answer_finished_under_a_write_lock_is_stored_once_not_regenerated(
    sqlite_url: str, fake_llm: tuple[FakeLlm, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "DEFAULT_SQLITE_WAIT_S", 0.5)  # each write gives up after 0.5 s
    llm, llm_url = fake_llm
    llm.chunk_delay_s = 0.02  # ~0.5 s of streaming: it ends while the lock is held
    (paper,) = add_papers(sqlite_url, 1)
    settings = faq_settings(sqlite_url, llm_url, faq_heartbeat_s=2.0, faq_sweep_s=2.0)
    with LiveApp(settings) as live:
        httpx.post(f"{live.url}/api/papers/{paper}/faq")
        wait_for(lambda: llm.in_flight > 0, 10, "the generation streaming")
        held = threading.Event()
        locker = threading.Thread(target=_hold_write_lock, args=(sqlite_url.removeprefix("sqlite:///"), held))
        locker.start()
        assert held.wait(5)
        locker.join()
        wait_for(lambda: httpx.get(f"{live.url}/api/papers/{paper}/faq").json()["status"] == "done", 20,
                 "the FAQ stored")  # fmt: skip
    engine = make_engine(sqlite_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            row = session.query(Faq).one()
            assert (row.attempts, row.markdown) == (1, answer_for(f"Title: Paper {paper}"))
            spent = llm_spend.spent(session, llm_spend.today(make_session_factory(engine)))
            assert row.prompt_tokens is not None and row.completion_tokens is not None
            assert spent == row.prompt_tokens + row.completion_tokens  # settled to the real count
    finally:
        engine.dispose()
    assert llm.calls == 1  # the provider was not paid twice
