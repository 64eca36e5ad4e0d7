"""Day listings for pages and JSON, through the cache.

Staleness allowed: which day is "latest" and the data stamp of a day are remembered for
STAMP_TTL_S in each process, so a newly stored paper shows up within that time; counters
(popularity, star counts) are cached for COUNTERS_TTL_S. The reader's own stars and opens
show immediately because the page updates them in place.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TTLCache
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from coolpapers.app.arxiv.catexpr import CategoryExpr
from coolpapers.app.store.day_listings import counters_by_arxiv_ids, day_listing, latest_day, listing_stamp
from coolpapers.app.web.cache import Cache
from coolpapers.app.web.schemas.listing import CountersOut, ListedPaperOut

STAMP_TTL_S = 2.0
COUNTERS_TTL_S = 30.0
DATA_TTL_S = 3600.0  # entries are keyed by the data stamp; the TTL only frees memory
PAGE_TTL_S = COUNTERS_TTL_S  # rendered HTML carries counters, so it lives no longer than they do

_papers_json = TypeAdapter(list[ListedPaperOut])
_counters_json = TypeAdapter(dict[str, CountersOut])


@dataclass(frozen=True)
class ListingKey:
    expr: CategoryExpr
    day: dt.date
    with_replacements: bool

    def __str__(self) -> str:
        return f"{self.expr}|{self.day.isoformat()}|{'all' if self.with_replacements else 'default'}"


class _Memo:
    """A small in-process TTL map (cachetools) for values that are cheap to be briefly stale."""

    def __init__(self, ttl_s: float) -> None:
        self._data: TTLCache[object, object] = TTLCache(maxsize=4096, ttl=ttl_s, timer=time.monotonic)
        self._lock = threading.Lock()  # cachetools caches are not thread-safe; routes run in threads

    def get_or(self, key: object, compute: Callable[[], object]) -> object:
        with self._lock:
            hit = self._data.get(key, _MISSING)
        if hit is not _MISSING:
            return hit
        value = compute()  # outside the lock: it queries the database
        with self._lock:
            self._data[key] = value
        return value


_MISSING = object()


class ListingService:
    def __init__(self, cache: Cache, pdf_url: str, stamp_ttl_s: float = STAMP_TTL_S) -> None:
        self.cache = cache
        self.pdf_url = pdf_url
        self._latest = _Memo(stamp_ttl_s)
        self._stamps = _Memo(stamp_ttl_s)

    def latest_day(self, session: Session, expr: CategoryExpr) -> dt.date | None:
        value = self._latest.get_or(expr.include, lambda: latest_day(session, expr.include))
        return value if isinstance(value, dt.date) else None

    def stamp(self, session: Session, key: ListingKey) -> str:
        value = self._stamps.get_or(
            (key.expr.include, key.day), lambda: listing_stamp(session, key.expr.include, key.day)
        )
        return str(value)

    def version(self, session: Session, key: ListingKey) -> str:
        """Names this listing's exact papers: it changes whenever they do."""
        return f"{key}:{self.stamp(session, key)}"

    def papers(self, session: Session, key: ListingKey) -> list[ListedPaperOut]:
        cache_key = f"listing:{self.version(session, key)}"
        cached = self.cache.get(cache_key)
        if cached is not None:
            return _papers_json.validate_json(cached)
        rows = day_listing(
            session, key.expr.include, key.expr.exclude, key.day, with_replacements=key.with_replacements
        )
        papers = [
            ListedPaperOut(
                arxiv_id=r.arxiv_id, version=r.version, title=r.title, authors=r.authors,
                abstract=r.abstract, comments=r.comments, categories=r.categories,
                announce_type=r.announce_type, submitted_at=r.submitted_at, updated_at=r.updated_at,
                abs_url=f"https://arxiv.org/abs/{r.arxiv_id}", pdf_url=f"{self.pdf_url}/{r.arxiv_id}",
            )
            for r in rows
        ]  # fmt: skip
        self.cache.set(cache_key, _papers_json.dump_json(papers), DATA_TTL_S)
        return papers

    def counters(
        self, session: Session, key: ListingKey, papers: list[ListedPaperOut]
    ) -> dict[str, CountersOut]:
        cache_key = f"counters:{key}"
        cached = self.cache.get(cache_key)
        if cached is not None:
            return _counters_json.validate_json(cached)
        found = counters_by_arxiv_ids(session, [p.arxiv_id for p in papers])
        out = {
            arxiv_id: CountersOut(pdf_opens=c.pdf_opens, faq_opens=c.faq_opens, stars=c.stars)
            for arxiv_id, c in found.items()
        }
        self.cache.set(cache_key, _counters_json.dump_json(out), COUNTERS_TTL_S)
        return out

    def rendered(self, session: Session, key: ListingKey, part: str, render: Callable[[], str]) -> bytes:
        """A rendered page or fragment, cached under the day's data stamp."""
        cache_key = f"html:{part}:{key}:{self.stamp(session, key)}"
        cached = self.cache.get(cache_key)
        if cached is not None:
            return cached
        body = render().encode("utf-8")
        self.cache.set(cache_key, body, PAGE_TTL_S)
        return body
