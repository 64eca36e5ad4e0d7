"""JSON shape of `GET /api/status`: what the feeds, FAQ generation and search index are doing."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class FeedStatusOut(BaseModel):
    query: str = Field(description="the arXiv RSS feed path, e.g. cs.CL+stat.ML")
    last_outcome: str | None = Field(description="result of the last check; null before the first")
    last_announced_date: dt.date | None
    last_item_count: int | None
    last_skipped: int | None = Field(description="items left out as unusable in the last stored day")
    last_success_at: dt.datetime | None
    next_check_at: dt.datetime | None = Field(description="null: due now")
    error_count: int = Field(description="failed checks in a row")
    last_error: str | None
    last_error_url: str | None
    last_error_at: dt.datetime | None


class FaqRowOut(BaseModel):
    arxiv_id: str
    language: str
    at: dt.datetime | None = Field(description="when it failed, or the stalled row's last heartbeat")
    error: str | None = None
    worker_id: str | None = None


class FaqTokensOut(BaseModel):
    day_start: dt.datetime = Field(description="the UTC midnight the day's spending counts from")
    used_today: int
    daily_budget: int = Field(description="COOLPAPERS_FAQ_DAILY_TOKEN_BUDGET; 0 = no budget")
    remaining: int | None = Field(description="null when there is no budget")
    background_used_today: int = Field(description="tokens of background (pre-generated) FAQs today")
    background_daily_cap: int | None = Field(description="null when background pre-generation is off")


class FaqStatusOut(BaseModel):
    llm_configured: bool
    model: str | None = Field(description="the configured model name; the API key is never shown")
    counts: dict[str, int] = Field(description="rows by status: pending, running, done, failed")
    stalled: int = Field(description="running rows whose heartbeat is older than 3 heartbeats")
    stalled_after_s: float
    stalled_rows: list[FaqRowOut]
    recent_failures: list[FaqRowOut]
    tokens: FaqTokensOut


class SearchStatusOut(BaseModel):
    ready: bool = Field(description="an index has been built and can be searched")
    message: str | None = Field(description="why the index cannot be used, when it cannot")
    documents: int | None
    watermark: dt.datetime | None = Field(description="newest paper change the indexer has committed")
    papers_behind: int | None = Field(description="papers changed after the watermark, not searchable yet")


class LookupStatusOut(BaseModel):
    waiting: int = Field(description="papers readers asked for that a worker has not fetched yet")
    failed: int = Field(description="lookups arXiv could not answer; a reader's next click asks again")
    oldest_waiting_since: dt.datetime | None
    last_error: str | None


class StatusResponse(BaseModel):
    generated_at: dt.datetime
    feeds: list[FeedStatusOut]
    faq: FaqStatusOut
    search: SearchStatusOut
    lookups: LookupStatusOut
