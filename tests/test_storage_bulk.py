"""The bulk write paths (COPY on PostgreSQL, executemany on SQLite) keep every storage rule."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.records import AnnouncementRecord, PaperRecord, StoreResult
from coolpapers.app.store.bulk import ConcurrentWrite
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.models import Announcement, Paper, PaperCategory
from coolpapers.app.store.papers import store_announcements, store_papers
from coolpapers.app.store.stats import table_counts
from tests.write_race import another_process_stores_first

PLUS_TWO = dt.timezone(dt.timedelta(hours=2))
FULL = PaperRecord(
    arxiv_id="hep-th/9901001",
    version=3,
    title='Schrödinger\'s "cat", a tab\tand a backslash \\ in $\\alpha$',
    authors=("Ærø Ünïcode", "O'Brien, Jr.", "李 小龙"),
    abstract="First paragraph.\n\nSecond paragraph with a NUL-free \\N and |pipes|.",
    categories=("hep-th", "math-ph", "hep-th", "gr-qc"),  # the repeat is dropped, order kept
    comments="12 pages",
    journal_ref="Phys. Rev. D 1 (1999) 1",
    doi="10.1000/xyz",
    license="http://creativecommons.org/licenses/by/4.0/",
    submitted_at=dt.datetime(1999, 1, 4, 12, 30, 15, tzinfo=PLUS_TWO),
    updated_at=dt.datetime(2001, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC),
)


def categories_of(session: Session, paper_id: int) -> list[str]:
    return list(
        session.scalars(
            select(PaperCategory.category)
            .where(PaperCategory.paper_id == paper_id)
            .order_by(PaperCategory.position)
        )
    )


def test_bulk_rows_read_back_exactly_and_restoring_changes_nothing(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as s:
        ids, result = store_papers(s, [FULL])
        assert (result.inserted, result.updated, result.unchanged) == (1, 0, 0)
    with session_scope(session_factory) as s:
        paper = s.scalars(select(Paper).where(Paper.arxiv_id == FULL.arxiv_id)).one()
        assert paper.id == ids[FULL.arxiv_id]
        assert (paper.version, paper.title, paper.abstract) == (FULL.version, FULL.title, FULL.abstract)
        assert paper.authors == list(FULL.authors)
        assert (paper.comments, paper.journal_ref, paper.doi, paper.license) == (
            FULL.comments, FULL.journal_ref, FULL.doi, FULL.license,
        )  # fmt: skip
        assert paper.primary_category == "hep-th"
        assert paper.submitted_at is not None and paper.submitted_at.tzinfo is not None
        assert paper.submitted_at == FULL.submitted_at
        assert paper.updated_at == FULL.updated_at
        assert categories_of(s, paper.id) == ["hep-th", "math-ph", "gr-qc"]
        first_change, counts = paper.changed_at, table_counts(s)
    with session_scope(session_factory) as s:
        again_ids, again = store_papers(s, [FULL])
    assert again_ids == ids and (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    with session_scope(session_factory) as s:
        paper = s.scalars(select(Paper).where(Paper.arxiv_id == FULL.arxiv_id)).one()
        assert paper.changed_at == first_change  # the search index sync sees no change
        assert table_counts(s) == counts


def test_mixed_chunk_of_new_changed_and_unchanged_papers(session_factory: sessionmaker[Session]) -> None:
    def rec(n: int, version: int = 1, *cats: str) -> PaperRecord:
        return PaperRecord(
            arxiv_id=f"2606.{n:05d}", title=f"Paper {n} v{version}", authors=("A B",), abstract="x",
            categories=cats or ("cs.CL",), version=version,
        )  # fmt: skip

    with session_scope(session_factory) as s:
        store_papers(s, [rec(n) for n in range(1, 701)])
    batch = [rec(n) for n in range(1, 301)]  # unchanged
    batch += [rec(n, 2, "cs.AI", "cs.CL") for n in range(301, 601)]  # newer version, new categories
    batch += [rec(n) for n in range(701, 2201)]  # new; 2,100 records span chunks on both backends
    with session_scope(session_factory) as s:
        ids, result = store_papers(s, batch)
    assert (result.inserted, result.updated, result.unchanged) == (1500, 300, 300)
    assert len(ids) == 2100
    with session_scope(session_factory) as s:
        counts = table_counts(s)
        assert counts["papers"] == 2200 and counts["paper_categories"] == 2200 + 300
        assert categories_of(s, ids["2606.00450"]) == ["cs.AI", "cs.CL"]
        assert categories_of(s, ids["2606.00250"]) == ["cs.CL"]


def test_paper_stored_by_a_concurrent_writer_meanwhile_is_compared_not_duplicated(pg_url: str) -> None:
    """Writer B reads before writer A commits the same paper: B's insert must yield to A's row."""
    engine = make_engine(pg_url)
    factory = make_session_factory(engine)
    older = PaperRecord(
        arxiv_id="2606.00001", title="Old", authors=("A",), abstract="x", categories=("cs.CL",)
    )
    newer = PaperRecord(
        arxiv_id="2606.00001", title="New", authors=("A",), abstract="x", categories=("cs.AI",), version=2
    )
    outcome: list[StoreResult | BaseException] = []

    def writer_b() -> None:
        try:
            with session_scope(factory) as s:
                outcome.append(store_papers(s, [newer])[1])
        except BaseException as exc:
            outcome.append(exc)

    try:
        session_a = factory()
        store_papers(session_a, [older])  # not committed yet: B cannot see it
        b = threading.Thread(target=writer_b)
        b.start()
        waiting = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        deadline = time.monotonic() + 20
        # Autocommit: inside one transaction PostgreSQL would show the same activity snapshot.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as probe:
            while probe.execute(text(waiting)).scalar() == 0:  # B blocks on A's uncommitted key
                assert b.is_alive(), f"writer B ended before reaching the insert: {outcome}"
                assert time.monotonic() < deadline, "writer B never reached the insert"
                time.sleep(0.02)
        session_a.commit()
        session_a.close()
        b.join(20)
        assert len(outcome) == 1 and isinstance(outcome[0], StoreResult), outcome
        assert (outcome[0].inserted, outcome[0].updated, outcome[0].unchanged) == (0, 1, 0)
        with session_scope(factory) as s:
            paper = s.scalars(select(Paper)).one()
            assert (paper.title, paper.version) == ("New", 2)
            assert categories_of(s, paper.id) == ["cs.AI"]
    finally:
        engine.dispose()


def test_repeated_announcement_in_one_call_is_stored_and_counted_once(
    session_factory: sessionmaker[Session],
) -> None:
    day = dt.date(2026, 6, 10)
    with session_scope(session_factory) as s:
        ids, _ = store_papers(s, [FULL])
        first = AnnouncementRecord(FULL.arxiv_id, "hep-th", day, "new", 0)
        repeat = AnnouncementRecord(FULL.arxiv_id, "hep-th", day, "cross", 5)
        assert store_announcements(s, [first, repeat], ids) == 1
    with session_scope(session_factory) as s:
        assert s.execute(select(Announcement.type, Announcement.position)).all() == [("new", 0)]


@pytest.mark.parametrize("size", [0, 1])
def test_empty_and_single_batches(session_factory: sessionmaker[Session], size: int) -> None:
    records = [FULL][:size]
    with session_scope(session_factory) as s:
        ids, result = store_papers(s, records)
    assert len(ids) == size and result.inserted == size


def test_sqlite_paper_stored_by_another_process_meanwhile_stops_the_transaction(sqlite_url: str) -> None:
    """SQLite's driver begins the write transaction at the first INSERT, after our read: another
    process can store the same paper in between. Ours cannot be told apart then: nothing is kept."""
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    theirs = PaperRecord(
        arxiv_id="2606.00002", title="Theirs", authors=("A",), abstract="x", categories=("cs.AI",)
    )
    ours = [replace(theirs, title="Ours", categories=("cs.CL",)), FULL]
    written = another_process_stores_first(engine, sqlite_url, theirs)
    try:
        with pytest.raises(ConcurrentWrite, match="1 of 2 new papers rows"), session_scope(factory) as s:
            store_papers(s, ours)
        assert written
        with session_scope(factory) as s:
            paper = s.scalars(select(Paper)).one()  # theirs only: nothing of ours was kept
            assert paper.title == "Theirs" and categories_of(s, paper.id) == ["cs.AI"]
    finally:
        engine.dispose()
