"""Stored papers as the shared card (templates/_card.html) and the feeds see them.

Paper pages, search results and the search feed all start from a list of arXiv ids; the
database, not the search index, supplies what is shown, so a card always carries the
stored truth (and its counters) whatever found it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from coolpapers.app.store.day_listings import counters_by_arxiv_ids, first_announced
from coolpapers.app.store.lookup import papers_by_arxiv_ids
from coolpapers.app.store.models import Paper
from coolpapers.app.web.schemas.listing import CountersOut, ListedPaperOut


@dataclass(frozen=True)
class Cards:
    papers: list[ListedPaperOut]  # in the order asked for; ids not stored are left out
    counters: dict[str, CountersOut]
    first_days: dict[str, dt.date | None]  # first listing day, the publish date when v1's is unknown


def paper_out(paper: Paper, pdf_url: str) -> ListedPaperOut:
    return ListedPaperOut(
        arxiv_id=paper.arxiv_id, version=paper.version, title=paper.title,
        authors=list(paper.authors or []), abstract=paper.abstract, comments=paper.comments,
        categories=[c.category for c in paper.categories] or [paper.primary_category],
        submitted_at=paper.submitted_at, updated_at=paper.updated_at,
        abs_url=f"https://arxiv.org/abs/{paper.arxiv_id}", pdf_url=f"{pdf_url}/{paper.arxiv_id}",
    )  # fmt: skip


def cards_for(session: Session, arxiv_ids: Sequence[str], pdf_url: str) -> Cards:
    found = papers_by_arxiv_ids(session, arxiv_ids)
    return cards_of(session, [found[i] for i in dict.fromkeys(arxiv_ids) if i in found], pdf_url)


def cards_of(session: Session, rows: Sequence[Paper], pdf_url: str) -> Cards:
    days = first_announced(session, [p.id for p in rows])
    counters = {
        k: CountersOut(pdf_opens=c.pdf_opens, faq_opens=c.faq_opens, stars=c.stars)
        for k, c in counters_by_arxiv_ids(session, [p.arxiv_id for p in rows]).items()
    }
    return Cards(
        papers=[paper_out(p, pdf_url) for p in rows],
        counters=counters,
        first_days={p.arxiv_id: days.get(p.id) for p in rows},
    )
