"""The search page in Chromium: a search from the form gives highlighted results as the listing's
cards, whose buttons and bottom bar work, and its feed link answers valid Atom."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import feedparser
import pytest
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.search.writer import IndexUpdater
from tests.atom_check import atom_problems
from tests.browser_fixtures import browser, collect_dialogs, demo_factory, page, shot, wait_until
from tests.conftest import make_settings
from tests.live import serve

__all__ = ["browser", "demo_factory", "page"]

WORD = "quantum"  # in about ten papers of the sample days


@pytest.fixture(scope="module")
def search_url(
    demo_factory: sessionmaker[Session], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    index_dir = tmp_path_factory.mktemp("browser-search") / "index"
    updater = IndexUpdater(index_dir, demo_factory)
    updater.sync()
    updater.close()
    url = str(demo_factory.kw["bind"].url)
    with serve(make_settings(database_url=url, search_index_dir=str(index_dir))) as base:
        yield base


def test_search_highlights_cards_opens_a_pdf_and_follows_the_feed(page: Any, search_url: str) -> None:
    page.goto(f"{search_url}/")
    page.click("a.nav-search")
    page.fill(".site-search input[name=query]", WORD)
    page.check(".site-search input[name=highlight]")
    page.click(".site-search button[type=submit]")
    page.wait_for_url(re.compile(r".*/arxiv/search\?query=quantum.*highlight=1"))
    cards = page.locator("#papers > article.paper")
    total = cards.count()
    assert 5 <= total < 25 and page.locator("#search-count").inner_text().startswith(f"{total} papers")
    for i in range(total):  # every result shows the word marked, in its title or abstract
        marks = cards.nth(i).locator(".title-text mark.q, .abstract mark.q")
        assert marks.count() >= 1 and (marks.first.text_content() or "").lower().startswith(WORD[:6])
    assert page.locator("mark.q").first.is_visible()
    shot(page, "search-results")

    first = cards.first
    arxiv_id = first.get_attribute("data-id")
    with page.expect_response(lambda r: r.url.endswith(f"/{arxiv_id}/open?kind=pdf")):
        first.locator(".act-pdf").click()
    frame = first.locator(".panel-pdf iframe")
    assert frame.get_attribute("src") == f"{make_settings().arxiv_pdf_url}/{arxiv_id}"
    first.locator(".act-pdf .cnt", has_text=re.compile("^1$")).wait_for(timeout=5000)
    assert page.locator(".bar-stars .star-count").inner_text() == "1"  # opened papers join the list
    assert first.locator(".act-collapse").is_visible()

    # The bottom bar's in-page search works over the result cards too.
    page.keyboard.press("Control+f")
    page.fill("#search-panel input[name=include]", WORD)
    page.locator("#search-panel .search-result", has_text=f"{total} of {total} papers match").wait_for()

    ids = cards.evaluate_all("els => els.map(e => e.dataset.id)")
    feed_link = page.locator("a.search-feed")
    href = feed_link.get_attribute("href")
    assert page.locator('head link[rel=alternate][type="application/atom+xml"]').get_attribute("href") == href
    with page.expect_response(lambda r: "/arxiv/search/feed" in r.url) as answer:
        feed_link.click()
    response = answer.value
    assert response.status == 200 and response.headers["content-type"].startswith("application/atom+xml")
    body = response.body()
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0 and atom_problems(body) == []
    assert sorted(e.id.removeprefix("https://arxiv.org/abs/") for e in parsed.entries) == sorted(ids)
    assert parsed.feed.title == f"coolpapers search: {WORD}"


def test_search_page_at_phone_width(browser: Any, search_url: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True)
    pg = context.new_page()
    try:
        pg.goto(f"{search_url}/arxiv/search?query={WORD}&highlight=1")
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375
        shot(pg, "mobile-search")
    finally:
        context.close()


def test_xss_payloads_in_results_never_run(page: Any, search_url: str) -> None:
    dialogs = collect_dialogs(page)
    page.goto(f"{search_url}/arxiv/search?query=onerror+OR+srcdoc&highlight=1")
    page.wait_for_load_state("networkidle")
    card = page.locator("article.paper[data-id='2606.99901']")
    assert card.count() == 1 and card.locator(".title-text mark.q").count() >= 1
    assert "<script>window.__xss=1</script>" in card.locator(".title-text").inner_text()  # shown as text
    assert page.evaluate("window.__xss") is None and not dialogs
    assert page.locator(".paper img, .paper svg:not(.katex *), .paper iframe, .paper script").count() == 0


def _ids(page: Any) -> list[str]:
    return list(page.evaluate("[...document.querySelectorAll('#papers > .paper')].map((c) => c.dataset.id)"))


def test_search_results_for_you_follow_the_stars(page: Any, search_url: str) -> None:
    page.goto(f"{search_url}/arxiv/search?query=language&sort=relevance")
    relevance = _ids(page)
    starred = relevance[-2:]  # two of the least relevant on the first page
    for paper in starred:
        page.locator(f"article.paper[data-id='{paper}'] .act-star").click()
    page.select_option("select[name=sort]", "foryou")
    page.click("form.site-search button[type=submit]")
    page.wait_for_url("**sort=foryou**")
    wait_until(page, "document.getElementById('papers')?.dataset.sort === 'foryou'")
    ranked = _ids(page)
    assert len(ranked) > len(relevance) and set(ranked[:2]) == set(starred)
    assert page.locator("#papers .why").count() > 0
    assert page.locator(".pager").count() == 0  # the 200 most relevant, on one page


def test_more_like_my_stars_shows_their_neighbours_each_saying_which(page: Any, search_url: str) -> None:
    page.goto(f"{search_url}/arxiv/search?query=speech+recognition")
    assert page.locator("button.more-like").is_hidden()  # nothing starred yet
    starred = _ids(page)[:2]
    titles = [page.locator(f"article.paper[data-id='{p}'] .title-text").text_content() for p in starred]
    for paper in starred:
        page.locator(f"article.paper[data-id='{paper}'] .act-star").click()
    page.reload()
    page.click("button.more-like")
    page.wait_for_url("**like=**")
    page.locator(".more-like-results h2", has_text="More like your 2 starred papers").wait_for(timeout=5000)
    found = _ids(page)
    assert found and not set(found) & set(starred)
    assert page.locator("#papers .why a").first.text_content() in [t.strip() for t in titles if t]
