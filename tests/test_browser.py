"""End to end in a real Chromium: listing, filters, stars and Export, XSS, keyboard, 375 px."""

from __future__ import annotations

import re
from typing import Any

from tests.browser_fixtures import (
    base_url,
    browser,
    collect_dialogs,
    demo_factory,
    page,
    shot,
    wait_complete,
    wait_until,
)
from tests.conftest import make_settings

__all__ = ["base_url", "browser", "demo_factory", "page"]  # fixtures used by name
UNION = "cs.AI,cs.CL,cs.CV,cs.LG"
DAY = "2026-06-09"


def expected_matches(base_url: str, include: list[str], exclude: list[str]) -> int:
    import httpx

    papers: list[dict[str, Any]] = []
    for page_no in (1, 2, 3):
        params: dict[str, Any] = {"date": DAY, "size": 500, "page": page_no}
        papers += httpx.get(f"{base_url}/api/arxiv/{UNION}", params=params).json()["papers"]
    n = 0
    for p in papers:
        text = " ".join([p["title"], ", ".join(p["authors"]), p["abstract"]]).lower()
        if all(w in text for w in include) and not any(w in text for w in exclude):
            n += 1
    return n


def test_listing_loads_every_paper_and_filters_with_and(page: Any, base_url: str) -> None:
    import httpx

    total = httpx.get(f"{base_url}/api/arxiv/{UNION}", params={"date": DAY, "size": 1}).json()["total"]
    page.goto(f"{base_url}/arxiv/{UNION}?date={DAY}")
    assert page.locator("h1").inner_text().startswith("cs.AI")
    wait_complete(page)
    assert page.locator("#papers > .paper").count() == total
    ids = page.eval_on_selector_all("#papers > .paper", "els => els.map(e => e.dataset.id)")
    assert len(set(ids)) == total, "a paper appears twice in the union"
    page.keyboard.press("Control+f")
    assert page.locator("#search-panel").is_visible()
    focused = page.evaluate("document.activeElement.name")
    assert focused == "include"
    page.fill("#search-panel input[name=include]", "model, learning")
    page.fill("#search-panel input[name=exclude]", "survey")
    page.select_option("#search-panel select[name=mode]", "and")
    page.check("#search-panel input[name=only]")
    want = expected_matches(base_url, ["model", "learning"], ["survey"])
    assert 0 < want < total
    wait_until(page, f"document.querySelectorAll('#papers > .paper:not([hidden])').length === {want}", 5000)
    result = page.locator(".search-result").inner_text()
    assert result == f"{want} of {total} papers match"
    first = page.locator("#papers > .paper:not([hidden])").first
    assert first.locator("mark.hit").count() >= 2
    marks = {m.lower() for m in first.locator("mark.hit").all_inner_texts()}
    assert marks <= {"model", "learning"}
    shot(page, "listing-filtered")
    page.select_option("#search-panel select[name=mode]", "or")
    want_or = page.evaluate("document.querySelectorAll('#papers > .paper:not([hidden])').length")
    assert want_or >= want


