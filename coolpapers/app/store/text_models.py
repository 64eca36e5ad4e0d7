"""For you's text models as rows: the worker saves one it fitted, web processes load the newest
of their version, and the texts a model is fitted on are read here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from coolpapers.app.store.models import Paper, PaperCategory, TextModelRow

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


class LikedPaper(NamedTuple):
    title: str
    abstract: str
    categories: tuple[str, ...]  # primary first


def liked_papers(session: Session, arxiv_ids: Iterable[str]) -> dict[str, LikedPaper]:
    """Text and categories of those of `arxiv_ids` (canonical, without version) that are stored."""
    ids = list(dict.fromkeys(arxiv_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Paper.id, Paper.arxiv_id, Paper.title, Paper.abstract, Paper.primary_category).where(
            Paper.arxiv_id.in_(ids)
        )
    ).all()
    cats: dict[int, list[str]] = {}
    listed = select(PaperCategory.paper_id, PaperCategory.category).where(
        PaperCategory.paper_id.in_([r[0] for r in rows])
    )
    for paper_id, category in session.execute(listed.order_by(PaperCategory.position)):
        cats.setdefault(paper_id, []).append(category)
    return {a: LikedPaper(t, b, tuple(cats.get(pk) or [primary])) for pk, a, t, b, primary in rows}
