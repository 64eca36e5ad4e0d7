"""Fixtures shared by the browser tests: a demo database with XSS payloads, a live server,
Chromium, and a page that fails the test on any JavaScript error."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.records import AnnouncementRecord, PaperRecord
from coolpapers.app.ingest.demo import load_demo
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.papers import store_announcements, store_papers
from tests.conftest import make_settings, missing_service
from tests.live import ARTIFACTS, chromium_missing_reason, launch, serve

if TYPE_CHECKING:  # Playwright is imported only once Chromium is known to be there.
    from playwright.sync_api import Dialog

XSS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg/onload=window.__xss=1>',
    "javascript:window.__xss=1",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "$\\href{javascript:window.__xss=1}{x}$",
]


@pytest.fixture(scope="module")
def demo_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    from coolpapers.app.store.migrate import upgrade

    path = tmp_path_factory.mktemp("browser") / "demo.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    load_demo(factory)
    with session_scope(factory) as s:
        record = PaperRecord(
            arxiv_id="2606.99901", title=" ".join(XSS), authors=tuple(XSS[:3]),
            abstract=" ".join(XSS), categories=("cs.CR",), comments=XSS[1],
        )  # fmt: skip
        math = PaperRecord(
            arxiv_id="2606.99904", title="Sorting in $\\mathcal{O}(n^2)$ steps", authors=("E. Xample",),
            abstract="We show $$\\sum_{i=1}^n i = \\frac{n(n+1)}{2}$$ holds, and $a<b$ too.",
            categories=("cs.DS",),
        )  # fmt: skip
        ids, _ = store_papers(s, [record, math])
        day = dt.date(2026, 6, 9)
        store_announcements(
            s,
            [AnnouncementRecord("2606.99901", "cs.CR", day, "new", 999),
             AnnouncementRecord("2606.99904", "cs.DS", day, "new", 999)],
            ids,
        )  # fmt: skip
    yield factory
    engine.dispose()


@pytest.fixture(scope="module")
def base_url(demo_factory: sessionmaker[Session]) -> Iterator[str]:
    url = str(demo_factory.kw["bind"].url)
    with serve(make_settings(database_url=url)) as base:
        yield base


@pytest.fixture(scope="module")
def faq_llm() -> Iterator[tuple[Any, str]]:
    """The fake OpenAI-compatible provider, streaming slowly enough to watch the text grow."""
    from tests.fake_llm.server import FakeLlm, ServerThread

    llm = FakeLlm(chunk_delay_s=0.03, hang_s=5)
    with ServerThread(llm.app()) as server:
        yield llm, f"{server.url}/v1"


@contextmanager
def faq_app(factory: sessionmaker[Session], llm_url: str, **overrides: Any) -> Iterator[str]:
    """The real app with its embedded FAQ worker, writing FAQs with the fake provider."""
    from tests.faq.live import LiveApp, faq_settings

    url = str(factory.kw["bind"].url)
    with LiveApp(faq_settings(url, llm_url, faq_languages="en,zh", **overrides)) as live:
        yield live.url


@pytest.fixture(scope="module")
def faq_base_url(demo_factory: sessionmaker[Session], faq_llm: tuple[Any, str]) -> Iterator[str]:
    with faq_app(demo_factory, faq_llm[1]) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = chromium_missing_reason()
    if reason:
        missing_service(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    # Chromium reports every Content-Security-Policy violation on the console: the pages must
    # work under the policy they are served with, so any such report fails the test.
    pg.on("console", lambda msg: errors.append(msg.text)
          if msg.type == "error" and "Content Security Policy" in msg.text else None)  # fmt: skip
    pg.errors = errors
    yield pg
    context.close()
    assert not errors, f"JavaScript errors or CSP violations: {errors}"


def collect_dialogs(pg: Any) -> list[str]:
    """Dismiss every dialog the page opens; the returned list fills with their messages."""
    messages: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        messages.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", dismiss)
    return messages


def shot(pg: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def wait_until(pg: Any, expression: str, timeout_ms: float = 10_000) -> None:
    """Until `expression` is true in the page. Playwright's wait_for_function compiles its predicate
    with eval inside the page, which the pages' CSP (no 'unsafe-eval') forbids; page.evaluate
    runs through the DevTools protocol, which the policy does not cover."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not pg.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout_ms / 1000:g} s: {expression}"
        time.sleep(0.05)


def wait_complete(pg: Any) -> None:
    pg.wait_for_selector("#papers[data-complete='1']", state="attached", timeout=20_000)
