"""Any paper by id, end to end: GET /api/papers/{id} answers 202 while the worker's lookup duty
fetches it from the fake arXiv, then 200 (or 404); on both databases."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from coolpapers.app.ingest.refresh import refresh_feeds
from coolpapers.worker.context import WorkerContext
from tests.conftest import make_settings
from tests.fake_arxiv.server import FakeArxiv
from tests.lookup_worker import app_with_lookups, when_landed


@pytest.fixture
def client(database_url: str, fake_arxiv: FakeArxiv) -> Iterator[TestClient]:
    settings = make_settings(database_url=database_url, **fake_arxiv.settings_overrides())
    with TestClient(app_with_lookups(settings)) as test_client:
        yield test_client


def api_requests(fake_arxiv: FakeArxiv) -> list[str]:
    return fake_arxiv.paths("/api/query")


def test_missing_paper_is_fetched_once_stored_and_served(client: TestClient, fake_arxiv: FakeArxiv) -> None:
    first = client.get("/api/papers/arXiv:2606.10376v1")
    assert first.status_code == 202 and first.json()["status"] == "fetching", first.text
    assert first.headers["retry-after"] == "2"
    resp = when_landed(client, "/api/papers/arXiv:2606.10376v1")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    paper = fake_arxiv.paper("2606.10376")
    assert paper is not None
    assert body["arxiv_id"] == "2606.10376" and body["version"] == 2
    assert body["title"] == paper.title and body["authors"] == list(paper.authors)
    assert body["categories"] == ["cs.AI", "cs.IT"]  # the API's ACM class I.2.7 is not a category
    assert body["primary_category"] == "cs.AI"
    assert body["submitted_at"].startswith("2026-06-07")
    assert body["counters"] == {"pdf_opens": 0, "faq_opens": 0, "stars": 0}
    assert body["announcements"] == []
    assert "\n" not in body["title"]
    assert len(api_requests(fake_arxiv)) == 1
    # Stored now: other spellings are served from the database without asking arXiv again.
    assert client.get("/api/papers/https://arxiv.org/abs/2606.10376").json()["arxiv_id"] == "2606.10376"
    assert len(api_requests(fake_arxiv)) == 1


def test_unknown_id_is_404_and_remembered(client: TestClient, fake_arxiv: FakeArxiv) -> None:
    assert client.get("/api/papers/2606.99999").status_code == 202
    for _ in range(3):
        resp = when_landed(client, "/api/papers/2606.99999")
        assert resp.status_code == 404
        assert resp.json()["error"]["code"] == "not_found" and "2606.99999" in resp.json()["error"]["message"]
    assert len(api_requests(fake_arxiv)) == 1


IMPOSSIBLE = ["1234.5678", "2613.00001", "hello", "2401.123456", "nope/9901001", "x" * 300]


@pytest.mark.parametrize("bad", IMPOSSIBLE)
def test_impossible_id_is_404_json_and_never_asks_arxiv(
    client: TestClient, fake_arxiv: FakeArxiv, bad: str
) -> None:
    resp = client.get(f"/api/papers/{bad}")
    assert resp.status_code == 404
    assert set(resp.json()["error"]) == {"code", "message"}
    assert fake_arxiv.requests == []


def test_arxiv_down_is_503_json_and_not_remembered(client: TestClient, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.fail("/api/query", "500", times=10)
    resp = when_landed(client, "/api/papers/2606.10376")
    assert resp.status_code == 503 and resp.json()["error"]["code"] == "unavailable"
    assert "HTTP 500" in resp.json()["error"]["message"] and resp.headers["retry-after"] == "60"
    fake_arxiv.faults.clear()
    app = client.app
    assert isinstance(app, FastAPI)
    assert client.get("/api/papers/2606.10376").status_code == 503  # a click right after is told…
    app.state.core.lookups.retry_failed_after = dt.timedelta(0)  # …until a while has passed
    assert when_landed(client, "/api/papers/2606.10376").status_code == 200


def test_listed_paper_shows_its_announcements_and_status_page(
    client: TestClient, fake_arxiv: FakeArxiv, database_url: str
) -> None:
    settings = make_settings(database_url=database_url, categories="cs.CL", **fake_arxiv.settings_overrides())
    ctx = WorkerContext.build(settings)

    async def fetch() -> None:
        try:
            rss = settings.arxiv_rss_url
            await refresh_feeds(ctx.session_factory, ctx.arxiv, rss, ["cs.CL"], owner="t")
        finally:
            await ctx.arxiv.aclose()

    asyncio.run(fetch())
    ctx.close()
    body = client.get("/api/papers/2606.09830").json()  # stored by the refresh: no lookup
    assert body["announcements"] == [{"category": "cs.CL", "date": "2026-06-10", "type": "new"}]
    assert body["license"] == "http://creativecommons.org/licenses/by/4.0/"  # synthetic in the fake feed
    assert fake_arxiv.paths("/api/") == []
    page = client.get("/status")
    assert page.status_code == 200 and "cs.CL" in page.text and "stored" in page.text
    assert str(dt.date(2026, 6, 10)) in page.text
