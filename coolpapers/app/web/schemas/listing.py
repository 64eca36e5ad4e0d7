"""What the listing JSON twin and the counters API return."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


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


class ListingOut(BaseModel):
    date: dt.date
    categories: list[str]
    exclude: list[str]
    total: int
    page: int
    size: int
    papers: list[ListedPaperWithCounters]


class CounterEvent(BaseModel):
    arxiv_id: str
    counters: CountersOut
