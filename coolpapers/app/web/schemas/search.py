"""JSON shapes of search results and related papers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from coolpapers.app.web.schemas.listing import LikedOut


class SearchHitOut(BaseModel):
    arxiv_id: str
    title: str
    authors: list[str]
    abstract: str
    categories: list[str] = Field(description="primary category first")
    date: dt.date | None = Field(description="first submitted (or first seen) day")
    score: float | None = Field(
        description="BM25 relevance (sort=foryou: similarity to the liked papers); null by date"
    )
    because: str | None = Field(None, description="sort=foryou: the liked arXiv id this paper is closest to")
    url: str = Field(description="the paper's page on this site")
    title_html: str | None = Field(None, description="with highlight=1: the title, matched words in <b>")
    snippet_html: str | None = Field(None, description="with highlight=1: the best abstract passage")


class SearchResponse(BaseModel):
    query: str
    sort: Literal["relevance", "date", "foryou"]
    page: int
    size: int
    total: int = Field(description="results that can be paged to (at most 1,000)")
    matches: int = Field(description="every paper matching the query")
    liked: LikedOut | None = Field(None, description="sort=foryou: the liked ids used and ignored")
    hint: str | None = None
    papers: list[SearchHitOut]


class RelatedPaperOut(BaseModel):
    arxiv_id: str
    title: str
    authors: list[str]
    score: float


class RelatedResponse(BaseModel):
    arxiv_id: str
    papers: list[RelatedPaperOut]
