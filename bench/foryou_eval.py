"""Offline evaluation of For you: *author continuation*. For each day D and each author with at
least 3 papers before D and one on D, the author's earlier papers (the latest 20) are the profile
and the target is their day-D paper, ranked among all of day D's new papers that share a category
with the profile. Reported: MRR and recall@20 per method, over all profiles and by profile size
(each profile of at least k papers cut to its latest k, for k = 3, 5, 10, 20).

    python -m bench.foryou_eval [--generated N] [--snapshot FILE --last-days N]

Methods (bench/foryou_methods.py), none of which sees author names, since the target shares its
author with the profile by construction: For you (coolpapers/app/ranking, its text model fitted on
all papers), For you on words alone, arxiv-sanity-lite's tf-idf SVM, the keyword ❤ sort with the
profile's top terms, arXiv order, random.

History: the bundled sample days (six real days, about 1,700 papers) or a Kaggle arXiv metadata
snapshot (`--snapshot`, each paper dated by its v1). The six days give profiles of 3 to 9 papers
only, so a second run adds a generated import: `--generated N` papers of bench/corpus.py (variants
of the sample papers: a third of the title and a tenth of the abstract words swapped, a sentence
borrowed) dated before the sample days, each keeping its source paper's authors and categories, as
the older literature those authors wrote. A target's own variants never enter its profile; the
pools stay the real days' papers. Variants are closer to their sources than an author's real
earlier papers are to each other, so that run's absolute numbers are optimistic: it shows how the
methods compare, and move, as profiles grow."""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import random
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import foryou_methods as m
from bench.corpus import SAMPLE_DIRS, generate, sample_papers
from coolpapers.app.ranking.text_model import TextModel, paper_text

SIZES = (3, 5, 10, 20)
GENERATED = 5 * 1732  # five variants of each sample paper


@dataclass(frozen=True)
class Paper:
    id: str
    day: str
    text: str
    authors: tuple[str, ...]
    categories: frozenset[str]
    source: str  # the real paper this one varies (its own id for a real paper)


def _daily() -> Iterator[Paper]:
    for directory in SAMPLE_DIRS:
        for file in sorted(directory.glob("*.jsonl")):
            for line in file.read_text("utf-8").splitlines():
                if line.strip():
                    o = json.loads(line)
                    yield Paper(o["id"], file.stem, paper_text(o["title"], o["summary"]), tuple(o["authors"]),
                                frozenset(o["categories"]), o["id"])  # fmt: skip


def _snapshot(path: Path) -> Iterator[Paper]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            o = json.loads(line)
            created = dt.datetime.strptime(o["versions"][0]["created"], "%a, %d %b %Y %H:%M:%S %Z")
            authors = tuple(" ".join(p for p in (a[1], a[0]) if p) for a in o.get("authors_parsed") or [])
            yield Paper(o["id"], created.date().isoformat(), paper_text(o["title"], o["abstract"]), authors,
                        frozenset(o["categories"].split()), o["id"])  # fmt: skip


def _generated(n: int, before: str) -> Iterator[Paper]:
    """bench/corpus.py's variants with their source's authors, dated before `before`; its first
    pass (exact copies of the sample papers under new ids) is skipped."""
    bases = sample_papers()
    latest = (dt.date.fromisoformat(before) - dt.timedelta(days=1)).isoformat()
    for k, o in enumerate(generate(len(bases) + n)):
        if k >= len(bases):
            base = bases[k % len(bases)]
            day = min(o["update_date"], latest)
            yield Paper(o["id"], day, paper_text(o["title"], o["abstract"]), tuple(base["authors"]),
                        frozenset(base["categories"]), base["id"])  # fmt: skip


def cases_of(papers: list[Paper], target_days: list[str]) -> list[m.Case]:
    by_author: dict[str, list[int]] = collections.defaultdict(list)
    for i in sorted(range(len(papers)), key=lambda k: (papers[k].day, papers[k].id)):
        for author in papers[i].authors:
            by_author[author].append(i)
    found: list[m.Case] = []
    for day in target_days:
        new = [i for i, p in enumerate(papers) if p.day == day and p.source == p.id]
        for target in new:
            for author in papers[target].authors:
                earlier = [i for i in by_author[author] if papers[i].day < day]
                profile = [i for i in earlier if papers[i].source != papers[target].id][-20:]
                cats = frozenset().union(*(papers[i].categories for i in profile)) if profile else frozenset()
                pool = [i for i in new if papers[i].categories & cats]
                if len(profile) >= 3 and target in pool:
                    found.append(m.Case(profile, target, pool))
    return found