def test_star_two_papers_and_follow_export(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/arxiv/cs.CL?date={DAY}")
    cards = page.locator("#papers > .paper")
    chosen = [cards.nth(0).get_attribute("data-id"), cards.nth(2).get_attribute("data-id")]
    for i in (0, 2):
        star = cards.nth(i).locator(".act-star")
        with page.expect_response(lambda r: r.url.endswith("/star") and r.request.method == "POST"):
            star.click()
        assert star.get_attribute("aria-pressed") == "true"
        # The count is set from the API's answer, a moment after the response arrives.
        star.locator(".cnt", has_text=re.compile("^1$")).wait_for(timeout=5000)
    page.click(".bar-stars")
    assert page.locator(".stars-list li").count() == 2
    href = page.locator(".stars-export").get_attribute("href")
    assert href == f"/arxiv/{chosen[0]},{chosen[1]}"
    shot(page, "starred-panel")
    page.click(".stars-export")
    page.wait_for_url(f"**/arxiv/{chosen[0]},{chosen[1]}")
    assert page.eval_on_selector_all(".paper", "els => els.map(e => e.dataset.id)") == chosen
    # Unstarring on the exported page takes the count back down.
    with page.expect_response(lambda r: r.url.endswith("/star") and r.request.method == "DELETE"):
        page.locator(".paper").first.locator(".act-star").click()
    page.locator(".paper").first.locator(".act-star .cnt", has_text=re.compile("^0$")).wait_for(timeout=5000)


def test_xss_payloads_never_run(page: Any, base_url: str) -> None:
    dialogs = collect_dialogs(page)
    for url in ("/arxiv/2606.99901", f"/arxiv/cs.CR?date={DAY}"):
        page.goto(base_url + url)
        page.wait_for_load_state("networkidle")
        card = page.locator(".paper").filter(has=page.locator("[href$='2606.99901']")).first
        assert "<script>window.__xss=1</script>" in card.locator(".title-text").inner_text()
        page.fill("#search-panel input[name=include]", "xss") if page.locator(
            "#search-panel"
        ).is_visible() else None
        assert page.evaluate("window.__xss") is None
        assert page.locator(".paper img, .paper svg:not(.katex *), .paper iframe, .paper script").count() == 0
    page.click(".bar-search")
    page.fill("#search-panel input[name=include]", "onerror")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert not dialogs
    shot(page, "xss")


def test_keyboard_reaches_every_card_button(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/arxiv/2606.07873")
    wanted = page.eval_on_selector_all(
        ".paper .actions button:not([hidden])", "els => els.map(e => e.className)"
    )
    reached: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        cls = page.evaluate("document.activeElement.className")
        if cls in wanted and cls not in reached:
            reached.append(cls)
    assert reached == wanted
    page.focus(".paper .act-pdf")
    page.keyboard.press("Enter")
    frame = page.locator(".panel-pdf iframe")
    assert (
        frame.get_attribute("src") == f"{make_settings().arxiv_pdf_url}/2606.07873"
    )  # the configured PDF host
    assert page.locator(".act-collapse").is_visible()
    page.focus(".act-collapse")
    page.keyboard.press("Enter")
    assert page.locator(".panel-pdf").is_hidden()


def test_narrow_screen_has_no_horizontal_scroll(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True)
    pg = context.new_page()
    try:
        for url, name in ((f"/arxiv/{UNION}?date={DAY}", "mobile-listing"), ("/", "mobile-home")):
            pg.goto(base_url + url)
            width = pg.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{url} is {width}px wide"
            if "arxiv" in url:
                bar = pg.locator(".bottom-bar").bounding_box()
                assert bar is not None and bar["width"] <= 375 and bar["y"] + bar["height"] <= 800
            shot(pg, name)
    finally:
        context.close()


def test_home_builds_the_readers_set(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.click("button.tri[data-cat='cs.AI']")
    page.click("button.tri[data-cat='cs.LG']")
    page.click("button.tri[data-cat='cs.CY']")
    page.click("button.tri[data-cat='cs.CY']")
    link = page.locator("#my-cats .my-link")
    assert link.get_attribute("href") == "/arxiv/cs.AI+cs.LG-cs.CY"
    page.fill("#pref-keywords", "diffusion")
    page.fill("#history-form input[name=date]", "2026-06-08")
    page.click("#history-form button[type=submit]")
    page.wait_for_url("**/arxiv/cs.AI+cs.LG-cs.CY?date=2026-06-08")
    assert page.locator(".paper").count() > 0
    page.select_option("#sort-select", "keywords")
    wait_complete(page)
    wait_until(page, "document.getElementById('papers').dataset.sort === 'keywords'")
    first_text = page.locator(".paper").first.inner_text().lower()
    assert "diffusion" in first_text
    shot(page, "home-after")
