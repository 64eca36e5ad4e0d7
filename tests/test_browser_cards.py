"""Card buttons in a real Chromium: Copy keeps the selection, subject +/-, REL, popularity sort."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser_fixtures import base_url, browser, demo_factory, page, wait_complete, wait_until

__all__ = ["base_url", "browser", "demo_factory", "page"]  # fixtures used by name
DAY = "2026-06-09"


def test_copy_puts_title_authors_link_on_the_clipboard_and_keeps_the_selection(
    browser: Any, base_url: str
) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    try:
        pg.goto(f"{base_url}/arxiv/2606.07873")
        pg.evaluate("""() => {
          const r = document.createRange(); r.selectNodeContents(document.querySelector('.abstract'));
          getSelection().removeAllRanges(); getSelection().addRange(r);
        }""")
        selected = pg.evaluate("getSelection().toString()")
        assert len(selected) > 100
        pg.click(".act-copy")
        pg.locator(".act-copy", has_text="Copied").wait_for(timeout=3000)
        clip = pg.evaluate("navigator.clipboard.readText()")
        assert clip == (
            "Adverse Effects of V2V Adoption on Road Safety\n"
            "Zhenqi Liu, Philip N. Brown, Keith Paarporn\nhttps://arxiv.org/abs/2606.07873"
        )
        assert pg.evaluate("getSelection().toString()") == selected
    finally:
        context.close()


def test_subject_buttons_edit_the_readers_set(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/arxiv/2606.07873")
    subject = page.locator(".subject").nth(1)
    assert subject.locator("a").inner_text() == "eess.SY"
    subject.hover()
    subject.locator(".cat-inc").click()
    page.locator(".subject").nth(0).hover()
    page.locator(".subject").nth(0).locator(".cat-exc").click()
    assert page.evaluate("JSON.parse(localStorage.getItem('cp.cats'))") == {
        "eess.SY": "include",
        "cs.GT": "exclude",
    }
    assert subject.locator(".cat-inc").get_attribute("aria-pressed") == "true"
    page.goto(base_url + "/")
    assert page.locator("#my-cats .my-link").get_attribute("href") == "/arxiv/eess.SY-cs.GT"


def test_related_without_a_search_backend_says_none_found(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/arxiv/2606.07873")
    page.click(".act-rel")
    page.locator(".panel-rel", has_text="No related papers found.").wait_for(timeout=5000)


def test_popularity_sort_puts_opened_papers_first(page: Any, base_url: str) -> None:
    ids = [
        p["arxiv_id"] for p in httpx.get(f"{base_url}/api/arxiv/cs.RO", params={"date": DAY}).json()["papers"]
    ]
    hot, warm = ids[-1], ids[-2]
    # One reader's clicks count once per paper and kind a day: hot gets three kinds, warm one.
    for kind in ("pdf", "faq"):
        httpx.post(f"{base_url}/api/papers/{hot}/open", params={"kind": kind})
    httpx.post(f"{base_url}/api/papers/{hot}/star")
    httpx.post(f"{base_url}/api/papers/{warm}/star")
    page.goto(f"{base_url}/arxiv/cs.RO?date={DAY}&show=all")  # a page not cached before the clicks
    wait_complete(page)
    page.select_option("#sort-select", "popular")
    wait_until(page, "document.getElementById('papers').dataset.sort === 'popular'")
    order = page.eval_on_selector_all("#papers > .paper", "els => els.map(e => e.dataset.id)")
    assert order[:2] == [hot, warm]
    page.select_option("#sort-select", "arxiv")
    wait_until(page, "document.getElementById('papers').dataset.sort === 'arxiv'")
    assert page.eval_on_selector_all("#papers > .paper", "els => els.map(e => e.dataset.id)")[:3] == ids[:3]
