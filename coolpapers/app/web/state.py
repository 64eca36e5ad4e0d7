"""What one web process holds: built from Settings in create_app, reached through app.deps."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.templating import Jinja2Templates
from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.categories import category_name
from coolpapers.app.faq.request import FaqService
from coolpapers.app.ingest.lookup_requests import LookupDesk
from coolpapers.app.paths import TEMPLATES_DIR
from coolpapers.app.queue.allowance import Allowance
from coolpapers.app.queue.channels import FaqChannels, build_channels
from coolpapers.app.search.engine import SearchIndex
from coolpapers.app.settings import Settings
from coolpapers.app.store.db import make_engine, make_session_factory
from coolpapers.app.web.assets import served_static
from coolpapers.app.web.cache import Cache, MemoryCache, RedisCache
from coolpapers.app.web.faq_watch import WatchHub
from coolpapers.app.web.foryou import ForYou
from coolpapers.app.web.keyword_sort import KeywordSort
from coolpapers.app.web.listing import ListingService
from coolpapers.app.web.sse import RECHECK_S


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    templates: Jinja2Templates
    redis: Redis | None
    listings: ListingService
    lookups: LookupDesk  # papers not stored are asked of a worker; the web never calls arXiv
    allowance: Allowance  # per-client counts: rate limits, one counted click per paper a day
    search: SearchIndex
    faq: FaqService | None = None
    watches: WatchHub | None = None  # FAQ streams: one reader per FAQ, fanned out to its viewers
    # Set when the process is asked to stop: open FAQ streams end (retryable) instead of being cut.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    foryou: ForYou = field(default_factory=ForYou)  # For you: the text model and listings' vectors
    keyword_sort: KeywordSort = field(default_factory=KeywordSort)  # the ❤ sort's indexes of listings

    @classmethod
    def build(cls, settings: Settings, faq_channels: FaqChannels | None = None) -> AppState:
        engine = make_engine(settings.database_url)
        redis = (
            Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
            if settings.redis_url
            else None
        )
        templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
        templates.env.globals["settings"] = settings
        templates.env.globals["category_name"] = category_name
        templates.env.globals["static_url"] = served_static().url
        templates.env.filters["thousands"] = _thousands
        cache: Cache = RedisCache(redis, settings.redis_prefix) if redis is not None else MemoryCache()
        listings = ListingService(cache, settings.arxiv_pdf_url)
        factory = make_session_factory(engine)
        channels = faq_channels or build_channels(settings)
        lookups = LookupDesk(settings, channels.limiter, channels.doorbell)
        faq = FaqService(settings, factory, channels)
        search = SearchIndex(Path(settings.search_index_dir))
        watches = WatchHub(faq, RECHECK_S)
        return cls(
            settings,
            engine,
            factory,
            templates,
            redis,
            listings,
            lookups,
            channels.limiter,
            search,
            faq,
            watches,
        )

    def warm_up(self) -> None:
        """Before the first request: the page templates compiled and a database connection open,
        so a crowd arriving at start-up finds every process ready (cold, a first burst of 30
        pages on four processes took up to 1.2 s). A database still starting is not an error here:
        /readyz reports it."""
        for name in ("paper.html", "listing.html", "listing_fragment.html", "error.html", "home.html"):
            self.templates.get_template(name)
        with contextlib.suppress(SQLAlchemyError), self.engine.connect():
            pass

    def close(self) -> None:
        if self.redis is not None:
            self.redis.close()
        self.engine.dispose()


def _thousands(value: int | None) -> str:
    """12345 → "12,345" for counts on pages; nothing for a count that is unknown."""
    return "" if value is None else f"{value:,}"
