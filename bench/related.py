"""Related papers: latency and a weak quality label, on a benchmark index built by bench.search.

    .venv/bin/python -m bench.related --size 200000 --db sqlite
    .venv/bin/python -m bench.related --real      # the ~3,000 real papers of the sample days

On the generated corpora the siblings of a paper (variants of the same real paper) make the
label too easy; the real sample days are the honest measure of quality.

Label (weak but usable): a related paper "fits" when it shares the source paper's primary
category. Prints the share of fitting papers among the top 5 and the latency p50/p95.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from bench.corpus import OUT_DIR, corpus_path, sample_papers
from coolpapers.app.arxiv.daily_jsonl import parse_record
from coolpapers.app.search.engine import SearchIndex
from coolpapers.app.search.writer import IndexUpdater
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.migrate import upgrade
from coolpapers.app.store.papers import store_papers


def real_sample() -> tuple[SearchIndex, list[str]]:
    """The sample days' real papers in their own database and index; 200 of them to ask about."""
    papers = sample_papers()
    url = f"sqlite:///{OUT_DIR / 'sample.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        store_papers(session, [r for r in (parse_record(p) for p in papers) if r is not None])
    updater = IndexUpdater(OUT_DIR / "index-sample", factory)
    updater.rebuild()
    updater.close()
    engine.dispose()
    ids = random.Random(3).sample([p["id"] for p in papers], 200)
    return SearchIndex(OUT_DIR / "index-sample"), ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--real", action="store_true", help="index and use the real sample days")
    opts = parser.parse_args()
    if opts.real:
        index, ids = real_sample()
    else:
        index = SearchIndex(OUT_DIR / f"index-{opts.size}-{opts.db}")
        wanted = set(random.Random(3).sample(range(opts.size), 200))
        with corpus_path(opts.size).open(encoding="utf-8") as lines:
            ids = [json.loads(line)["id"] for n, line in enumerate(lines) if n in wanted]
    timings, fits, total = [], 0, 0
    for arxiv_id in ids:
        source = index.search(arxiv_id, size=1).hits[0]
        started = time.perf_counter()
        related = index.related(arxiv_id, 5) or []
        timings.append((time.perf_counter() - started) * 1000)
        for r in related:
            other = index.search(r.arxiv_id, size=1).hits[0]
            fits += other.categories[0] == source.categories[0]
            total += 1
    ordered = sorted(timings)
    print(f"related top-5 sharing the primary category: {fits / max(total, 1):.1%} of {total}")
    p95 = ordered[round(0.95 * (len(ordered) - 1))]
    print(f"latency p50 {statistics.median(ordered):.2f} ms  p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
