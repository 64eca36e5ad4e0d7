"""What `/status` and `/api/status` report, gathered once: feeds, FAQ generation, search index,
paper lookups.

Read-only: the web process looks at the database and the index directory and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from coolpapers.app.faq.request import start_of_day
from coolpapers.app.queue.channels import stale_after
from coolpapers.app.search.engine import IndexNotReady, SearchIndex
from coolpapers.app.search.writer import read_watermark
from coolpapers.app.settings import Settings
from coolpapers.app.store import llm_spend
from coolpapers.app.store import status as queries
from coolpapers.app.store.feeds import all_feeds
from coolpapers.app.store.lookups import lookup_counts
from coolpapers.app.store.models import utcnow
from coolpapers.app.web.schemas.status import (
    FaqRowOut,
    FaqStatusOut,
    FaqTokensOut,
    FeedStatusOut,
    LookupStatusOut,
    SearchStatusOut,
    StatusResponse,
)

log = logging.getLogger(__name__)

FAILURES_SHOWN = 10
STALLED_SHOWN = 10


def build_status(session: Session, settings: Settings, search: SearchIndex) -> StatusResponse:
    now = utcnow()
    feeds = [FeedStatusOut.model_validate(row, from_attributes=True) for row in all_feeds(session)]
    return StatusResponse(
        generated_at=now,
        feeds=feeds,
        faq=faq_status(session, settings, now),
        search=search_status(session, search),
        lookups=LookupStatusOut(**vars(lookup_counts(session))),
    )


def faq_status(session: Session, settings: Settings, now: dt.datetime) -> FaqStatusOut:
    stalled_after = stale_after(settings)  # as the sweep that hands such rows back
    day_start = start_of_day(now)
    used = llm_spend.spent(session, day_start.date())
    budget = settings.faq_daily_token_budget

    def rows(infos: list[queries.FaqRowInfo]) -> list[FaqRowOut]:
        return [FaqRowOut.model_validate(info, from_attributes=True) for info in infos]

    return FaqStatusOut(
        llm_configured=settings.llm_configured,
        model=settings.llm_model or None,
        counts=queries.faq_counts(session),
        stalled=queries.stalled_count(session, stalled_after),
        stalled_after_s=stalled_after.total_seconds(),
        stalled_rows=rows(queries.stalled_faqs(session, stalled_after, STALLED_SHOWN)),
        recent_failures=rows(queries.recent_failures(session, FAILURES_SHOWN)),
        tokens=FaqTokensOut(
            day_start=day_start,
            used_today=used,
            daily_budget=budget,
            remaining=max(0, budget - used) if budget else None,
            background_used_today=llm_spend.spent(session, day_start.date(), llm_spend.BACKGROUND),
            background_daily_cap=settings.faq_pregenerate_daily_tokens if settings.faq_pregenerate else None,
        ),
    )


def search_status(session: Session, search: SearchIndex) -> SearchStatusOut:
    try:
        documents = search.document_count()
    except IndexNotReady:
        return SearchStatusOut(
            ready=False,
            message="No search index yet: the worker builds it when it starts "
            "(`coolpapers search reindex` builds it now).",
            documents=None,
            watermark=None,
            papers_behind=None,
        )
    except (OSError, ValueError) as exc:  # a damaged or half-copied index directory
        log.warning("search index in %s cannot be opened: %s", search.directory, exc)
        return SearchStatusOut(
            ready=False,
            message=f"The search index cannot be opened: {exc}",
            documents=None,
            watermark=None,
            papers_behind=None,
        )
    watermark = read_watermark(search.directory)
    return SearchStatusOut(
        ready=True,
        message=None,
        documents=documents,
        watermark=watermark,
        papers_behind=queries.papers_changed_after(session, watermark),
    )