def ranks_of(cases: list[m.Case], score: m.Scorer) -> list[int]:
    """The target's rank (1 = first) in each case; ties go to the pool's own (arXiv) order."""
    out = []
    for c in cases:
        order = (-score(c).astype("float64")).argsort(kind="stable")
        out.append([c.pool[k] for k in order].index(c.target) + 1)
    return out


def _cell(ranks: list[int]) -> str:
    if not ranks:
        return f"{'-':>16}"
    return f"{statistics.fmean(1 / r for r in ranks):6.3f} / {statistics.fmean(r <= 20 for r in ranks):.3f}  "


def report(papers: list[Paper], days: list[str], title: str) -> None:
    cases = cases_of(papers, days)
    texts = [p.text for p in papers]
    model = TextModel.fit(texts)
    vectors = model.vectors(texts)
    pools = statistics.fmean(len(c.pool) for c in cases) if cases else 0
    print(f"\n{title}: {len(papers)} papers, target days {days[0]}..{days[-1]}, {len(cases)} profiles, "
          f"pools of {pools:.0f} papers on average; text model: {model.terms} terms")  # fmt: skip
    methods: dict[str, m.Scorer] = {
        "For you": m.for_you(vectors, [p.categories for p in papers]),
        "For you, words only": m.text_only(vectors),
        "arxiv-sanity-lite tf-idf SVM": m.arxiv_sanity(texts),
        "keyword ❤ (BM25, top terms)": m.keywords(texts, model, vectors),
        "arXiv order": m.arxiv_order,
        "random": m.random_order(),
    }
    by_size = {
        k: [m.Case(c.profile[-k:], c.target, c.pool) for c in cases if len(c.profile) >= k] for k in SIZES
    }
    header = "".join(f"{f'{k} papers ({len(by_size[k])})':>18}" for k in SIZES)
    print(f"  {'MRR / recall@20':<30}{'all profiles':>16}  {header}")
    overall: dict[str, list[int]] = {}
    for name, score in methods.items():
        overall[name] = ranks_of(cases, score)
        sized = "".join(f"  {_cell(ranks_of(by_size[k], score))}" for k in SIZES)
        print(f"  {name:<30}{_cell(overall[name])}{sized}")
    low, high = paired_interval(overall["For you"], overall["arxiv-sanity-lite tf-idf SVM"])
    print(f"  For you's MRR over the SVM's, 95 % paired bootstrap interval: {low:.2f}..{high:.2f}")


def paired_interval(ours: list[int], theirs: list[int], rounds: int = 2000) -> tuple[float, float]:
    """The ratio of two methods' MRR on resamples of the same profiles (how sure the lead is)."""
    if not ours:
        return float("nan"), float("nan")
    rng = random.Random(7)
    a, b = [1 / r for r in ours], [1 / r for r in theirs]
    ratios = []
    for _ in range(rounds):
        pick = [rng.randrange(len(a)) for _ in a]
        ratios.append(sum(a[k] for k in pick) / max(sum(b[k] for k in pick), 1e-9))
    ratios.sort()
    return ratios[int(0.025 * rounds)], ratios[int(0.975 * rounds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", type=Path, help="a Kaggle arXiv metadata snapshot (JSON lines)")
    parser.add_argument("--last-days", type=int, default=5, help="target days: the history's last N")
    parser.add_argument("--generated", type=int, default=GENERATED, help="papers of generated history")
    args = parser.parse_args()
    first: dict[str, Paper] = {}  # a paper listed on several days is new on the first
    for paper in _snapshot(args.snapshot) if args.snapshot else _daily():
        if paper.id not in first or paper.day < first[paper.id].day:
            first[paper.id] = paper
    real = list(first.values())
    days = sorted({p.day for p in real})[-args.last_days :]
    report(real, days, "real history")
    if args.generated and not args.snapshot:
        extra = list(_generated(args.generated, min(p.day for p in real)))
        report(real + extra, days, f"real history and {len(extra)} generated older papers")


if __name__ == "__main__":
    main()
