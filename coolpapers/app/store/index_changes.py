"""What the search indexer reads: papers in the order they changed, and their indexable text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from coolpapers.app.search.schema import IndexedPaper
from coolpapers.app.store.models import Paper, PaperCategory

ChangeKey = tuple[int, dt.datetime]  # (paper row id, changed_at)


def changed_keys(
    session: Session, since: dt.datetime | None, after: ChangeKey | None, limit: int
) -> list[ChangeKey]:
    """Up to `limit` (id, changed_at) with changed_at >= since, after the key `after`, oldest first."""
    stmt = select(Paper.id, Paper.changed_at).order_by(Paper.changed_at, Paper.id).limit(limit)
    if since is not None:
        stmt = stmt.where(Paper.changed_at >= since)
    if after is not None:
        last_id, last_changed = after
        stmt = stmt.where(
            or_(Paper.changed_at > last_changed, and_(Paper.changed_at == last_changed, Paper.id > last_id))
        )
    return [(row_id, changed) for row_id, changed in session.execute(stmt)]


def papers_for_index(session: Session, ids: Sequence[int]) -> list[IndexedPaper]:
    if not ids:
        return []
    cats: dict[int, list[str]] = {}
    for pid, cat in session.execute(
        select(PaperCategory.paper_id, PaperCategory.category)
        .where(PaperCategory.paper_id.in_(ids))
        .order_by(PaperCategory.paper_id, PaperCategory.position)
    ):
        cats.setdefault(pid, []).append(cat)
    rows = session.execute(
        select(
            Paper.id, Paper.arxiv_id, Paper.title, Paper.authors, Paper.abstract,
            Paper.primary_category, Paper.submitted_at, Paper.updated_at, Paper.stored_at,
        ).where(Paper.id.in_(ids))
    )  # fmt: skip
    out = []
    for row in rows:
        out.append(
            IndexedPaper(
                arxiv_id=row.arxiv_id,
                title=row.title,
                authors=tuple(str(a) for a in row.authors or ()),
                abstract=row.abstract,
                categories=tuple(cats.get(row.id) or [row.primary_category]),
                date=row.submitted_at or row.updated_at or row.stored_at,
            )
        )
    return out
