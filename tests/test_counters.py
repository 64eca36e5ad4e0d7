"""The counters API and its storage, on SQLite and PostgreSQL; the Redis listing cache."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.ingest.demo import load_demo
from coolpapers.app.settings import Settings
from coolpapers.app.web.app import create_app
from coolpapers.app.web.cache import MemoryCache, RedisCache
from tests.conftest import make_settings

PAPER = "2606.07873"


@pytest.fixture
def client(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    load_demo(session_factory)
    with TestClient(create_app(settings)) as c:
        yield c


def test_opens_and_stars_count_once_per_reader_a_day_and_never_go_negative(
    client: TestClient, settings: Settings
) -> None:
    other = TestClient(client.app, client=("203.0.113.7", 5000))  # a second reader, same app
    assert client.post(f"/api/papers/{PAPER}/open?kind=pdf").json()["counters"]["pdf_opens"] == 1
    body = client.post(f"/api/papers/arXiv:{PAPER}v1/open?kind=pdf").json()  # the same reader again
    assert body == {"arxiv_id": PAPER, "counters": {"pdf_opens": 1, "faq_opens": 0, "stars": 0}}
    assert other.post(f"/api/papers/{PAPER}/open?kind=pdf").json()["counters"]["pdf_opens"] == 2
    assert client.post(f"/api/papers/{PAPER}/open?kind=faq").json()["counters"]["faq_opens"] == 1
    assert client.delete(f"/api/papers/{PAPER}/star").json()["counters"]["stars"] == 0  # never below 0
    for _ in range(50):  # a script starring in a loop moves the count by one
        stars = client.post(f"/api/papers/{PAPER}/star").json()["counters"]["stars"]
    assert stars == 1
    assert other.post(f"/api/papers/{PAPER}/star").json()["counters"]["stars"] == 2
    assert other.delete(f"/api/papers/{PAPER}/star").json()["counters"]["stars"] == 1
    listed = client.get("/api/arxiv/cs.GT", params={"size": 500}).json()["papers"]
    assert next(p for p in listed if p["arxiv_id"] == PAPER)["counters"] == {
        "pdf_opens": 2, "faq_opens": 1, "stars": 1,
    }  # fmt: skip


def test_counter_errors(client: TestClient) -> None:
    r = client.post("/api/papers/2606.00001/star")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.post("/api/papers/not-an-id/open?kind=pdf").status_code == 404
    r = client.post(f"/api/papers/{PAPER}/open?kind=html")
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_parameters"
    assert client.post(f"/api/papers/{PAPER}/open").status_code == 422


def test_memory_cache_expires_and_evicts() -> None:
    now = [100.0]
    cache = MemoryCache(max_bytes=2, timer=lambda: now[0])  # room for two one-byte entries
    cache.set("a", b"1", 60)
    cache.set("b", b"2", 5)
    assert cache.get("a") == b"1" and cache.get("b") == b"2"
    now[0] += 5  # b's lifetime is over, a's is not
    assert cache.get("a") == b"1" and cache.get("b") is None
    cache.set("c", b"3", 60)
    cache.set("d", b"4", 60)  # at most two entries: the least recently used (a) goes
    assert cache.get("a") is None and cache.get("c") == b"3" and cache.get("d") == b"4"
    assert cache.held_bytes == 2
    cache.set("big", b"xyz", 60)  # larger than the whole cache: not kept, nothing evicted for it
    assert cache.get("big") is None and cache.get("c") == b"3"


def test_listing_cache_in_redis(sqlite_url: str, redis_url: str, redis_prefix: str) -> None:
    from coolpapers.app.store.db import make_engine, make_session_factory

    engine = make_engine(sqlite_url)
    load_demo(make_session_factory(engine))
    engine.dispose()
    app = create_app(make_settings(database_url=sqlite_url, redis_url=redis_url, redis_prefix=redis_prefix))
    assert isinstance(app.state.core.listings.cache, RedisCache)
    with TestClient(app) as c:
        first = c.get("/arxiv/cs.CL")
        assert first.status_code == 200
        assert c.get("/arxiv/cs.CL").text == first.text
    r = Redis.from_url(redis_url)
    try:
        keys = [k.decode() for k in r.scan_iter(match=f"{redis_prefix}:cache:*")]
        assert any(k.startswith(f"{redis_prefix}:cache:html:page:cs.CL|2026-06-09|") for k in keys)
        assert any(k.startswith(f"{redis_prefix}:cache:listing:cs.CL|") for k in keys)
        assert all(0 < r.pttl(k) <= 3_600_000 for k in keys)
    finally:
        r.close()


def test_redis_outage_degrades_to_no_cache() -> None:
    cache = RedisCache(Redis.from_url("redis://127.0.0.1:9", socket_connect_timeout=0.2), "x")
    cache.set("k", b"v", 10)
    assert cache.get("k") is None
