"""For you's text models as rows: the worker saves one it fitted, web processes load the newest
of their version, and the texts a model is fitted on are read here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from coolpapers.app.store.models import Paper, TextModelRow

KEEP = 2  # per version: the newest serves; one older stays while web processes switch over


def save_model(session: Session, version: str, papers: int, vocabulary: str, weights: bytes) -> int:
    row = TextModelRow(version=version, papers=papers, vocabulary=vocabulary, weights=weights)
    session.add(row)
    session.flush()
    old = select(TextModelRow.id).where(TextModelRow.version == version).order_by(TextModelRow.id.desc())
    stale = session.scalars(old.offset(KEEP)).all()
    if stale:
        session.execute(delete(TextModelRow).where(TextModelRow.id.in_(stale)))
    return row.id


def newest_model_id(session: Session, version: str) -> tuple[int, dt.datetime] | None:
    """Id and fit time of the newest model of `version` (a cheap look, before loading one)."""
    found = session.execute(
        select(TextModelRow.id, TextModelRow.fitted_at)
        .where(TextModelRow.version == version)
        .order_by(TextModelRow.id.desc())
        .limit(1)
    ).first()
    return (found[0], found[1]) if found else None


def model_by_id(session: Session, model_id: int) -> TextModelRow | None:
    return session.get(TextModelRow, model_id)


def paper_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Paper)) or 0)


def recent_texts(session: Session, limit: int) -> list[tuple[str, str]]:
    """(title, abstract) of the `limit` most recently stored papers: what a model is fitted on."""
    rows = session.execute(select(Paper.title, Paper.abstract).order_by(Paper.id.desc()).limit(limit))
    return [(t, a) for t, a in rows]


def texts_by_arxiv_ids(session: Session, arxiv_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(title, abstract) of those of `arxiv_ids` (canonical, without version) that are stored."""
    ids = list(dict.fromkeys(arxiv_ids))
    if not ids:
        return {}
    rows = session.execute(select(Paper.arxiv_id, Paper.title, Paper.abstract).where(Paper.arxiv_id.in_(ids)))
    return {i: (t, a) for i, t, a in rows}
