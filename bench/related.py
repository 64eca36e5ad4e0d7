"""Related papers: latency and quality, on a benchmark index built by bench.search.

    .venv/bin/python -m bench.related --size 200000 --db sqlite
    .venv/bin/python -m bench.related --real      # the ~1,700 real papers of the sample days

On the generated corpora the siblings of a paper (variants of the same real paper) make any
label too easy; the real sample days are the honest measure of quality, where two labels are
reported for the search index's own order (more-like-this, BM25) and for [REL] as served (that
pool reordered by For you's machinery, web/related.py): the share of the top 5 in the source's
primary category (weak, and For you's category term leans on it), and, for papers whose author
wrote another paper of the sample, the rank of that other paper (MRR, recall@5), which neither
order sees. Latency p50/p95 is the index's look-up; with --real also [REL] as served.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import statistics
import time
from collections.abc import Callable

from bench.corpus import OUT_DIR, corpus_path, sample_papers
from coolpapers.app.arxiv.daily_jsonl import parse_record
from coolpapers.app.ranking.refit import refit
from coolpapers.app.search.engine import Related, SearchIndex
from coolpapers.app.search.writer import IndexUpdater
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.migrate import upgrade
from coolpapers.app.store.papers import store_papers
from coolpapers.app.web.foryou import ForYou
from coolpapers.app.web.related import related_papers

Lookup = Callable[[str, int], "list[Related] | None"]


def real_sample() -> tuple[SearchIndex, list[str], str]:
    """The sample days' real papers in their own database (with For you's text model fitted)
    and index; 200 of them to ask about; the database's URL."""
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
    refit(url, 100_000)
    ids = random.Random(3).sample([p["id"] for p in papers], 200)
    return SearchIndex(OUT_DIR / "index-sample"), ids, url


def served(index: SearchIndex, url: str) -> Lookup:
    """[REL] as the web app answers it, with its own ForYou and a session per look-up."""
    foryou, factory = ForYou(), make_session_factory(make_engine(url))

    def lookup(arxiv_id: str, size: int) -> list[Related] | None:
        with session_scope(factory) as session:
            return related_papers(session, index, foryou, arxiv_id, size)

    return lookup


def same_author(lookup: Lookup, size: int = 50) -> tuple[float, float, int]:
    """(MRR, recall@5) of a paper's first same-author paper in its related list, over the sample
    papers whose author wrote another."""
    papers = sample_papers()
    by_author = collections.defaultdict(set)
    for p in papers:
        for a in p["authors"]:
            by_author[a].add(p["id"])
    sources = [p for p in papers if any(len(by_author[a]) > 1 for a in p["authors"])]
    ranks = []
    for p in random.Random(5).sample(sources, min(400, len(sources))):
        siblings = set().union(*(by_author[a] for a in p["authors"])) - {p["id"]}
        found = [r.arxiv_id for r in lookup(p["id"], size) or []]
        ranks.append(next((n + 1 for n, i in enumerate(found) if i in siblings), 0))
    mrr = statistics.fmean(1 / r if r else 0 for r in ranks)
    return mrr, statistics.fmean(0 < r <= 5 for r in ranks), len(ranks)


def measure(name: str, index: SearchIndex, lookup: Lookup, ids: list[str]) -> None:
    timings, fits, total = [], 0, 0
    for arxiv_id in ids:
        source = index.search(arxiv_id, size=1).hits[0]
        started = time.perf_counter()
        related = lookup(arxiv_id, 5) or []
        timings.append((time.perf_counter() - started) * 1000)
        for r in related:
            other = index.search(r.arxiv_id, size=1).hits[0]
            fits += other.categories[0] == source.categories[0]
            total += 1
    ordered = sorted(timings)
    p95 = ordered[round(0.95 * (len(ordered) - 1))]
    print(f"{name}: top-5 sharing the primary category {fits / max(total, 1):.1%} of {total}; "
          f"latency p50 {statistics.median(ordered):.2f} ms  p95 {p95:.2f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--real", action="store_true", help="index and use the real sample days")
    opts = parser.parse_args()
    if opts.real:
        index, ids, url = real_sample()
        lookups: dict[str, Lookup] = {
            "index order (BM25)": index.related,
            "[REL] as served": served(index, url),
        }
        for name, lookup in lookups.items():
            measure(name, index, lookup, ids)
            mrr, recall, n = same_author(lookup)
            print(f"  the author's other paper, over {n} papers: MRR {mrr:.3f}  recall@5 {recall:.3f}")
        return
    index = SearchIndex(OUT_DIR / f"index-{opts.size}-{opts.db}")
    wanted = set(random.Random(3).sample(range(opts.size), 200))
    with corpus_path(opts.size).open(encoding="utf-8") as lines:
        ids = [json.loads(line)["id"] for n, line in enumerate(lines) if n in wanted]
    measure("index order (BM25)", index, index.related, ids)


if __name__ == "__main__":
    main()
