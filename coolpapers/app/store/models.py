"""The data model. The database is the source of truth for papers, listings and FAQs;
queues and caches only ever hold copies or pointers to these rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
FAQ_STATUSES = ("pending", "running", "done", "failed")
FAQ_INPUTS = ("full_text", "abstract")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    # Explicit names keep SQLite and PostgreSQL schemas identical and migrations stable.
    metadata = MetaData(naming_convention=NAMING)


class Paper(Base):
    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arxiv_id: Mapped[str] = mapped_column(String(64), unique=True)  # canonical, without version
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON)  # in the paper's order
    abstract: Mapped[str] = mapped_column(Text)
    comments: Mapped[str | None] = mapped_column(Text)
    journal_ref: Mapped[str | None] = mapped_column(Text)
    doi: Mapped[str | None] = mapped_column(String(255))
    primary_category: Mapped[str] = mapped_column(String(32), index=True)
    license: Mapped[str | None] = mapped_column(String(255))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # v1
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # latest version
    stored_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    categories: Mapped[list[PaperCategory]] = relationship(
        back_populates="paper", order_by="PaperCategory.position", cascade="all, delete-orphan"
    )


class PaperCategory(Base):
    __tablename__ = "paper_categories"

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # 0 is the primary category

    paper: Mapped[Paper] = relationship(back_populates="categories")

    __table_args__ = (Index("ix_paper_categories_category", "category"),)


class Announcement(Base):
    """A paper appearing in one category's listing on one announcement day."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(32))
    date: Mapped[dt.date] = mapped_column(Date)
    type: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("paper_id", "category", "date"),
        Index("ix_announcements_category_date_position", "category", "date", "position"),
        Index("ix_announcements_date", "date"),
        CheckConstraint(_in("type", ANNOUNCE_TYPES), name="type"),
    )


class ArxivFeed(Base):
    """Fetch state of one requested feed (e.g. 'cs+econ'): the scheduler keeps none of its own."""

    __tablename__ = "arxiv_feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query: Mapped[str] = mapped_column(String(512), unique=True)
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_announced_date: Mapped[dt.date | None] = mapped_column(Date)
    next_check_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_url: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # What the last successful check found: stored, not-modified, stale, no-announcement, split.
    last_outcome: Mapped[str | None] = mapped_column(String(32))
    last_item_count: Mapped[int | None] = mapped_column(Integer)
    last_skipped: Mapped[int | None] = mapped_column(Integer)  # unusable items left out
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class UnknownId(Base):
    """An id arXiv said it does not know, remembered briefly so clicks don't re-ask."""

    __tablename__ = "unknown_ids"

    arxiv_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)


LOOKUP_STATUSES = ("pending", "running", "failed")


class PaperLookup(Base):
    """A reader asked for a paper that is not stored: the row is the job a worker performs (one
    per id, however many ask). Deleted once the paper is stored or arXiv says it has no such
    paper; `failed` (with the error shown to readers) when arXiv could not be reached."""

    __tablename__ = "paper_lookups"

    arxiv_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker_id: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # a killed worker's claim ends
    error: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_paper_lookups_status_requested_at", "status", "requested_at"),
        CheckConstraint(_in("status", LOOKUP_STATUSES), name="status"),
    )


class Faq(Base):
    """One LLM reading of a paper in one language under one prompt version."""

    __tablename__ = "faqs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    prompt_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher first: readers over background
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    markdown: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(128))
    input_kind: Mapped[str | None] = mapped_column(String(16))
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    worker_id: Mapped[str | None] = mapped_column(String(128))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    not_before: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # retry backoff
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("paper_id", "language", "prompt_version"),
        Index("ix_faqs_status_priority", "status", "priority"),
        CheckConstraint(_in("status", FAQ_STATUSES), name="status"),
        CheckConstraint(f"input_kind IS NULL OR {_in('input_kind', FAQ_INPUTS)}", name="input_kind"),
    )


class LlmSpend(Base):
    """Tokens charged to one UTC day: reserved (an estimate) when a generation starts, settled with
    the provider's count when it ends, whatever the end. `kind` is `all` or `background`."""

    __tablename__ = "llm_spend"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    tokens: Mapped[int] = mapped_column(Integer, default=0)


class TextModelRow(Base):
    """For you's text model, fitted by the worker on the stored papers (app/ranking/text_model.py):
    its vocabulary (JSON) and term weights (a NumPy array's bytes). Web processes load the newest
    of their version; a new version is fitted beside the old one, which serves meanwhile."""

    __tablename__ = "text_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(32), index=True)
    papers: Mapped[int] = mapped_column(Integer)
    fitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    vocabulary: Mapped[str] = mapped_column(Text)
    weights: Mapped[bytes] = mapped_column(LargeBinary)


class ReaderProfile(Base):
    """A reader's state shared between their devices through a secret link: stars, imported library,
    keywords (JSON, as the page keeps it). Only the SHA-256 of the link's token is stored, so the
    table cannot be turned back into links; deleting the row revokes the link."""

    __tablename__ = "reader_profiles"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PaperCounter(Base):
    """Reader activity per paper; kept apart from papers so hot writes don't touch paper rows."""

    __tablename__ = "paper_counters"

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    pdf_opens: Mapped[int] = mapped_column(Integer, default=0)
    faq_opens: Mapped[int] = mapped_column(Integer, default=0)
    stars: Mapped[int] = mapped_column(Integer, default=0)


class ArxivPacing(Base):
    """The one arXiv send slot of an embedded instance (see store/arxiv_pacing.py): one row,
    times in seconds on the database's clock, so every process on this database agrees."""

    __tablename__ = "arxiv_pacing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_at: Mapped[float] = mapped_column(Double, default=0.0)  # the next turn may start then
    holder: Mapped[str | None] = mapped_column(String(64))  # the token of the running request
    held_until: Mapped[float | None] = mapped_column(Double)  # its lease, renewed while it runs
