"""For you's cost: one day of 2,000 papers ranked for a 200-paper profile, through a real server
(`POST /api/arxiv/{cats}?size=50`), cold and warm, with the worker's stored text model and with the
fallback model of the day itself; and how fast the worker fits the model (papers per second).

    python -m bench.foryou_rank [--papers 2000] [--liked 200] [--fit 50000]

The papers are bench/corpus.py's variants of real abstracts (real word frequencies), stored in a
fresh SQLite database as one announcement day. Target (issue "For you"): p95 < 100 ms warm.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.corpus import generate
from coolpapers.app.arxiv.announce import derive_announcements
from coolpapers.app.arxiv.catexpr import parse_category_expr
from coolpapers.app.arxiv.records import ListedPaper, PaperRecord
from coolpapers.app.ranking.refit import refit
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.migrate import upgrade
from coolpapers.app.store.papers import store_announcements, store_papers
from coolpapers.app.web.foryou import parse_liked
from coolpapers.app.web.listing import ListingKey
from coolpapers.app.web.state import AppState
from tests.conftest import make_settings
from tests.live import serve

DAY = dt.date(2026, 6, 10)
CATS = ("cs.AI", "cs.CL", "cs.CV", "cs.LG")


def _records(n: int, offset: int) -> list[PaperRecord]:
    out = []
    for k, o in enumerate(generate(n + offset)):
        if k < offset:
            continue
        record = PaperRecord(
            arxiv_id=f"2606.{30000 + k:05d}", title=o["title"], abstract=o["abstract"].strip(),
            authors=("A. Author",), categories=(CATS[k % 4],),
        )  # fmt: skip
        out.append(record)
    return out


def _store(url: str, papers: int, liked: int) -> list[str]:
    upgrade(url)
    engine = make_engine(url)
    day = [ListedPaper(r) for r in _records(papers, 0)]
    profile = _records(liked, papers)
    with session_scope(make_session_factory(engine)) as session:
        ids, _ = store_papers(session, [i.paper for i in day])
        store_announcements(session, derive_announcements(DAY, day), ids)
        store_papers(session, profile)
    engine.dispose()
    return [r.arxiv_id for r in profile]


def _timings(base: str, liked: list[str], runs: int) -> tuple[float, list[float]]:
    url = f"{base}/api/arxiv/{','.join(CATS)}"
    params: dict[str, str | int] = {"date": DAY.isoformat(), "size": 50}
    with httpx.Client(timeout=120) as client:
        started = time.perf_counter()
        first = client.post(url, params=params, json={"liked": liked})
        cold = time.perf_counter() - started
        assert first.status_code == 200 and first.json()["liked"]["used"] == len(liked), first.text[:300]
        warm = []
        for k in range(runs):
            profile = liked[k % 7 :] + liked[: k % 7]  # the same papers in another order: no cached answer
            started = time.perf_counter()
            assert client.post(url, params=params, json={"liked": profile}).status_code == 200
            warm.append(time.perf_counter() - started)
    return cold, sorted(warm)


def _in_process(url: str, liked: list[str], runs: int) -> tuple[float, list[float]]:
    """ForYou.rank_listing alone, as the route calls it: the ranking's own share of a request."""
    state = AppState.build(make_settings(database_url=url))
    key = ListingKey(parse_category_expr(",".join(CATS)), DAY, False)
    times = []
    try:
        for k in range(runs + 1):
            with state.session_factory() as session:
                papers = state.listings.papers(session, key)
                version = state.listings.version(session, key)
                wanted = parse_liked(liked[k % 7 :] + liked[: k % 7])
                started = time.perf_counter()
                state.foryou.rank_listing(session, version, papers, wanted, [])
                times.append(time.perf_counter() - started)
    finally:
        state.engine.dispose()
    return times[0], sorted(times[1:])


def _report(label: str, cold: float, warm: list[float]) -> None:
    p95 = warm[int(len(warm) * 0.95) - 1]
    print(f"  {label:<34} cold {cold * 1000:7.1f} ms   warm p50 {statistics.median(warm) * 1000:6.1f} ms"
          f"   p95 {p95 * 1000:6.1f} ms   (target p95 < 100 ms)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--liked", type=int, default=200)
    parser.add_argument("--fit", type=int, default=50_000, help="papers to time the model fit on")
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'foryou.db'}"
        liked = _store(url, args.papers, args.liked)
        print(
            f"a day of {args.papers} papers, a profile of {args.liked}, POST …?size=50, {args.runs} warm runs"
        )
        with serve(make_settings(database_url=url), freeze_gc=True) as base:
            _report("day model (no stored model yet)", *_timings(base, liked, args.runs))
        fitted = refit(url, 100_000)
        with serve(make_settings(database_url=url), freeze_gc=True) as base:
            _report(f"stored model ({fitted.papers} papers)", *_timings(base, liked, args.runs))
        _report("the ranking alone, in the process", *_in_process(url, liked, args.runs))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'fit.db'}"
        upgrade(url)
        engine = make_engine(url)
        with session_scope(make_session_factory(engine)) as session:
            store_papers(session, _records(args.fit, 0))
        engine.dispose()
        started = time.perf_counter()
        fitted = refit(url, args.fit)
        took = time.perf_counter() - started
        rate = fitted.papers / took
        print(
            f"  model fit: {fitted.papers} papers in {took:.1f} s = {rate:,.0f} papers/s"
            f" ({fitted.terms} terms); the default fit (the 100,000 most recent papers)"
            f" ≈ {100_000 / rate:.0f} s, whatever the history's size"
        )


if __name__ == "__main__":
    main()
