"""Atom feeds of listings (`/arxiv/{cats}/feed`) and searches (`/arxiv/search/feed`), on SQLite
and PostgreSQL: read by feedparser, checked against RFC 4287, compared entry by entry with the
listing and search results they stand for."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import feedparser
import pytest

from coolpapers.app.arxiv.records import AnnouncementRecord
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.papers import store_announcements, store_papers
from tests.atom_check import NS, atom_problems
from tests.conftest import make_settings
from tests.feed_fixtures import DATED, DAY, EVIL, FeedSite, feed_site, without_control

ATOM_TYPE = "application/atom+xml; charset=utf-8"
EVIL_URL = f"https://arxiv.org/abs/{EVIL.arxiv_id}"


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[FeedSite]:
    with feed_site(database_url, tmp_path / "index") as s:
        yield s


def read_feed(site: FeedSite, url: str, **params: str) -> Any:
    r = site.client.get(url, params=params)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == ATOM_TYPE
    parsed = feedparser.parse(r.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert atom_problems(r.content) == []
    return parsed


def assert_entries_match(site: FeedSite, entries: list[Any], papers: list[dict[str, Any]]) -> None:
    """Each entry carries exactly the paper's data, in the same order."""
    assert [e.id for e in entries] == [f"https://arxiv.org/abs/{p['arxiv_id']}" for p in papers]
    for entry, paper in zip(entries, papers, strict=True):
        pid = paper["arxiv_id"]
        assert entry.title == without_control(paper["title"])
        assert [a.name for a in entry.authors] == [without_control(a) for a in paper["authors"]]
        assert [t.term for t in entry.tags] == paper["categories"]
        assert entry.summary == without_control(paper["abstract"])
        links = {(link.rel, link.type): link.href for link in entry.links}
        assert links == {
            ("alternate", "text/html"): f"https://arxiv.org/abs/{pid}",
            ("related", "application/pdf"): f"{site.settings.arxiv_pdf_url}/{pid}",
            ("related", "text/html"): f"http://testserver/arxiv/{pid}",
        }
        assert entry.published and entry.updated >= entry.published


def test_listing_feed_is_the_listing(site: FeedSite) -> None:
    feed = read_feed(site, "/arxiv/cs.CL+cs.AI/feed")
    listing = site.client.get("/api/arxiv/cs.CL+cs.AI", params={"size": 500}).json()
    assert listing["total"] == len(listing["papers"]) > 100
    assert_entries_match(site, feed.entries, listing["papers"])
    assert feed.feed.id == "http://testserver/arxiv/cs.AI+cs.CL/feed"
    assert {(link.rel, link.href) for link in feed.feed.links} == {
        ("self", "http://testserver/arxiv/cs.AI+cs.CL/feed"),
        ("alternate", f"http://testserver/arxiv/cs.AI+cs.CL?date={DAY.isoformat()}"),
    }
    assert feed.feed.updated == "2026-06-09T00:00:00Z"  # the day; no paper changed later
    by_id = {e.id.rsplit("/", 1)[1]: e for e in feed.entries}
    # A paper with known dates: v1 is published, the latest version updated.
    assert (by_id[DATED.arxiv_id].published, by_id[DATED.arxiv_id].updated) == (
        "2026-06-01T12:00:00Z", "2026-06-05T08:30:00Z",
    )  # fmt: skip
    # Papers from the listing feed alone carry no dates: the announcement day stands in.
    undated = [e for pid, e in by_id.items() if pid != DATED.arxiv_id]
    assert {(e.published, e.updated) for e in undated} == {("2026-06-09T00:00:00Z", "2026-06-09T00:00:00Z")}
    with session_scope(site.factory) as s:  # an older paper replaced on this day
        ids, _ = store_papers(s, [replace(DATED, arxiv_id="2605.00001", title="Quokka, revised")])
        store_announcements(s, [AnnouncementRecord("2605.00001", "cs.CL", DAY, "replace", 1001)], ids)
    assert len(read_feed(site, "/arxiv/cs.CL+cs.AI/feed").entries) == len(feed.entries)
    replaced = read_feed(site, "/arxiv/cs.CL+cs.AI/feed", show="all")
    assert replaced.feed.id == "http://testserver/arxiv/cs.AI+cs.CL/feed?show=all"
    assert replaced.entries[-1].id == "https://arxiv.org/abs/2605.00001"
    assert_entries_match(site, replaced.entries, site.client.get(
        "/api/arxiv/cs.CL+cs.AI", params={"size": 500, "show": "all"}).json()["papers"])  # fmt: skip
    older = read_feed(site, "/arxiv/cs.CL/feed", date="2026-06-08")
    assert older.feed.updated == "2026-06-08T00:00:00Z" and older.entries
    assert_entries_match(site, older.entries, site.client.get(
        "/api/arxiv/cs.CL", params={"size": 500, "date": "2026-06-08"}).json()["papers"])  # fmt: skip


