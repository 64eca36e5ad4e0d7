"""FAQ leases are reckoned on the database's clock, never a host's: a sweeper or web host whose clock
runs off neither hands on a healthy generation nor misses a dead one, and a row handed back by a
stopping worker spends an attempt exactly as a claim does. Both databases."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.faq.generate import FaqRuntime, ProviderLimiter, run_claim
from coolpapers.app.faq.provider import Usage
from coolpapers.app.store import faqs as store
from coolpapers.app.store import models
from coolpapers.app.store.db import session_scope
from coolpapers.app.web.status_report import faq_status
from tests.faq.live import add_papers, faq_settings

STALE = dt.timedelta(seconds=30)  # the sweep's window; each test runs in far less


def run_clock_off_by(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """This process's clock, as every store module read it, runs `seconds` ahead (behind if < 0)."""
    real = models.utcnow

    def off() -> dt.datetime:
        return real() + dt.timedelta(seconds=seconds)

    for module in (models, store):
        monkeypatch.setattr(module, "utcnow", off)


def one_claimed_row(database_url: str, factory: sessionmaker[Session]) -> store.Claim:
    add_papers(database_url, 1)
    store.request_faq(factory, 1, "en", "v", store.READER_PRIORITY)
    claim = store.claim_next(factory, "healthy")
    assert claim is not None
    return claim


def row(factory: sessionmaker[Session], faq_id: int) -> models.Faq:
    found = store.get_faq(factory, faq_id)
    assert found is not None
    return found


@pytest.mark.parametrize("worker_off_s", [0, -60])
def test_a_sweeper_whose_clock_runs_ahead_leaves_a_fresh_lease_alone(
    database_url: str, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
    worker_off_s: float,
) -> None:  # fmt: skip
    run_clock_off_by(monkeypatch, worker_off_s)  # the worker: right, or a minute behind
    claim = one_claimed_row(database_url, session_factory)
    assert store.heartbeat(session_factory, claim)
    run_clock_off_by(monkeypatch, 60)  # the sweeper (and the web host): a minute ahead
    assert store.release_stale(session_factory, STALE, 5) == 0
    assert store.heartbeat(session_factory, claim)  # the worker still holds its lease
    held = row(session_factory, claim.faq_id)
    assert (held.status, held.worker_id, held.attempts) == ("running", claim.token, 1)
    # /status judges by the same clock: nothing stalled.
    settings = faq_settings(database_url, faq_heartbeat_s=STALE.total_seconds() / 3)
    with session_scope(session_factory) as session:
        report = faq_status(session, settings, models.utcnow())
    assert report.stalled == 0 and report.stalled_rows == []


def age_heartbeat_on_db_clock(factory: sessionmaker[Session], faq_id: int, minutes: int) -> None:
    with session_scope(factory) as session:
        if session.get_bind().dialect.name == "sqlite":  # stored as text, microseconds included
            then = f"strftime('%Y-%m-%d %H:%M:%f000', 'now', '-{minutes} minutes')"
        else:
            then = f"clock_timestamp() - interval '{minutes} minutes'"
        session.execute(text(f"UPDATE faqs SET heartbeat_at = {then} WHERE id = :id"), {"id": faq_id})


@pytest.mark.parametrize("sweeper_off_s", [0, -1200])
def test_a_heartbeat_old_on_the_database_clock_is_released(
    database_url: str, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
    sweeper_off_s: float,
) -> None:  # fmt: skip
    claim = one_claimed_row(database_url, session_factory)
    age_heartbeat_on_db_clock(session_factory, claim.faq_id, 10)
    run_clock_off_by(monkeypatch, sweeper_off_s)  # right, or twenty minutes behind
    settings = faq_settings(database_url, faq_heartbeat_s=STALE.total_seconds() / 3)
    with session_scope(session_factory) as session:
        report = faq_status(session, settings, models.utcnow())
    assert report.stalled == 1 and len(report.stalled_rows) == 1
    assert store.release_stale(session_factory, STALE, 5) == 1
    assert row(session_factory, claim.faq_id).status == "pending"
    assert not store.heartbeat(session_factory, claim)  # the dead worker's lease is gone
    retaken = store.claim_next(session_factory, "next")
    assert retaken is not None and retaken.attempt == 2


def test_retry_times_are_kept_on_the_database_clock(
    database_url: str, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    claim = one_claimed_row(database_url, session_factory)
    run_clock_off_by(monkeypatch, 7200)  # a worker two hours ahead asks for an hour's backoff
    assert store.retry_later(session_factory, claim, "busy", 3600)
    assert store.claim_next(session_factory, "ahead") is None  # its clock does not shorten it
    claim = claim_ignoring_backoff(session_factory)
    run_clock_off_by(monkeypatch, -3600)  # one an hour behind asks to retry at once
    assert store.retry_later(session_factory, claim, "busy", 0)
    again = store.claim_next(session_factory, "behind")
    assert again is not None and again.faq_id == claim.faq_id  # due now, not an hour from now


def claim_ignoring_backoff(factory: sessionmaker[Session]) -> store.Claim:
    """Take the waiting row whatever its retry time says, to try the next backoff."""
    with session_scope(factory) as session:
        session.execute(text("UPDATE faqs SET not_before = NULL"))
    claim = store.claim_next(factory, "ahead")
    assert claim is not None
    return claim


class HangingLlm:
    """Streams nothing until cancelled, like a provider that is still thinking at shutdown."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def stream(self, prompt: str, usage: Usage) -> AsyncIterator[str]:
        self.started.set()
        await asyncio.Event().wait()
        yield ""

    async def aclose(self) -> None:
        pass


class QuietBus:
    async def publish(self, faq_id: int, kind: str, text: str = "") -> None:
        pass


def test_a_row_handed_back_at_shutdown_spends_its_attempts(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    add_papers(database_url, 1)
    faq, _ = store.request_faq(session_factory, 1, "en", "v", store.READER_PRIORITY)
    settings = faq_settings(database_url, "http://127.0.0.1:9/v1", faq_max_attempts=3)

    async def stopped_mid_generation(claim: store.Claim) -> None:
        llm = HangingLlm()
        bus, no_arxiv = cast(Any, QuietBus()), cast(Any, None)  # the abstract is the input: no PDF fetched
        rt = FaqRuntime(settings, session_factory, bus, cast(Any, llm), no_arxiv, "w", ProviderLimiter(0, 0))
        task = asyncio.create_task(run_claim(rt, claim))
        await llm.started.wait()
        task.cancel()  # what the worker's shutdown does after its grace period
        with pytest.raises(asyncio.CancelledError):
            await task

    for attempt in range(1, 4):
        claim = store.claim_next(session_factory, f"w{attempt}")
        assert claim is not None and claim.attempt == attempt
        asyncio.run(stopped_mid_generation(claim))
        handed = row(session_factory, faq.id)
        assert handed.worker_id is None and handed.attempts == attempt
        if attempt < 3:
            assert (handed.status, handed.error) == ("pending", "worker stopped")
    assert (handed.status, handed.error) == ("failed", store.gave_up_error(3))
    assert store.claim_next(session_factory, "w4") is None  # nothing left to loop on
