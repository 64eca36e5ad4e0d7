"""Offline evaluation of For you: *author continuation*. For each day D and each author with at
least 3 papers before D and one on D, the author's earlier papers (the latest 20) are the profile
and the target is their day-D paper, ranked among all of day D's new papers that share a category
with the profile. Reported: MRR and recall@20 per method, overall and by profile size.

    python -m bench.foryou_eval [--snapshot FILE --last-days N] [--generated N]

Methods, none of which sees author names (the target shares its author with the profile by
construction): For you (coolpapers/app/ranking, its text model fitted on all papers); arxiv-sanity-lite's
method (its serve.py: tf-idf of title + abstract with its settings, a linear SVM, C=0.01, balanced
classes, trained on the profile against a random sample of 1,000 other papers); the keyword ❤ sort
(BM25, through tantivy, of the profile's 10 strongest tf-idf terms, word pairs as phrases); arXiv
order; random. History: the bundled sample days (six real days, about 1,700 papers), or a Kaggle
arXiv metadata snapshot (`--snapshot`, each paper dated by its v1), plus `--generated N` papers of
bench/corpus.py as older literature (they enter the vocabulary and the SVM's negatives, never a pool).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import random
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import tantivy
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bench.corpus import SAMPLE_DIRS, generate
from coolpapers.app.ranking.foryou import rank
from coolpapers.app.ranking.text_model import TOKEN, TextModel, paper_text

SIZES = ((3, 4), (5, 9), (10, 20))


@dataclass(frozen=True)
class Paper:
    id: str
    day: str
    text: str
    authors: tuple[str, ...]
    categories: frozenset[str]


@dataclass(frozen=True)
class Case:
    profile: list[int]  # paper indices
    target: int
    pool: list[int]


def _daily() -> Iterator[Paper]:
    for directory in SAMPLE_DIRS:
        for file in sorted(directory.glob("*.jsonl")):
            for line in file.read_text("utf-8").splitlines():
                if line.strip():
                    o = json.loads(line)
                    yield Paper(o["id"], file.stem, paper_text(o["title"], o["summary"]), tuple(o["authors"]),
                                frozenset(o["categories"]))  # fmt: skip


def _snapshot(path: Path) -> Iterator[Paper]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            o = json.loads(line)
            created = dt.datetime.strptime(o["versions"][0]["created"], "%a, %d %b %Y %H:%M:%S %Z")
            authors = tuple(" ".join(p for p in (a[1], a[0]) if p) for a in o.get("authors_parsed") or [])
            yield Paper(o["id"], created.date().isoformat(), paper_text(o["title"], o["abstract"]), authors,
                        frozenset(o["categories"].split()))  # fmt: skip


def cases_of(papers: list[Paper], target_days: list[str]) -> list[Case]:
    by_author: dict[str, list[int]] = collections.defaultdict(list)
    for i in sorted(range(len(papers)), key=lambda k: (papers[k].day, papers[k].id)):
        for author in papers[i].authors:
            by_author[author].append(i)
    found: list[Case] = []
    for day in target_days:
        new = [i for i, p in enumerate(papers) if p.day == day]
        for target in new:
            for author in papers[target].authors:
                profile = [i for i in by_author[author] if papers[i].day < day][-20:]
                cats = frozenset().union(*(papers[i].categories for i in profile)) if profile else frozenset()
                pool = [i for i in new if papers[i].categories & cats]
                if len(profile) >= 3 and target in pool:
                    found.append(Case(profile, target, pool))
    return found


Scorer = Callable[[Case], np.ndarray]


def for_you(vectors: sp.csr_matrix) -> Scorer:
    return lambda c: rank(vectors[c.pool], vectors[c.profile]).scores


def arxiv_sanity(texts: list[str], seed: int = 0) -> Scorer:
    # arxiv-sanity-lite's compute.py settings (max_df 0.1 and min_df 5 over its whole corpus)
    x = TfidfVectorizer(strip_accents="unicode", lowercase=True, stop_words="english", token_pattern=TOKEN,
                        ngram_range=(1, 2), max_features=20000, norm="l2", use_idf=True, smooth_idf=True,
                        sublinear_tf=True, max_df=0.1, min_df=5).fit_transform(texts)  # fmt: skip
    rng = random.Random(seed)

    def score(c: Case) -> np.ndarray:
        liked = set(c.profile)
        negatives = rng.sample(
            [i for i in range(len(texts)) if i not in liked], min(1000, len(texts) - len(liked))
        )
        rows = c.profile + negatives
        y = [1] * len(c.profile) + [0] * len(negatives)
        svm = LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=0.01).fit(x[rows], y)
        return np.asarray(svm.decision_function(x[c.pool]))

    return score


def keywords(texts: list[str], model: TextModel, vectors: sp.csr_matrix, top: int = 10) -> Scorer:
    terms = np.array(model.vectorizer.get_feature_names_out())
    schema = (
        tantivy.SchemaBuilder()
        .add_text_field("text", stored=False)
        .add_integer_field("i", stored=True)
        .build()
    )

    def score(c: Case) -> np.ndarray:
        weights = np.asarray(vectors[c.profile].sum(axis=0)).ravel()
        chosen = [terms[k] for k in np.argsort(-weights)[:top] if weights[k] > 0]
        index = tantivy.Index(schema)
        writer = index.writer(heap_size=15_000_000, num_threads=1)
        for k, i in enumerate(c.pool):
            writer.add_document(tantivy.Document(text=texts[i], i=k))
        writer.commit()
        index.reload()
        query = index.parse_query(" OR ".join(f'"{t}"' for t in chosen) or '""', ["text"])
        found = index.searcher().search(query, len(c.pool)).hits
        scores = np.zeros(len(c.pool))
        for bm25, address in found:
            scores[index.searcher().doc(address)["i"][0]] = bm25
        return scores

    return score


def evaluate(cases: list[Case], score: Scorer) -> list[int]:
    """The target's rank (1 = first) in each case; ties go to the pool's own (arXiv) order."""
    ranks = []
    for c in cases:
        order = np.argsort(-np.asarray(score(c), dtype=np.float64), kind="stable")
        ranks.append(int(np.nonzero(np.asarray(c.pool)[order] == c.target)[0][0]) + 1)
    return ranks


def _line(name: str, ranks: list[int]) -> str:
    if not ranks:
        return f"  {name:<28} (no profiles)"
    mrr = statistics.fmean(1 / r for r in ranks)
    recall = statistics.fmean(r <= 20 for r in ranks)
    return f"  {name:<28} MRR {mrr:.3f}   recall@20 {recall:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", type=Path, help="a Kaggle arXiv metadata snapshot (JSON lines)")
    parser.add_argument(
        "--last-days", type=int, default=5, help="target days: the last N days of the history"
    )
    parser.add_argument(
        "--generated", type=int, default=0, help="bench/corpus.py papers added as older literature"
    )
    args = parser.parse_args()
    first: dict[str, Paper] = {}  # a paper listed on several days is new on the first
    for paper in _snapshot(args.snapshot) if args.snapshot else _daily():
        if paper.id not in first or paper.day < first[paper.id].day:
            first[paper.id] = paper
    papers = list(first.values())
    days = sorted({p.day for p in papers})[-args.last_days :]
    cases = cases_of(papers, days)
    texts = [p.text for p in papers]
    real = len(texts)
    texts += (
        [paper_text(o["title"], o["abstract"]) for o in generate(args.generated)] if args.generated else []
    )
    model = TextModel.fit(texts)
    vectors = model.vectors(texts)
    pools = statistics.fmean(len(c.pool) for c in cases) if cases else 0
    print(
        f"{real} papers ({len(texts) - real} generated), target days {days[0]}..{days[-1]}: "
        f"{len(cases)} profiles, pools of {pools:.0f} papers on average; text model: {model.terms} terms"
    )
    rng = random.Random(1)
    methods: dict[str, Scorer] = {
        "For you": for_you(vectors),
        "arxiv-sanity-lite tf-idf SVM": arxiv_sanity(texts),
        "keyword ❤ (BM25, top terms)": keywords(texts, model, vectors),
        "arXiv order": lambda c: -np.arange(len(c.pool), dtype=np.float64),
        "random": lambda c: np.array([rng.random() for _ in c.pool]),
    }
    results = {name: evaluate(cases, score) for name, score in methods.items()}
    print("all profiles")
    for name, ranks in results.items():
        print(_line(name, ranks))
    for low, high in SIZES:
        chosen = [k for k, c in enumerate(cases) if low <= len(c.profile) <= high]
        print(f"profile of {low}-{high} papers: {len(chosen)} profiles")
        for name, ranks in results.items():
            print(_line(name, [ranks[k] for k in chosen]))


if __name__ == "__main__":
    main()