def test_search_feed_is_the_newest_matches(site: FeedSite) -> None:
    for query in ("language model", "quokka", 'author:"Dana Dated"', "cat:cs.CL graph"):
        feed = read_feed(site, "/arxiv/search/feed", query=query)
        newest = site.client.get("/api/search", params={"q": query, "sort": "date", "size": 50}).json()
        assert newest["papers"], query
        assert_entries_match(site, feed.entries, newest["papers"])
        assert len(feed.entries) == min(50, newest["matches"])
    quokka = read_feed(site, "/arxiv/search/feed", query="quokka")
    # Newest first: the hostile paper was stored today; DATED was first submitted on June 1st.
    assert [e.id.rsplit("/", 1)[1] for e in quokka.entries] == [EVIL.arxiv_id, DATED.arxiv_id]
    assert quokka.feed.id == "http://testserver/arxiv/search/feed?query=quokka"
    assert quokka.feed.title == "coolpapers search: quokka"
    alternate = next(link.href for link in quokka.feed.links if link.rel == "alternate")
    assert alternate == "http://testserver/arxiv/search?query=quokka&sort=date"


def test_hostile_text_yields_a_well_formed_feed(site: FeedSite) -> None:
    for url, params in (("/arxiv/cs.CL/feed", {}), ("/arxiv/search/feed", {"query": "quokka"})):
        body = site.client.get(url, params=params).content
        assert feedparser.parse(body).bozo == 0 and atom_problems(body) == []
        root = ET.fromstring(body)
        assert not root.findall(".//script") and not root.findall(".//img")  # text, never elements
        by_id = {e.findtext("a:id", namespaces=NS): e for e in root.findall("a:entry", NS)}
        entry = by_id[EVIL_URL]
        assert entry.findtext("a:title", namespaces=NS) == without_control(EVIL.title)
        assert entry.findtext("a:summary", namespaces=NS) == without_control(EVIL.abstract)
        assert "\x7f" in (entry.findtext("a:title", namespaces=NS) or "")  # allowed in XML: kept
    # The query itself ends up in the feed's title and links.
    query = '<script>alert(1)</script> ]]> "quokka\x01'
    feed = read_feed(site, "/arxiv/search/feed", query=query)
    assert feed.feed.title == "coolpapers search: " + query.replace("\x01", "")


def test_conditional_get_and_head(site: FeedSite) -> None:
    for url, params in (("/arxiv/cs.CL/feed", {}), ("/arxiv/search/feed", {"query": "quokka"})):
        first = site.client.get(url, params=params)
        etag = first.headers["etag"]
        assert etag.startswith('"') and not etag.startswith("W/")  # strong
        assert site.client.get(url, params=params).headers["etag"] == etag  # stable for the same body
        for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            again = site.client.get(url, params=params, headers={"If-None-Match": sent})
            assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag), sent
        changed = site.client.get(url, params=params, headers={"If-None-Match": '"stale"'})
        assert changed.status_code == 200 and changed.content == first.content
        head = site.client.head(url, params=params)
        assert (head.status_code, head.content, head.headers["etag"]) == (200, b"", etag)
        assert head.headers["content-length"] == str(len(first.content))
        assert site.client.head(url, params=params, headers={"If-None-Match": etag}).status_code == 304


