"""The bundled sample days: two real arXiv listings, stored as the feeds duty stores a day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.daily_jsonl import parse_day_lines
from coolpapers.app.arxiv.records import ListedPaper, StoreResult
from coolpapers.app.ingest.day import store_day
from coolpapers.app.store.db import session_scope

DEMO_DIR = Path(__file__).parent / "demo_data"


def demo_files() -> list[Path]:
    return sorted(DEMO_DIR.glob("*.jsonl"))


def read_day(file: Path) -> tuple[dt.date, list[ListedPaper]]:
    """One sample file (named by its day) as that day's listing."""
    items, _skipped = parse_day_lines(file.read_text("utf-8"))
    return dt.date.fromisoformat(file.stem), items


def iter_days() -> Iterator[tuple[dt.date, list[ListedPaper]]]:
    for file in demo_files():
        yield read_day(file)


def load_demo(factory: sessionmaker[Session]) -> StoreResult:
    """Store every sample day; running it again adds nothing."""
    total = StoreResult()
    for day, items in iter_days():
        with session_scope(factory) as session:
            stored = store_day(session, day, items)
        total.announcements_added += stored.announcements_added
        total.inserted += stored.papers.inserted
        total.updated += stored.papers.updated
        total.unchanged += stored.papers.unchanged
    return total
