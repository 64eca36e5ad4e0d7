"""For you in a real Chromium: five starred papers make it the listing's order, cards say which
liked paper they are close to, and the reader's own choice of order holds."""

from __future__ import annotations

from typing import Any

from tests.browser_fixtures import base_url, browser, demo_factory, page, wait_complete, wait_until

__all__ = ["base_url", "browser", "demo_factory", "page"]  # fixtures used by name
DAY = "2026-06-09"


def _ids(page: Any) -> list[str]:
    return list(page.evaluate("[...document.querySelectorAll('#papers > .paper')].map((c) => c.dataset.id)"))


def test_five_stars_make_the_listing_for_you_and_cards_say_why(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/arxiv/cs.CL?date={DAY}")
    wait_complete(page)
    arxiv_order = _ids(page)
    starred = arxiv_order[20:25]
    for paper in starred:
        page.locator(f"article.paper[data-id='{paper}'] .act-star").click()
    assert page.locator("#sort-select").input_value() == "arxiv"  # nothing moves under the reader

    page.reload()
    wait_complete(page)
    wait_until(page, "document.getElementById('papers').dataset.sort === 'foryou'")
    assert page.locator("#sort-select").input_value() == "foryou"
    ranked = _ids(page)
    assert sorted(ranked) == sorted(arxiv_order) and set(ranked[:5]) == set(starred)
    why = page.locator("#papers > .paper .why").first
    assert why.text_content().startswith("close to: ")  # text_content: off-screen cards are not rendered
    titles = [page.locator(f"article.paper[data-id='{p}'] .title-text").text_content() for p in starred]
    assert why.locator("a").text_content() in titles
    assert why.locator("a").get_attribute("href").removeprefix("/arxiv/") in starred

    page.select_option("#sort-select", "arxiv")
    wait_until(page, "document.getElementById('papers').dataset.sort === 'arxiv'")
    assert _ids(page) == arxiv_order and page.locator(".paper .why").count() == 0
    page.reload()  # the reader chose arXiv order: it stays, with five papers liked or fifty
    wait_complete(page)
    assert page.locator("#sort-select").input_value() == "arxiv" and _ids(page) == arxiv_order


def test_for_you_without_a_profile_says_how_to_get_one(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/arxiv/cs.CL?date={DAY}")
    wait_complete(page)
    before = _ids(page)
    page.select_option("#sort-select", "foryou")
    page.locator("#sort-note", has_text="star or open a few").wait_for(timeout=5000)
    assert _ids(page) == before
