"""The storage rules every writer relies on, on both backends."""

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.announce import derive_announcements
from coolpapers.app.arxiv.records import ListedPaper, PaperRecord
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.models import Announcement, Paper, PaperCategory
from coolpapers.app.store.papers import store_announcements, store_papers
from coolpapers.app.store.stats import category_counts, table_counts

DAY = dt.date(2026, 6, 9)


def rec(
    arxiv_id: str, *cats: str, version: int = 1, title: str = "A title", doi: str | None = None
) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id, title=title, authors=("Ada Example", "Bo Sample"), abstract="Abstract.",
        categories=cats or ("cs.CL",), version=version, doi=doi,
    )  # fmt: skip


def store_day(factory: sessionmaker[Session], day: dt.date, items: list[ListedPaper]) -> int:
    with session_scope(factory) as s:
        ids, _ = store_papers(s, (i.paper for i in items))
        return store_announcements(s, derive_announcements(day, items), ids)


def test_storing_the_same_day_twice_changes_nothing(session_factory: sessionmaker[Session]) -> None:
    items = [ListedPaper(rec("2606.00001", "cs.CL", "cs.AI")), ListedPaper(rec("2606.00002", "cs.AI"))]
    assert store_day(session_factory, DAY, items) == 3
    with session_scope(session_factory) as s:
        before = table_counts(s)
    assert store_day(session_factory, DAY, items) == 0
    with session_scope(session_factory) as s:
        assert table_counts(s) == before
        assert before["papers"] == 2 and before["announcements"] == 3


def test_types_and_positions_per_category(session_factory: sessionmaker[Session]) -> None:
    items = [
        ListedPaper(rec("2606.00001", "cs.CL", "cs.AI")),
        ListedPaper(rec("2606.00002", "cs.AI")),
        ListedPaper(rec("2605.00009", "cs.AI", "cs.CL", version=2), replacement=True),
    ]
    store_day(session_factory, DAY, items)
    with session_scope(session_factory) as s:
        rows = s.execute(
            select(Announcement.category, Paper.arxiv_id, Announcement.type, Announcement.position)
            .join(Paper, Paper.id == Announcement.paper_id)
            .order_by(Announcement.category, Announcement.position)
        ).all()
        assert [tuple(r) for r in rows] == [
            ("cs.AI", "2606.00002", "new", 0),
            ("cs.AI", "2606.00001", "cross", 1),
            ("cs.AI", "2605.00009", "replace", 2),
            ("cs.CL", "2606.00001", "new", 0),
            ("cs.CL", "2605.00009", "replace-cross", 1),
        ]
        assert category_counts(s, DAY) == {"cs.AI": 2, "cs.CL": 1}


def test_newer_version_updates_older_never_overwrites(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as s:
        store_papers(s, [rec("2606.00003", "cs.CL", version=1, title="Old", doi="10.1/x")])
    with session_scope(session_factory) as s:
        _, result = store_papers(s, [rec("2606.00003", "cs.LG", "cs.CL", version=2, title="New")])
        assert result.updated == 1
    with session_scope(session_factory) as s:
        _, result = store_papers(s, [rec("2606.00003", "cs.CL", version=1, title="Old")])
        assert result.unchanged == 1
    with session_scope(session_factory) as s:
        paper = s.scalars(select(Paper).where(Paper.arxiv_id == "2606.00003")).one()
        assert (paper.version, paper.title, paper.primary_category) == (2, "New", "cs.LG")
        assert paper.doi == "10.1/x"  # a missing value in the newer record does not erase a known one
        cats = s.scalars(
            select(PaperCategory.category)
            .where(PaperCategory.paper_id == paper.id)
            .order_by(PaperCategory.position)
        ).all()
        assert cats == ["cs.LG", "cs.CL"]


def test_replacement_keeps_earlier_announcements(session_factory: sessionmaker[Session]) -> None:
    store_day(session_factory, DAY, [ListedPaper(rec("2606.00004", "cs.CL"))])
    later = DAY + dt.timedelta(days=7)
    store_day(session_factory, later, [ListedPaper(rec("2606.00004", "cs.CL", version=2), replacement=True)])
    with session_scope(session_factory) as s:
        rows = s.execute(select(Announcement.date, Announcement.type).order_by(Announcement.date)).all()
        assert [tuple(r) for r in rows] == [(DAY, "new"), (later, "replace")]


def test_large_batches_are_chunked(session_factory: sessionmaker[Session]) -> None:
    items = [ListedPaper(rec(f"2606.{n:05d}", "cs.CL", "cs.AI")) for n in range(1, 1301)]
    assert store_day(session_factory, DAY, items) == 2600
    with session_scope(session_factory) as s:
        assert table_counts(s)["paper_categories"] == 2600
