"""Listing pages, their JSON twin and every bad-input answer, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator, Set

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.records import AnnouncementRecord, PaperRecord
from coolpapers.app.ingest.demo import iter_days, load_demo
from coolpapers.app.settings import Settings
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.papers import store_announcements, store_papers
from coolpapers.app.web.listing import ListingService
from tests.fake_arxiv.server import FakeArxiv
from tests.lookup_worker import app_with_lookups, when_landed

DAY = dt.date(2026, 6, 9)
UNION = ("cs.AI", "cs.CL", "cs.CV", "cs.LG")


@pytest.fixture
def client(
    settings: Settings, session_factory: sessionmaker[Session], fake_arxiv: FakeArxiv
) -> Iterator[TestClient]:
    load_demo(session_factory)
    app = app_with_lookups(settings.model_copy(update=fake_arxiv.settings_overrides()))
    core = app.state.core
    # No stamp memo in tests, so a change is visible on the next request.
    core.listings = ListingService(core.listings.cache, settings.arxiv_pdf_url, stamp_ttl_s=0)
    with TestClient(app) as c:
        yield c


def expected_ids(day: dt.date, include: Set[str], exclude: Set[str] = frozenset()) -> set[str]:
    """Straight from the bundled files, not through storage."""
    for d, items in iter_days():
        if d == day:
            return {
                i.paper.arxiv_id
                for i in items
                if include & set(i.paper.categories) and not exclude & set(i.paper.categories)
            }
    raise AssertionError(day)


def all_json_ids(client: TestClient, spec: str, **params: str) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        body = client.get(f"/api/arxiv/{spec}", params={**params, "page": page, "size": 500}).json()
        ids += [p["arxiv_id"] for p in body["papers"]]
        if page * 500 >= body["total"]:
            return ids
        page += 1


def test_union_lists_each_paper_once_and_matches_the_day(client: TestClient) -> None:
    ids = all_json_ids(client, ",".join(UNION), date=DAY.isoformat())
    assert len(ids) == len(set(ids))
    assert set(ids) == expected_ids(DAY, set(UNION))
    body = client.get("/api/arxiv/cs.AI+cs.CL", params={"size": 3}).json()
    assert body["date"] == DAY.isoformat()  # default: the latest announced day
    assert body["categories"] == ["cs.AI", "cs.CL"] and body["size"] == 3 and len(body["papers"]) == 3
    types = [
        p["announce_type"] for p in client.get("/api/arxiv/cs.AI", params={"size": 500}).json()["papers"]
    ]
    assert types == sorted(types, key=["new", "cross"].index), "new submissions come before cross-lists"


def test_exclusion_and_size_cap(client: TestClient) -> None:
    ids = all_json_ids(client, "cs.AI+cs.LG-cs.CY", date=DAY.isoformat())
    assert set(ids) == expected_ids(DAY, {"cs.AI", "cs.LG"}, {"cs.CY"})
    assert set(ids) < expected_ids(DAY, {"cs.AI", "cs.LG"})
    body = client.get("/api/arxiv/cs.LG", params={"size": 100000}).json()
    assert body["size"] == 500
    beyond = client.get("/api/arxiv/cs.LG", params={"page": 99}).json()
    assert beyond["papers"] == [] and beyond["total"] > 0


def test_listing_page_first_chunk_and_fragments_cover_the_day(client: TestClient) -> None:
    spec = ",".join(UNION)
    page = client.get(f"/arxiv/{spec}", params={"date": DAY.isoformat()})
    assert page.status_code == 200
    html = page.text
    total = len(expected_ids(DAY, set(UNION)))
    assert f'<span class="total">{total}</span>' in html
    assert 'rel="prev"' in html and "?date=2026-06-08" in html and 'rel="next"' not in html
    seen = re.findall(r'<article class="paper" id="([^"]+)"', html)
    offset = len(seen)
    while offset < total:
        frag = client.get(f"/arxiv/{spec}", params={"date": DAY.isoformat(), "offset": offset}).text
        got = re.findall(r'<article class="paper" id="([^"]+)"', frag)
        assert got and f"#{offset + 1}</a>" in frag
        seen += got
        offset += len(got)
    assert seen == all_json_ids(client, spec, date=DAY.isoformat())
    older = client.get("/arxiv/cs.AI", params={"date": "2026-06-08"}).text
    assert 'rel="next"' in older and "?date=2026-06-09" in older


def test_bad_input_answers(client: TestClient) -> None:
    r = client.get("/arxiv/cs.Al")
    assert r.status_code == 404 and 'href="/arxiv/cs.AI"' in r.text
    r = client.get("/api/arxiv/cs.Al")
    assert (
        r.status_code == 404
        and r.json()["error"]["code"] == "not_found"
        and "cs.AI" in r.json()["error"]["message"]
    )
    for bad in ("2026-6-9", "yesterday", "2026-02-30", "2026-06-09T00:00"):
        r = client.get("/arxiv/cs.AI", params={"date": bad})
        assert r.status_code == 400 and "YYYY-MM-DD" in r.text, bad
        assert client.get("/api/arxiv/cs.AI", params={"date": bad}).json()["error"]["code"] == "bad_request"
    r = client.get("/arxiv/cs.AI", params={"date": "2026-06-12"})
    assert r.status_code == 404 and 'class="nearest-day" href="/arxiv/cs.AI?date=2026-06-09"' in r.text
    r = client.get("/arxiv/cs.AI", params={"date": "2020-01-01"})
    assert r.status_code == 404 and "2026-06-08" in r.text
    assert client.get("/arxiv/2606.99999999").status_code == 404
    assert client.get("/arxiv/2613.00001").status_code == 404
    assert when_landed(client, "/arxiv/2606.00001").status_code == 404  # a valid id arXiv does not know
    assert client.get("/arxiv/" + "+".join(["cs.AI"] * 300)).status_code == 414
    assert client.get("/arxiv/cs.AI", params={"date": "x" * 3000}).status_code == 414
    assert client.get("/arxiv/cs.AI+-").status_code in (400, 404)
    assert client.get("/api/arxiv/cs.AI", params={"page": 0}).status_code == 422
    assert client.get("/arxiv/search").status_code == 200  # the search page (tips), not a category


def test_a_paper_not_stored_is_fetched_from_arxiv(client: TestClient, fake_arxiv: FakeArxiv) -> None:
    # 2606.10376 is in the fake arXiv's days (06-10) but not in the bundled demo days.
    waiting = client.get("/arxiv/arXiv:2606.10376v1")
    assert waiting.status_code == 202 and waiting.headers["retry-after"] == "2"
    assert 'id="fetching" data-ids="2606.10376"' in waiting.text and "Fetching from arXiv" in waiting.text
    r = when_landed(client, "/arxiv/arXiv:2606.10376v1")
    assert r.status_code == 200, r.text
    assert '<meta name="citation_arxiv_id" content="2606.10376">' in r.text
    assert client.get("/api/papers/2606.10376").status_code == 200
    assert len(fake_arxiv.paths("/api/query")) == 1  # stored now: the next view asks nobody
    assert client.get("/arxiv/2606.10376").status_code == 200
    assert len(fake_arxiv.paths("/api/query")) == 1


def test_paper_page_when_arxiv_is_down(client: TestClient, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.fail("/api/query", "500", times=10)
    r = when_landed(client, "/arxiv/2606.10376")
    assert r.status_code == 503 and "arXiv could not be reached" in r.text and "HTTP 500" in r.text


def test_paper_pages_carry_citation_tags(client: TestClient, fake_arxiv: FakeArxiv) -> None:
    pdf_base = fake_arxiv.settings_overrides()["arxiv_pdf_url"]  # COOLPAPERS_ARXIV_PDF_URL
    ids = sorted(expected_ids(DAY, {"cs.CL"}))[:2]
    r = client.get(f"/arxiv/{ids[0]}")
    assert r.status_code == 200
    assert f'<meta name="citation_arxiv_id" content="{ids[0]}">' in r.text
    assert f'<meta name="citation_pdf_url" content="{pdf_base}/{ids[0]}">' in r.text
    assert re.search(r'<meta name="citation_date" content="2026/06/0[89]">', r.text)
    assert r.text.count('name="citation_author"') >= 1 and 'name="citation_title"' in r.text
    both = client.get(f"/arxiv/{ids[1]},arXiv:{ids[0]}v2,2606.00001")
    assert both.status_code == 200  # some papers to show: 200, with the rest being fetched
    assert 'data-ids="2606.00001"' in both.text
    deadline = time.monotonic() + 30
    while 'data-ids="2606.00001"' in both.text and time.monotonic() < deadline:
        time.sleep(0.05)
        both = client.get(f"/arxiv/{ids[1]},arXiv:{ids[0]}v2,2606.00001")
    assert both.status_code == 200
    assert re.findall(r'<article class="paper" id="([^"]+)"', both.text) == [ids[1], ids[0]]
    assert "Not found: <code>2606.00001</code>" in both.text


def test_payloads_are_escaped(client: TestClient, session_factory: sessionmaker[Session]) -> None:
    payload = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    with session_scope(session_factory) as s:
        rec = PaperRecord("2606.99902", payload, (payload,), payload, ("cs.AI",), comments=payload)
        ids, _ = store_papers(s, [rec])
        store_announcements(s, [AnnouncementRecord("2606.99902", "cs.AI", DAY, "new", 9999)], ids)
    for url in ("/arxiv/2606.99902", "/arxiv/cs.AI?offset=0"):
        html = client.get(url).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert" not in html and "<img src=x" not in html


def test_new_data_invalidates_the_cached_listing(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    def total_in_page() -> int:
        match = re.search(r'<span class="total">(\d+)</span>', client.get("/arxiv/cs.AI").text)
        assert match
        return int(match.group(1))

    before = total_in_page()
    assert total_in_page() == before  # served from the cache now
    json_before = client.get("/api/arxiv/cs.AI").json()["total"]
    with session_scope(session_factory) as s:
        rec = PaperRecord("2606.99903", "A fresh paper", ("A. Author",), "Abstract.", ("cs.AI",))
        ids, _ = store_papers(s, [rec])
        store_announcements(s, [AnnouncementRecord("2606.99903", "cs.AI", DAY, "new", 9999)], ids)
    assert total_in_page() == before + 1
    assert client.get("/api/arxiv/cs.AI").json()["total"] == json_before + 1
