"""What the listing JSON twin and the counters API return."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from coolpapers.app.web.schemas.library import LibraryText


class CountersOut(BaseModel):
    pdf_opens: int = 0
    faq_opens: int = 0
    stars: int = 0


class ListedPaperOut(BaseModel):
    arxiv_id: str
    version: int
    title: str
    authors: list[str]
    abstract: str
    comments: str | None = None
    categories: list[str] = Field(description="canonical codes, primary first")
    announce_type: str | None = Field(
        None, description="new, cross, replace or replace-cross in this listing"
    )
    submitted_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    abs_url: str
    pdf_url: str


class ListedPaperWithCounters(ListedPaperOut):
    counters: CountersOut = Field(default_factory=CountersOut)
    score: float | None = Field(
        None,
        description="sort=foryou: mean similarity to the liked papers, plus a share of their categories",
    )
    because: str | None = Field(None, description="sort=foryou: the liked arXiv id this paper is closest to")


class LikedOut(BaseModel):
    used: int = Field(description="liked papers stored here, which the ranking used")
    unknown: int = Field(description="well-formed ids of papers not stored here (ignored)")
    malformed: int = Field(description="values that are not arXiv ids (ignored)")
    duplicate: int = Field(description="ids given more than once, in any spelling (counted once)")


class ForYouIn(BaseModel):
    # The bound is declared, and enforced by the route as a 400 that names it (the contract).
    liked: list[str] = Field(
        default_factory=list, description="arXiv ids, any spelling, at most 200",
        json_schema_extra={"maxItems": 200, "items": {"type": "string", "maxLength": 64}},
    )  # fmt: skip
    keywords: list[str] = Field(
        default_factory=list, max_length=50, description="the reader's own words",
        json_schema_extra={"items": {"type": "string", "maxLength": 200}},
    )  # fmt: skip
    texts: list[LibraryText] = Field(
        default_factory=list, max_length=100,
        description="liked papers known only by title and abstract (a library's entries without an arXiv id)",
    )  # fmt: skip


class ListingOut(BaseModel):
    date: dt.date
    categories: list[str]
    exclude: list[str]
    total: int
    page: int
    size: int
    sort: str = Field("arxiv", description="arxiv (the listing's order) or foryou")
    liked: LikedOut | None = None
    hint: str | None = Field(None, description="why For you fell back to arXiv order, if it did")
    papers: list[ListedPaperWithCounters]


class CounterEvent(BaseModel):
    arxiv_id: str
    counters: CountersOut
