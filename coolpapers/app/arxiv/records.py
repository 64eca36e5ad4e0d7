"""Plain records passed from parsers to storage: no I/O, no ORM, easy to build in tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

AnnounceType = Literal["new", "cross", "replace", "replace-cross"]


@dataclass(frozen=True)
class PaperRecord:
    arxiv_id: str  # canonical, without version
    title: str
    authors: tuple[str, ...]
    abstract: str
    categories: tuple[str, ...]  # canonical codes, primary first
    version: int = 1
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None
    submitted_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    @property
    def primary_category(self) -> str:
        return self.categories[0]


@dataclass(frozen=True)
class ListedPaper:
    """One item of a day's listing as arXiv announced it."""

    paper: PaperRecord
    replacement: bool = False
    # The feed called it a cross-list: the paper is not new today anywhere (an old paper newly
    # cross-listed, perhaps into a category beside its primary), whatever its primary is.
    cross_listing: bool = False


@dataclass(frozen=True)
class AnnouncementRecord:
    arxiv_id: str
    category: str
    date: dt.date
    type: AnnounceType
    position: int


@dataclass
class StoreResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    announcements_added: int = 0
    skipped: list[str] = field(default_factory=list)
