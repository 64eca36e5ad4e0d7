"""Ids arXiv said it does not know, remembered briefly so repeated clicks don't re-ask arXiv."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from coolpapers.app.store.models import UnknownId
from coolpapers.app.store.papers import insert_for

UNKNOWN_TTL = dt.timedelta(hours=1)  # arXiv may announce a new id later; ask again after this


def recently_unknown(session: Session, arxiv_id: str, since: dt.datetime) -> bool:
    checked = session.scalar(select(UnknownId.checked_at).where(UnknownId.arxiv_id == arxiv_id))
    return checked is not None and checked >= since


def remember_unknown(session: Session, arxiv_id: str, reason: str, now: dt.datetime) -> None:
    table = cast(Table, UnknownId.__table__)
    stmt = insert_for(session, table).values(arxiv_id=arxiv_id, checked_at=now, reason=reason)
    session.execute(
        stmt.on_conflict_do_update(index_elements=["arxiv_id"], set_={"checked_at": now, "reason": reason})
    )


def forget_unknown(session: Session, arxiv_id: str) -> None:
    session.execute(delete(UnknownId).where(UnknownId.arxiv_id == arxiv_id))
