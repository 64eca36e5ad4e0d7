"""Reading a day's listing for a category expression: union of the included categories,
minus papers that also belong to an excluded one, each paper once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coolpapers.app.arxiv.announce import TYPE_ORDER
from coolpapers.app.store.models import Announcement, Paper, PaperCategory, PaperCounter

DEFAULT_TYPES = ("new", "cross")  # what arXiv's and papers.cool's daily pages show by default
CHUNK = 500  # bounds every IN (...) list


@dataclass(frozen=True)
class ListedRow:
    """One paper of a listing, as plain data (safe to cache and to turn into JSON)."""

    paper_id: int
    arxiv_id: str
    version: int
    title: str
    authors: list[str]
    abstract: str
    comments: str | None
    categories: list[str]
    announce_type: str
    submitted_at: dt.datetime | None
    updated_at: dt.datetime | None


@dataclass(frozen=True)
class Counters:
    pdf_opens: int = 0
    faq_opens: int = 0
    stars: int = 0

    @property
    def popularity(self) -> int:
        return self.pdf_opens + self.faq_opens + self.stars


def latest_day(session: Session, include: Sequence[str]) -> dt.date | None:
    return session.scalar(select(func.max(Announcement.date)).where(Announcement.category.in_(include)))


def neighbour_days(session: Session, include: Sequence[str], day: dt.date) -> tuple[dt.date | None, ...]:
    """(the nearest earlier day, the nearest later day) with a listing for these categories."""
    in_cats = Announcement.category.in_(include)
    before = session.scalar(select(func.max(Announcement.date)).where(in_cats, Announcement.date < day))
    after = session.scalar(select(func.min(Announcement.date)).where(in_cats, Announcement.date > day))
    return before, after


def listing_stamp(session: Session, include: Sequence[str], day: dt.date) -> str:
    """Changes whenever the day's listing for these categories changes: new announcements
    (count) or a paper edited (max changed_at). Cache keys carry it."""
    count, changed = session.execute(
        select(func.count(), func.max(Paper.changed_at))
        .select_from(Announcement)
        .join(Paper, Paper.id == Announcement.paper_id)
        .where(Announcement.date == day, Announcement.category.in_(include))
    ).one()
    stamp = changed.isoformat() if isinstance(changed, dt.datetime) else str(changed or "")
    return f"{count}:{stamp}"


def _ranked_paper_ids(
    session: Session, include: Sequence[str], day: dt.date, types: Sequence[str]
) -> list[tuple[int, str]]:
    """[(paper_id, best announce type)] in arXiv order: by type (new, cross, replace…), then by
    position in the first included category that lists the paper."""
    rows = session.execute(
        select(Announcement.paper_id, Announcement.category, Announcement.type, Announcement.position).where(
            Announcement.date == day, Announcement.category.in_(include), Announcement.type.in_(types)
        )
    )
    cat_rank = {c: i for i, c in enumerate(include)}
    type_rank: dict[str, int] = {t: i for i, t in enumerate(TYPE_ORDER)}
    best: dict[int, tuple[int, int, int, str]] = {}
    for paper_id, category, kind, position in rows:
        key = (type_rank[kind], cat_rank[category], position, kind)
        if paper_id not in best or key < best[paper_id]:
            best[paper_id] = key
    ordered = sorted(best.items(), key=lambda item: (item[1][:3], item[0]))
    return [(pid, key[3]) for pid, key in ordered]


def _excluded(session: Session, paper_ids: list[int], exclude: Sequence[str]) -> set[int]:
    out: set[int] = set()
    for start in range(0, len(paper_ids), CHUNK):
        chunk = paper_ids[start : start + CHUNK]
        out.update(
            session.scalars(
                select(PaperCategory.paper_id).where(
                    PaperCategory.paper_id.in_(chunk), PaperCategory.category.in_(exclude)
                )
            )
        )
    return out


def load_rows(session: Session, ranked: Sequence[tuple[int, str]]) -> list[ListedRow]:
    """Papers with their category lists, in the given order."""
    ids = [pid for pid, _ in ranked]
    papers: dict[int, Paper] = {}
    cats: dict[int, list[str]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        papers.update((p.id, p) for p in session.scalars(select(Paper).where(Paper.id.in_(chunk))))
        for pid, cat in session.execute(
            select(PaperCategory.paper_id, PaperCategory.category)
            .where(PaperCategory.paper_id.in_(chunk))
            .order_by(PaperCategory.paper_id, PaperCategory.position)
        ):
            cats.setdefault(pid, []).append(cat)
    out = []
    for pid, kind in ranked:
        p = papers.get(pid)
        if p is None:
            continue
        out.append(
            ListedRow(
                paper_id=p.id, arxiv_id=p.arxiv_id, version=p.version, title=p.title,
                authors=list(p.authors or []), abstract=p.abstract, comments=p.comments,
                categories=cats.get(pid) or [p.primary_category], announce_type=kind,
                submitted_at=p.submitted_at, updated_at=p.updated_at,
            )
        )  # fmt: skip
    return out


def day_listing(
    session: Session,
    include: Sequence[str],
    exclude: Sequence[str],
    day: dt.date,
    *,
    with_replacements: bool = False,
) -> list[ListedRow]:
    types = TYPE_ORDER if with_replacements else DEFAULT_TYPES
    ranked = _ranked_paper_ids(session, include, day, types)
    if exclude and ranked:
        dropped = _excluded(session, [pid for pid, _ in ranked], exclude)
        ranked = [(pid, kind) for pid, kind in ranked if pid not in dropped]
    return load_rows(session, ranked)


def counters_by_arxiv_ids(session: Session, arxiv_ids: Sequence[str]) -> dict[str, Counters]:
    """Counters of the papers that have any (papers nobody opened have no row)."""
    out: dict[str, Counters] = {}
    ids = list(arxiv_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = session.execute(
            select(Paper.arxiv_id, PaperCounter.pdf_opens, PaperCounter.faq_opens, PaperCounter.stars)
            .join(PaperCounter, PaperCounter.paper_id == Paper.id)
            .where(Paper.arxiv_id.in_(chunk))
        )
        for arxiv_id, pdf, faq, stars in rows:
            out[arxiv_id] = Counters(pdf, faq, stars)
    return out


def first_announced(session: Session, paper_ids: Sequence[int]) -> dict[int, dt.date]:
    """The first day each paper appeared in any listing (its publish date on arXiv)."""
    rows = session.execute(
        select(Announcement.paper_id, func.min(Announcement.date))
        .where(Announcement.paper_id.in_(list(paper_ids)))
        .group_by(Announcement.paper_id)
    )
    return {pid: day for pid, day in rows}
