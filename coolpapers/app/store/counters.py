"""Reader counters (PDF opens, FAQ opens, stars): one atomic upsert per event, never below zero."""

from __future__ import annotations

from typing import Literal, cast

from sqlalchemy import Table, case, select
from sqlalchemy.orm import Session

from coolpapers.app.store.day_listings import Counters
from coolpapers.app.store.models import PaperCounter
from coolpapers.app.store.papers import insert_for

CounterName = Literal["pdf_opens", "faq_opens", "stars"]
COUNTERS = cast(Table, PaperCounter.__table__)


def bump_counter(session: Session, paper_id: int, name: CounterName, delta: int) -> Counters:
    """Add `delta` (±1) to one counter in a single statement, so concurrent clicks all count."""
    column = COUNTERS.c[name]
    new_value = case((column + delta < 0, 0), else_=column + delta)
    start = {"pdf_opens": 0, "faq_opens": 0, "stars": 0}
    start[name] = max(delta, 0)
    stmt = (
        insert_for(session, COUNTERS)
        .values(paper_id=paper_id, **start)
        .on_conflict_do_update(index_elements=["paper_id"], set_={name: new_value})
    )
    session.execute(stmt)
    row = session.execute(select(COUNTERS).where(COUNTERS.c.paper_id == paper_id)).one()
    return Counters(row.pdf_opens, row.faq_opens, row.stars)
