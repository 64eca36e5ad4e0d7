"""The rankers bench/foryou_eval.py compares, each a function from a case (a profile of paper
indices and a pool of candidates) to one score per pool paper. None of them sees author names."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import tantivy
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from coolpapers.app.ranking.foryou import category_affinity, rank
from coolpapers.app.ranking.text_model import TOKEN, TextModel


@dataclass(frozen=True)
class Case:
    profile: list[int]  # paper indices, oldest first
    target: int
    pool: list[int]


Scorer = Callable[[Case], np.ndarray]


def for_you(vectors: sp.csr_matrix, categories: Sequence[frozenset[str]]) -> Scorer:
    def score(c: Case) -> np.ndarray:
        affinity = category_affinity([categories[i] for i in c.pool], [categories[i] for i in c.profile])
        return rank(vectors[c.pool], vectors[c.profile], affinity).scores

    return score


def text_only(vectors: sp.csr_matrix) -> Scorer:
    """For you without its category term: what the words alone do."""
    return lambda c: rank(vectors[c.pool], vectors[c.profile]).scores


def arxiv_sanity(texts: list[str], seed: int = 0) -> Scorer:
    """arxiv-sanity-lite's serve.py: an SVM on its compute.py tf-idf (max_df 0.1 and min_df 5 over
    its whole corpus), the profile against a random sample of other papers."""
    x = TfidfVectorizer(strip_accents="unicode", lowercase=True, stop_words="english", token_pattern=TOKEN,
                        ngram_range=(1, 2), max_features=20000, norm="l2", use_idf=True, smooth_idf=True,
                        sublinear_tf=True, max_df=0.1, min_df=5).fit_transform(texts)  # fmt: skip
    rng = random.Random(seed)

    def score(c: Case) -> np.ndarray:
        liked = set(c.profile)
        negatives: set[int] = set()
        while len(negatives) < min(1000, len(texts) - len(liked)):
            k = rng.randrange(len(texts))
            if k not in liked:
                negatives.add(k)
        rows = c.profile + sorted(negatives)
        y = [1] * len(c.profile) + [0] * len(negatives)
        svm = LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=0.01, random_state=seed)
        svm.fit(x[rows], y)
        return np.asarray(svm.decision_function(x[c.pool]))

    return score


def keywords(texts: list[str], model: TextModel, vectors: sp.csr_matrix, top: int = 10) -> Scorer:
    """The keyword ❤ sort (BM25 through tantivy) with the profile's `top` strongest tf-idf terms,
    word pairs as phrases."""
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
        searcher = index.searcher()
        scores = np.zeros(len(c.pool))
        for bm25, address in searcher.search(query, len(c.pool)).hits:
            scores[searcher.doc(address)["i"][0]] = bm25
        return scores

    return score


def arxiv_order(c: Case) -> np.ndarray:
    return -np.arange(len(c.pool), dtype=np.float64)


def random_order(seed: int = 1) -> Scorer:
    rng = random.Random(seed)
    return lambda c: np.array([rng.random() for _ in c.pool])
