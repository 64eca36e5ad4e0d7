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


def test_an_imported_bibtex_library_makes_the_listing_for_you(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/arxiv/cs.CL?date={DAY}")
    wait_complete(page)
    arxiv_order = _ids(page)
    chosen = arxiv_order[40:45]
    bib = "\n".join(f"@misc{{k{n}, title={{Paper {n}}}, eprint={{{paper}}}, archivePrefix={{arXiv}}}}"
                    for n, paper in enumerate(chosen))  # fmt: skip
    page.click(".bar-settings")
    status = page.locator("#settings-panel .library-status")
    assert status.inner_text() == "No library imported."
    files = page.locator("#settings-panel input[name=library]")
    files.set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a library"})
    page.locator("#settings-panel .library-status", has_text="Nothing was changed").wait_for(timeout=5000)
    assert "BibTeX, RIS or CSL-JSON" in status.inner_text()
    files.set_input_files(
        {"name": "big.bib", "mimeType": "text/plain", "buffer": b"@" * (5 * 1024 * 1024 + 1)}
    )
    page.locator("#settings-panel .library-status", has_text="the limit is 5 MB").wait_for(timeout=5000)
    files.set_input_files({"name": "my.bib", "mimeType": "text/plain", "buffer": bib.encode()})
    page.locator("#settings-panel .library-status", has_text="5 papers by arXiv id").wait_for(timeout=5000)
    assert "my.bib (bibtex, 5 entries" in status.inner_text()

    page.reload()  # five papers in the profile: For you is the order now
    wait_complete(page)
    wait_until(page, "document.getElementById('papers').dataset.sort === 'foryou'")
    assert set(_ids(page)[:5]) == set(chosen)
    why = page.locator("#papers > .paper .why a").first
    assert why.text_content() in {f"Paper {n}" for n in range(5)}
    page.click(".bar-settings")
    page.click("#settings-panel .library-forget")
    assert status.inner_text() == "No library imported."


def test_a_sync_link_opened_in_a_second_browser_shows_the_same_stars(browser: Any, base_url: str) -> None:
    laptop, phone = browser.new_context(), browser.new_context()
    try:
        first = laptop.new_page()
        first.goto(f"{base_url}/arxiv/cs.CL?date={DAY}")
        wait_complete(first)
        starred = _ids(first)[:3]
        for paper in starred:
            first.locator(f"article.paper[data-id='{paper}'] .act-star").click()
        first.click(".bar-settings")
        first.click("#settings-panel .sync-make")
        link = first.locator("#settings-panel .sync-link a")
        link.wait_for(timeout=5000)
        url = link.get_attribute("href")
        assert url and "/sync/" in url

        second = phone.new_page()
        second.goto(url)
        second.locator(".sync-page .sync-status", has_text="Synced: 3 starred papers").wait_for(timeout=5000)
        second.goto(f"{base_url}/arxiv/cs.CL?date={DAY}")
        wait_complete(second)
        ids = second.evaluate("JSON.parse(localStorage.getItem('cp.stars')).map((s) => s.id)")
        assert ids == starred
        on = second.locator("article.paper .act-star[aria-pressed='true']")
        assert on.count() == 3

        # A star removed on the phone is gone on the laptop at its next page.
        second.locator(f"article.paper[data-id='{starred[0]}'] .act-star").click()
        wait_until(second, "JSON.parse(localStorage.getItem('cp.sync.agreed')).stars.length === 2", 5000)
        first.reload()
        wait_complete(first)
        wait_until(first, "JSON.parse(localStorage.getItem('cp.stars')).length === 2", 5000)
    finally:
        laptop.close()
        phone.close()
