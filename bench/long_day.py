"""A 2,000-paper union day in Chromium: `python -m bench.long_day [--papers N]`.

Stores a synthetic day (2026-06-10) in a fresh SQLite database, serves it, and measures in
Debian's Chromium: time to first paint of the first chunk, time until every card is loaded,
an in-page search over all cards, a sort, and frame times while scrolling through the page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.synthetic_day import DAY, UNION, store_synthetic_day


def measure(page: Any, url: str) -> dict[str, float]:
    page.goto(url)
    first = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    page.wait_for_selector("#papers[data-complete='1']", state="attached", timeout=60_000)
    loaded = page.evaluate("performance.now()")
    search_ms = page.evaluate("""async () => {
      document.querySelector('.bar-search').click();
      const f = document.querySelector('.search-form');
      f.include.value = 'diffusion, robust'; f.mode.value = 'and'; f.only.checked = true;
      const t0 = performance.now();
      f.dispatchEvent(new Event('input'));
      const out = f.querySelector('.search-result');
      while (!out.textContent) await new Promise(r => setTimeout(r, 5));
      return performance.now() - t0 - 120;  // minus the input debounce
    }""")
    sort_ms = page.evaluate("""async () => {
      const s = document.getElementById('sort-select'); s.value = 'published';
      const t0 = performance.now(); s.dispatchEvent(new Event('change'));
      const papers = document.getElementById('papers');
      while (papers.dataset.sort !== 'published') await new Promise(r => setTimeout(r, 1));
      return performance.now() - t0;
    }""")
    frames = page.evaluate("""async () => {
      document.querySelector('.search-form').only.checked = false;
      document.querySelector('.search-form').dispatchEvent(new Event('input'));
      await new Promise(r => setTimeout(r, 300));
      const times = []; let last = performance.now();
      const end = document.body.scrollHeight;
      for (let y = 0; y < end; y += 600) {
        window.scrollTo(0, y);
        await new Promise(r => requestAnimationFrame(r));
        const now = performance.now(); times.push(now - last); last = now;
      }
      return times;
    }""")
    return {
        "dom_ready_ms": first, "all_loaded_ms": loaded, "search_ms": search_ms, "sort_ms": sort_ms,
        "frame_p50_ms": statistics.median(frames), "frame_p95_ms": statistics.quantiles(frames, n=20)[18],
        "frames": len(frames), "cards": page.locator("#papers > .paper").count(),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=2000)
    args = parser.parse_args()
    from tests.live import chromium_missing_reason, launch, serve

    if reason := chromium_missing_reason():
        print(reason, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    from coolpapers.app.settings import load_settings
    from coolpapers.app.store.db import make_engine, make_session_factory
    from coolpapers.app.store.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="cp-longday-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'long.db'}"
        upgrade(url)
        engine = make_engine(url)
        store_synthetic_day(make_session_factory(engine), args.papers)
        engine.dispose()
        with serve(load_settings(database_url=url, log_level="warning")) as base, sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            result = measure(page, f"{base}/arxiv/{UNION}?date={DAY.isoformat()}")
            browser.close()
    print(f"{result['cards']} cards on one union page (synthetic day, {args.papers} papers)")
    for key in ("dom_ready_ms", "all_loaded_ms", "search_ms", "sort_ms", "frame_p50_ms", "frame_p95_ms"):
        print(f"  {key:>14}: {result[key]:8.1f}")
    print("note: Chromium and the server share this machine's cores; numbers are noisy.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
