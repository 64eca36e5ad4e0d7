"""The bundled sample days: two real arXiv listings, loaded through the ingester's storage path."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.announce import derive_announcements
from coolpapers.app.arxiv.clean import (
    clean_abstract,
    clean_author_names,
    clean_categories,
    clean_optional,
    clean_title,
)
from coolpapers.app.arxiv.records import ListedPaper, PaperRecord, StoreResult
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.papers import store_announcements, store_papers

DEMO_DIR = Path(__file__).parent / "demo_data"


def demo_files() -> list[Path]:
    return sorted(DEMO_DIR.glob("*.jsonl"))


def _record(obj: dict[str, Any]) -> PaperRecord | None:
    cats = clean_categories(str(code) for code in obj.get("categories") or [])
    title = clean_title(str(obj.get("title") or ""))
    if not cats or not obj.get("id") or not title:
        return None
    return PaperRecord(
        arxiv_id=str(obj["id"]),
        title=title,
        authors=clean_author_names(str(a) for a in obj.get("authors") or []),
        abstract=clean_abstract(str(obj.get("summary") or "")),
        categories=cats,
        comments=clean_optional(str(obj["comment"])) if obj.get("comment") else None,
    )


def read_day(file: Path) -> tuple[dt.date, list[ListedPaper]]:
    """One sample file as a day's listing: deduplicated, in arXiv's id order (all new or cross)."""
    day = dt.date.fromisoformat(file.stem)
    papers: dict[str, PaperRecord] = {}
    for line in file.read_text("utf-8").splitlines():
        if line.strip():
            rec = _record(json.loads(line))
            if rec is not None:
                papers.setdefault(rec.arxiv_id, rec)
    return day, [ListedPaper(papers[k]) for k in sorted(papers)]


def iter_days() -> Iterator[tuple[dt.date, list[ListedPaper]]]:
    for file in demo_files():
        yield read_day(file)


def load_demo(factory: sessionmaker[Session]) -> StoreResult:
    """Store every sample day; running it again adds nothing."""
    total = StoreResult()
    for day, items in iter_days():
        with session_scope(factory) as session:
            ids, result = store_papers(session, (i.paper for i in items))
            total.announcements_added += store_announcements(session, derive_announcements(day, items), ids)
        total.inserted += result.inserted
        total.updated += result.updated
        total.unchanged += result.unchanged
    return total
