"""A SQLite write race, staged: another process stores a paper just as our transaction issues its
first INSERT into papers, after our read found that paper missing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

from coolpapers.app.arxiv.records import PaperRecord
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.papers import store_papers


def another_process_stores_first(engine: Engine, url: str, theirs: PaperRecord) -> list[bool]:
    """Hook `engine` so that, once, `theirs` is stored through a separate engine (as another
    process would) right before our first INSERT into papers. The list gets an entry when it did."""
    written: list[bool] = []

    @event.listens_for(engine, "before_cursor_execute")
    def write_first(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO papers") and not written:
            written.append(True)
            other = make_engine(url)
            with session_scope(make_session_factory(other)) as session:
                store_papers(session, [theirs])
            other.dispose()

    return written
