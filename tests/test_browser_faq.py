"""The [FAQ] button and math in a real Chromium, against the real FAQ API, its embedded worker and
the fake LLM provider (tests/fake_llm/)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from tests.browser_fixtures import (
    base_url,
    browser,
    demo_factory,
    faq_app,
    faq_base_url,
    faq_llm,
    page,
    shot,
)

if TYPE_CHECKING:  # Playwright is imported only once Chromium is known to be there.
    from playwright.sync_api import Route

__all__ = ["base_url", "browser", "demo_factory", "faq_base_url", "faq_llm", "page"]  # fixtures used by name
CL_PAPER = "2606.07549"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_faq_streams_into_the_card_in_the_chosen_language(
    page: Any, faq_base_url: str, faq_llm: tuple[Any, str]
) -> None:
    llm, _ = faq_llm
    page.goto(f"{faq_base_url}/arxiv/{CL_PAPER}")
    page.click(".bar-settings")
    page.select_option("#settings-panel select[name=lang]", "zh")
    page.click(".bar-settings")
    card = page.locator(".paper").first
    with page.expect_response(lambda r: "/open?kind=faq" in r.url):
        card.locator(".act-faq").click()
    text = card.locator(".faq-text")
    text.filter(has_text="Part 1 of the answer").wait_for(timeout=10_000)  # streamed deltas, still plain text
    assert card.locator(".faq-text h2").count() == 0
    card.locator(".faq-text .katex").first.wait_for(timeout=15_000)  # done: sanitized html, math rendered
    assert card.locator(".faq-text h2").count() == 6
    assert card.locator(".faq-status").inner_text() == "Answered by fake-1"
    assert card.locator(".act-faq .cnt").inner_text() == "1"
    assert CJK.search(llm.prompts[-1]), "the Chinese prompt was used"
    assert card.locator(".act-star").get_attribute("aria-pressed") == "true"  # opened → on the starred list
    shot(page, "faq-streamed")
    card.locator(".act-collapse").click()
    assert card.locator(".panel-faq").is_hidden()


def test_faq_without_an_llm_says_how_to_configure_one(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/arxiv/2606.07873")
    page.locator(".paper .act-faq").first.click()
    note = page.locator(".paper .unconfigured").filter(has_text="COOLPAPERS_LLM_BASE_URL")
    note.wait_for(timeout=5000)


def test_faq_rate_limit_and_retry_after_a_failure(
    page: Any, demo_factory: sessionmaker[Session], faq_llm: tuple[Any, str]
) -> None:
    llm, llm_url = faq_llm
    with faq_app(demo_factory, llm_url, faq_max_attempts=1, faq_rate_limit_per_hour=2) as base:
        llm.script = ["500"]  # the first generation fails, and with one attempt allowed, stays failed
        page.goto(f"{base}/arxiv/2606.07873,2606.07791,2606.99904")
        cards = page.locator(".paper")
        first = cards.nth(0)
        first.locator(".act-faq").click()
        first.locator(".note.error").filter(has_text="could not be written").wait_for(timeout=10_000)
        first.locator(".faq-retry").click()  # the reader's retry (second request from this address)
        first.locator(".faq-text .katex").first.wait_for(timeout=15_000)
        assert first.locator(".note.error").count() == 0
        third = cards.nth(1)
        third.locator(".act-faq").click()  # a third request within the hour: refused
        third.locator(".note.error").filter(has_text="Too many FAQ requests").wait_for(timeout=5000)
        shot(page, "faq-messages")


def test_math_in_titles_and_abstracts_renders_offline(page: Any, base_url: str) -> None:
    blocked: list[str] = []

    def block_outside_requests(route: Route) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", block_outside_requests)
    page.goto(f"{base_url}/arxiv/2606.99904")
    page.wait_for_load_state("networkidle")
    card = page.locator(".paper").first
    assert card.locator(".title-text .katex").count() == 1
    assert card.locator(".abstract .katex-display").count() == 1
    assert card.locator(".abstract .katex").count() == 2
    font_ok = page.evaluate("document.fonts.check('16px KaTeX_Main')")
    assert font_ok
    assert blocked == [], f"the page asked for outside resources: {blocked}"
    shot(page, "math")
