"""`/arxiv/search` renders results as the listing's cards, from the database, on SQLite and
PostgreSQL: order, numbering, counters, highlighting, pagination and the empty query."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from coolpapers.app.search.schema import analyze
from coolpapers.app.web.assets import served_static
from tests.feed_fixtures import DATED, EVIL, FeedSite, feed_site

CARD = re.compile(r'<article class="paper" id="([^"]+)" data-id="[^"]+" data-index="(\d+)"')
MARK = re.compile(r'<mark class="q">(.*?)</mark>')


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[FeedSite]:
    with feed_site(database_url, tmp_path / "index") as s:
        yield s


def cards(page: str) -> list[tuple[str, int]]:
    return [(pid, int(n)) for pid, n in CARD.findall(page)]


def inner(page: str, arxiv_id: str, tag_class: str) -> str:
    card = page[page.index(f'<article class="paper" id="{arxiv_id}"') :]
    start = card.index(f'class="{tag_class}')
    body = card[card.index(">", start) + 1 :]
    end = body.index("</span>" if tag_class.startswith("title-text") else "</p>")
    return body[:end]


def test_results_are_cards_in_the_engines_order(site: FeedSite) -> None:
    for sort in ("relevance", "date"):
        api = site.client.get("/api/search", params={"q": "language model", "sort": sort, "size": 25}).json()
        page = site.client.get("/arxiv/search", params={"query": "language model", "sort": sort})
        assert page.status_code == 200
        assert cards(page.text) == [(p["arxiv_id"], n) for n, p in enumerate(api["papers"], 1)]
        assert f"{api['matches']:,} papers" in page.text
    second = site.client.get("/arxiv/search", params={"query": "language model", "page": "2"}).text
    assert cards(second)[0][1] == 26  # numbering continues across pages
    assert 'href="/arxiv/search?query=language+model&amp;sort=relevance&amp;page=1"' in second
    assert 'rel="next"' in second and "page 2 of" in second


def test_cards_carry_the_stored_paper_and_its_counters(site: FeedSite) -> None:
    site.client.post(f"/api/papers/{DATED.arxiv_id}/star")
    page = site.client.get("/arxiv/search", params={"query": "quokka migration"}).text
    assert cards(page) == [(DATED.arxiv_id, 1)]
    assert '<span class="title-text math-text">Quokka migration patterns</span>' in page
    assert (
        '<span class="author">Dana Dated</span>' in page and 'Published: <time datetime="2026-06-01">' in page
    )
    assert 'aria-label="star">☆<span class="cnt">1</span>' in page  # counters from the database
    page_js = served_static().url("js/page.js")
    assert f'<script type="module" src="{page_js}">' in page and 'class="bottom-bar"' in page
    assert '"pdfUrl": "' + site.settings.arxiv_pdf_url + '"' in page  # [PDF] opens the configured host


def test_highlight_marks_matched_words_in_escaped_text(site: FeedSite) -> None:
    page = site.client.get("/arxiv/search", params={"query": "quokka abstract", "highlight": "1"}).text
    title = inner(page, EVIL.arxiv_id, "title-text")
    assert title.startswith(
        '<mark class="q">Quokka</mark> &lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt;'
    )
    abstract = inner(page, EVIL.arxiv_id, "abstract")
    assert abstract.startswith('<mark class="q">Quokka</mark> <mark class="q">abstract</mark>: &lt;img src=x')
    assert "<script>alert" not in page and "<img" not in page
    # Marks only add tags: the text is the stored text; every marked word is a query word.
    for marked, stored in ((title, EVIL.title), (abstract, EVIL.abstract)):
        assert html.unescape(MARK.sub(r"\1", marked)) == stored
    words = set(analyze("quokka abstract"))
    found = MARK.findall(page)
    assert found and all(set(analyze(html.unescape(m))) <= words for m in found)
    plain = site.client.get("/arxiv/search", params={"query": "quokka abstract"}).text
    assert "<mark" not in plain and cards(plain) == cards(page)


def test_highlight_marks_matched_author_names(site: FeedSite) -> None:
    page = site.client.get("/arxiv/search", params={"query": "author:Dated", "highlight": "1"}).text
    assert cards(page) == [(DATED.arxiv_id, 1)]
    assert '<span class="author">Dana <mark class="q">Dated</mark></span>' in page
    # A plain word matches authors too, and a name is marked in escaped text.
    evil = site.client.get("/arxiv/search", params={"query": "quokka evil", "highlight": "1"}).text
    assert '<span class="author">Eve &lt;<mark class="q">Evil</mark>&gt;</span>' in evil
    assert '<span class="author">]]&gt;</span>' in evil  # names without a match stay as they are
    plain = site.client.get("/arxiv/search", params={"query": "author:Dated"}).text
    assert '<span class="author">Dana Dated</span>' in plain and "<mark" not in plain


def test_empty_query_gives_tips_not_cards(site: FeedSite) -> None:
    for params in ({}, {"query": "   "}):
        page = site.client.get("/arxiv/search", params=params)
        assert page.status_code == 200 and 'id="search-tips"' in page.text and not cards(page.text)
    none = site.client.get("/arxiv/search", params={"query": "zzzqqqxxx"}).text
    assert "No papers match <q>zzzqqqxxx</q>." in none and not cards(none)
