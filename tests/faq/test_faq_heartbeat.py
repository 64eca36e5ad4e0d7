"""A heartbeat that fails once (the database briefly away) is logged and tried again: the lease
holds, the FAQ is written once, and no second generation starts."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from coolpapers.app.store import faqs as store
from tests.fake_llm.server import FakeLlm
from tests.faq.live import LiveApp, add_papers, faq_settings, wait_for


def test_a_heartbeat_that_fails_once_keeps_the_lease(
    sqlite_url: str,
    fake_llm: tuple[FakeLlm, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    llm, llm_url = fake_llm
    llm.chunk_delay_s = 0.05  # an answer takes about two seconds: several heartbeats
    real_heartbeat = store.heartbeat
    beats: list[str] = []

    def flaky_heartbeat(*args: Any) -> bool:
        beats.append("beat")
        if len(beats) == 1:
            raise OperationalError("UPDATE faqs", {}, Exception("server closed the connection unexpectedly"))
        return real_heartbeat(*args)

    monkeypatch.setattr(store, "heartbeat", flaky_heartbeat)
    (paper,) = add_papers(sqlite_url, 1)
    # Beats 0.25 s apart against a 0.75 s stale window: one failed beat, on a loaded machine too,
    # leaves time for the next one to land before the sweep could take the row for dead.
    settings = faq_settings(sqlite_url, llm_url, faq_heartbeat_s=0.25, faq_sweep_s=0.25, faq_languages="en")
    with caplog.at_level(logging.WARNING), LiveApp(settings) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        assert httpx.post(api).status_code == 200
        wait_for(lambda: httpx.get(api).json()["status"] == "done", 60, "the FAQ written")
    assert len(beats) >= 2  # the failed beat was followed by others that held the lease
    assert "heartbeat failed" in caplog.text and "lease lost" not in caplog.text
    assert llm.calls == 1  # one generation: the sweep never saw the row as stale