def test_new_papers_change_the_etag(site: FeedSite) -> None:
    urls = ("/arxiv/cs.CL/feed", "/arxiv/search/feed?query=quokka")
    before = {u: site.client.get(u).headers["etag"] for u in urls}
    site.store(replace(EVIL, arxiv_id="2606.99907", title="Quokka again"))
    for url, etag in before.items():
        r = site.client.get(url, headers={"If-None-Match": etag})
        assert r.status_code == 200 and r.headers["etag"] != etag
        ids = [e.id.rsplit("/", 1)[1] for e in feedparser.parse(r.content).entries]
        assert "2606.99907" in ids


def test_bad_input_is_refused_like_the_pages(site: FeedSite) -> None:
    c = site.client
    unknown = c.get("/arxiv/cs.Al/feed")
    assert unknown.status_code == 404 and "cs.AI" in unknown.text  # suggests the close code
    assert c.get("/arxiv/cs.AI/feed", params={"date": "June"}).status_code == 400
    assert c.get("/arxiv/cs.AI/feed", params={"date": "2026-06-12"}).status_code == 404
    assert c.get("/arxiv/" + "cs.AI+" * 300 + "cs.CL/feed").status_code == 414
    for query in ("", "   "):
        empty = c.get("/arxiv/search/feed", params={"query": query})
        assert empty.status_code == 400 and "needs a query" in empty.text
    assert c.get("/arxiv/search/feed").status_code == 400
    huge = c.get("/arxiv/search/feed", params={"query": "quokka " * 1500})
    assert huge.status_code == 414 and "limit" in huge.text
    # Search syntax characters degrade to words (or to nothing): a valid feed either way.
    for query in ("-", "'\";--", "NEAR(", '"unbalanced', "*", "a:b:c", "cat:"):
        entries = read_feed(site, "/arxiv/search/feed", query=query).entries
        newest = c.get("/api/search", params={"q": query, "sort": "date", "size": 50}).json()["papers"]
        assert_entries_match(site, entries, newest)
    assert read_feed(site, "/arxiv/search/feed", query="-").entries == []


def test_search_feed_before_the_index_exists(database_url: str, tmp_path: Path) -> None:
    from tests.search_fixtures import client_for, demo_app

    with client_for(demo_app(database_url, tmp_path / "none", build_index=False)) as fresh:
        r = fresh.get("/arxiv/search/feed", params={"query": "graph"})
        assert r.status_code == 503 and r.headers["retry-after"] == "30"


def test_pages_link_their_feeds(site: FeedSite) -> None:
    listing = site.client.get("/arxiv/cs.CL+cs.AI").text
    assert '<link rel="alternate" type="application/atom+xml"' in listing
    assert 'href="/arxiv/cs.AI+cs.CL/feed"' in listing
    assert '"pdfUrl": "' + site.settings.arxiv_pdf_url + '"' in listing  # [PDF] on a listing card
    page = site.client.get("/arxiv/search", params={"query": 'quokka "x"'}).text
    feed_href = "/arxiv/search/feed?query=quokka+%22x%22"
    assert (
        f'type="application/atom+xml" title="coolpapers search: quokka &#34;x&#34;" href="{feed_href}"'
        in page
    )
    assert f'<a class="search-feed" href="{feed_href}"' in page and "Follow this search" in page
    tips = site.client.get("/arxiv/search").text
    assert "application/atom+xml" not in tips


def test_links_use_the_public_url_not_the_host_header(site: FeedSite) -> None:
    evil = {"Host": "evil.example"}
    reflected = site.client.get("/arxiv/cs.CL/feed", params={"date": DAY.isoformat()}, headers=evil)
    assert b"http://evil.example/arxiv/" in reflected.content  # the default: the request's own address
    site.client.app.state.core.settings.public_url = "https://papers.example.org"  # type: ignore[attr-defined]
    for url in ("/arxiv/cs.CL/feed", "/arxiv/search/feed"):
        params = {"date": DAY.isoformat()} if "search" not in url else {"query": "model"}
        body = site.client.get(url, params=params, headers=evil).content
        assert b"evil.example" not in body, url
        assert b"https://papers.example.org/arxiv/" in body, url


@pytest.mark.parametrize("bad", ["papers.example.org", "ftp://x", "https://x/a?b", "https://x y"])
def test_a_public_url_must_be_an_address(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a site address"):
        make_settings(public_url=bad)
    assert make_settings(public_url="https://p.example/lab/").public_url == "https://p.example/lab"
