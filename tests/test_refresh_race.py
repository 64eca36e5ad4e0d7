"""A feed stored while another process stores some of its papers (SQLite): the feed fails cleanly
and is stored whole on the next check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event

from coolpapers.app.arxiv.records import PaperRecord
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.papers import store_papers
from coolpapers.app.store.stats import table_counts
from tests.fake_arxiv.server import FakeArxiv
from tests.test_refresh import refresh, row


def test_feed_racing_another_sqlite_writer_is_recorded_and_stored_on_the_next_check(
    sqlite_url: str, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.day = dt.date(2026, 6, 10)
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    raced: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def another_process_stores_a_paper_first(
        conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any
    ) -> None:
        if statement.startswith("INSERT INTO papers") and not raced:
            raced.append(parameters[0][0])  # the first paper this insert is about to write
            other = make_engine(sqlite_url)
            with session_scope(make_session_factory(other)) as s:
                store_papers(s, [PaperRecord(raced[0], "Theirs", ("A",), "x", ("cs.CL",))])
            other.dispose()

    try:
        (report,) = refresh(factory, fake_arxiv, "cs.CL")
        assert report.outcome == "error" and "another writer" in (report.error or "")
        failed = row(factory, "cs.CL")
        assert failed.error_count == 1 and "another writer" in (failed.last_error or "")
        with session_scope(factory) as s:
            counts = table_counts(s)
            assert (counts["papers"], counts["announcements"]) == (1, 0)  # only the other writer's paper
        (again,) = refresh(factory, fake_arxiv, "cs.CL", force=True)
        assert again.outcome == "stored" and again.announcements_added > 0
        assert again.papers_added == again.items - 1 and again.papers_updated == 1  # theirs is v1 too
    finally:
        engine.dispose()
