"""The listing cache cannot be blown up through URLs: every ordering of a union is one entry, and
the in-process cache is bounded by the bytes it holds."""

from __future__ import annotations

import random

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.ingest.demo import load_demo
from coolpapers.app.settings import Settings
from coolpapers.app.web.app import create_app
from coolpapers.app.web.cache import MemoryCache

UNION = ["cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.RO", "cs.IR", "stat.ML", "cs.CR"]


def test_orderings_of_a_union_share_one_cache_entry(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    load_demo(session_factory)
    app = create_app(settings)
    cache = app.state.core.listings.cache
    assert isinstance(cache, MemoryCache)
    rng = random.Random(7)
    with TestClient(app) as client:
        first = client.get("/arxiv/" + "+".join(UNION), params={"date": "2026-06-09"})
        assert first.status_code == 200
        held = cache.held_bytes
        assert held > 100_000  # the page and its data are cached
        for _ in range(60):
            order = rng.sample(UNION, len(UNION))
            page = client.get("/arxiv/" + "+".join(order), params={"date": "2026-06-09"})
            assert page.status_code == 200 and page.text == first.text
        assert cache.held_bytes == held  # not one byte more for 60 reorderings


def test_the_memory_cache_never_holds_more_than_its_bytes() -> None:
    cache = MemoryCache(max_bytes=1_000_000)
    for n in range(50):
        cache.set(f"page-{n}", bytes(100_000), 60)
    assert cache.held_bytes <= 1_000_000 and cache.get("page-49") is not None and cache.get("page-0") is None
