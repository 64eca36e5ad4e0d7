"""A 2,000-paper union day loads completely, each paper once, and filters correctly.
(Its speed is measured by `python -m bench.long_day`, not here.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from coolpapers.app.store.db import make_engine, make_session_factory
from coolpapers.app.store.migrate import upgrade
from tests.browser_fixtures import browser, page, wait_until
from tests.conftest import make_settings
from tests.live import serve
from tests.synthetic_day import DAY, UNION, store_synthetic_day

__all__ = ["browser", "page"]  # fixtures used by name
N = 2000


@pytest.fixture(scope="module")
def long_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[Any]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('long') / 'long.db'}"
    upgrade(url)
    engine = make_engine(url)
    items = store_synthetic_day(make_session_factory(engine), N)
    engine.dispose()
    with serve(make_settings(database_url=url)) as base:
        yield base, items


def test_two_thousand_papers_load_once_and_filter(page: Any, long_day: tuple[str, list[Any]]) -> None:
    base, items = long_day
    url = f"{base}/arxiv/{UNION}?date={DAY.isoformat()}"
    assert httpx.get(url).text.count('<article class="paper"') == 40  # the first chunk comes with the page
    page.goto(url)
    page.wait_for_selector("#papers[data-complete='1']", state="attached", timeout=60_000)
    ids = page.eval_on_selector_all("#papers > .paper", "els => els.map(e => e.dataset.id)")
    assert len(ids) == N and len(set(ids)) == N
    numbers = page.eval_on_selector_all("#papers > .paper .num", "els => els.map(e => e.textContent)")
    assert numbers == [f"#{i}" for i in range(1, N + 1)]
    want = sum(
        1 for i in items
        if all(w in f"{i.paper.title} {', '.join(i.paper.authors)} {i.paper.abstract}".lower()
               for w in ("diffusion", "robust"))
    )  # fmt: skip
    assert 0 < want < N
    page.click(".bar-search")
    page.fill("#search-panel input[name=include]", "diffusion, robust")
    page.select_option("#search-panel select[name=mode]", "and")
    page.check("#search-panel input[name=only]")
    page.locator(".search-result").filter(has_text=f"{want} of {N} papers match").wait_for(timeout=20_000)
    # The count reads the same before and after "only matches" is applied (its input event is
    # debounced), so wait for the hiding itself rather than the text.
    shown = "document.querySelectorAll('#papers > .paper:not([hidden])').length"
    wait_until(page, f"{shown} === {want}", 20_000)
    assert page.evaluate(shown) == want
    page.click(".bar-search")  # close the panel so it covers no card
    et_al = page.locator("[id='2606.20000'] .et-al")
    assert et_al.inner_text() == "et al. (+5)"
    et_al.click()
    assert page.locator("[id='2606.20000'] .author").count() == 45
