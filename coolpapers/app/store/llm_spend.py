"""The token ledger: what each UTC day has been charged. A generation reserves its estimate
before it calls the provider (refused once the day's budget is reached, in one guarded UPDATE,
so concurrent workers cannot overshoot together) and settles the difference when it ends."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.store.db import db_now, session_scope
from coolpapers.app.store.models import LlmSpend
from coolpapers.app.store.papers import insert_for

ALL, BACKGROUND = "all", "background"


def _ensure(session: Session, day: dt.date) -> None:
    table = cast(Table, LlmSpend.__table__)
    rows = [{"day": day, "kind": ALL, "tokens": 0}, {"day": day, "kind": BACKGROUND, "tokens": 0}]
    session.execute(
        insert_for(session, table).values(rows).on_conflict_do_nothing(index_elements=["day", "kind"])
    )


def _add(session: Session, day: dt.date, kind: str, tokens: int) -> None:
    session.execute(
        update(LlmSpend)
        .where(LlmSpend.day == day, LlmSpend.kind == kind)
        .values(tokens=LlmSpend.tokens + tokens)
    )


def today(factory: sessionmaker[Session]) -> dt.date:
    """The UTC day on the database's clock: every worker charges the same day, whatever its own says."""
    with session_scope(factory) as session:
        return db_now(session).date()


def reserve(
    factory: sessionmaker[Session], day: dt.date, estimate: int, budget: int, background: bool
) -> bool:
    """Charge `estimate` to `day` unless the day has reached `budget` (0: no budget). The day may
    end over budget by at most one generation's estimate, never more."""
    with session_scope(factory) as session:
        _ensure(session, day)
        query = update(LlmSpend).where(LlmSpend.day == day, LlmSpend.kind == ALL)
        if budget:
            query = query.where(LlmSpend.tokens < budget)
        taken = session.execute(query.values(tokens=LlmSpend.tokens + estimate))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return False
        if background:
            _add(session, day, BACKGROUND, estimate)
        return True


def settle(factory: sessionmaker[Session], day: dt.date, difference: int, background: bool) -> None:
    """The real count minus the estimate (negative when the estimate was too high)."""
    if difference:
        with session_scope(factory) as session:
            _add(session, day, ALL, difference)
            if background:
                _add(session, day, BACKGROUND, difference)


def spent(session: Session, day: dt.date, kind: str = ALL) -> int:
    found = session.scalar(select(LlmSpend.tokens).where(LlmSpend.day == day, LlmSpend.kind == kind))
    return int(found or 0)


def spent_on(factory: sessionmaker[Session], day: dt.date, kind: str = ALL) -> int:
    with session_scope(factory) as session:
        return spent(session, day, kind)
