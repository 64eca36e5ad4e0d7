"""The asking side of lookups (app.ingest.lookup_requests) against a real database: where an id
stands, the client's allowance, the site-wide cap, and a lookup ending mid-read."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.records import PaperRecord
from coolpapers.app.ingest import lookup_requests
from coolpapers.app.ingest.lookup_requests import LookupDesk
from coolpapers.app.queue.allowance import memory_allowance
from coolpapers.app.queue.doorbell import MemoryDoorbell
from coolpapers.app.store import lookups as rows
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.papers import store_papers
from tests.conftest import make_settings

ID = "2606.10376"


def desk(database_url: str, **settings: Any) -> LookupDesk:
    return LookupDesk(
        make_settings(database_url=database_url, **settings), memory_allowance(), MemoryDoorbell()
    )


def ask(desk: LookupDesk, factory: sessionmaker[Session], ids: list[str], client: str = "1.2.3.4") -> Any:
    with session_scope(factory) as session:
        found = desk.read(session, ids)
    admitted = asyncio.run(desk.admit(client, found))
    with session_scope(factory) as session:
        desk.record(session, found, admitted)
    return found


def settle_as_a_worker_does(factory: sessionmaker[Session]) -> None:
    """Claim the row, store the paper and delete the row in one commit (ingest.lookup)."""
    claim = rows.claim_lookups(factory, "w", 20, dt.timedelta(minutes=5), 3)
    assert claim is not None
    with session_scope(factory) as session:
        store_papers(session, [PaperRecord(arxiv_id=ID, title="T", authors=("A",), abstract="x",
                                           categories=("cs.AI",))])  # fmt: skip
        rows.settle(session, claim, [ID])


def test_a_lookup_ending_between_two_reads_is_not_asked_again(
    database_url: str, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(database_url)
    assert ask(d, session_factory, [ID]).fetching == [ID]
    # The worker commits after the desk's first read and before its second, whichever is which.
    calls: list[str] = []

    def hooked(name: str, real: Any) -> Any:
        def run(session: Session, ids: list[str]) -> Any:
            calls.append(name)
            if len(calls) == 2:
                settle_as_a_worker_does(session_factory)
            return real(session, ids)

        return run

    monkeypatch.setattr(lookup_requests, "papers_by_arxiv_ids",
                        hooked("papers", lookup_requests.papers_by_arxiv_ids))  # fmt: skip
    monkeypatch.setattr(rows, "lookup_rows", hooked("rows", rows.lookup_rows))
    with session_scope(session_factory) as session:
        found = d.read(session, [ID])
    assert len(calls) == 2
    assert ID in found.papers or ID in found.fetching, found  # never "not asked yet"
    assert found.to_ask == []


def test_the_allowance_is_counted_per_id_before_anything_is_stored(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    d = desk(database_url, lookup_rate_limit_per_hour=3)
    ids = [f"2404.3000{n}" for n in range(5)]
    found = ask(d, session_factory, ids)
    assert found.fetching == ids[:3] and found.to_ask == ids[3:]
    assert found.refused and "at most 3 an hour" in found.refused and found.refused_status == 429
    with session_scope(session_factory) as session:
        assert set(rows.lookup_rows(session, ids)) == set(ids[:3])  # the refused ones left no row
    again = ask(d, session_factory, ids)  # the ones waiting cost nothing more
    assert again.fetching == ids[:3] and again.to_ask == ids[3:]
    other = ask(d, session_factory, ids[3:], client="5.6.7.8")
    assert other.fetching == ids[3:]


def test_a_full_queue_refuses_new_lookups_with_503(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    d = desk(database_url, lookup_queue_max=2)
    assert ask(d, session_factory, ["2404.30001", "2404.30002"]).fetching == ["2404.30001", "2404.30002"]
    full = ask(d, session_factory, ["2404.30003"])
    assert full.fetching == [] and full.to_ask == ["2404.30003"] and full.refused_status == 503


def test_a_claim_takes_at_most_its_batch_and_claims_never_overlap(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    ids = [f"2404.3000{n}" for n in range(5)]
    with session_scope(session_factory) as session:
        rows.request_lookups(session, ids, dt.datetime.now(dt.UTC))
    lease = dt.timedelta(minutes=5)
    first = rows.claim_lookups(session_factory, "a", 2, lease, 3)
    second = rows.claim_lookups(session_factory, "b", 2, lease, 3)
    third = rows.claim_lookups(session_factory, "c", 2, lease, 3)
    assert first and second and third
    assert first.arxiv_ids == ids[:2] and second.arxiv_ids == ids[2:4] and third.arxiv_ids == ids[4:]
    assert rows.claim_lookups(session_factory, "d", 2, lease, 3) is None  # all running, leases live
