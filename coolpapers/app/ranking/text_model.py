"""The text model For you ranks with: tf-idf of title + abstract (words and word pairs, sublinear
term frequency, English stop words, terms in more than a tenth of the papers left out), as
arxiv-sanity-lite builds it, fitted on the stored papers so that a word's weight says how rare it is
in the literature rather than in one day. scikit-learn's vectorizer does the tokenising, counting
and weighting; this module only fixes its settings and turns the fitted vocabulary into plain data
(JSON and a NumPy array, never a pickle: web processes load what the worker stored)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

VERSION = "tfidf-1"  # the settings below; a change makes the worker fit and store a new model
MAX_TERMS = 50_000
TOKEN = r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b"  # words of two or more characters, not starting with a digit


def paper_text(title: str, abstract: str) -> str:
    return f"{title}. {abstract}"


def _vectorizer(min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        strip_accents="unicode", lowercase=True, stop_words="english", token_pattern=TOKEN,
        ngram_range=(1, 2), max_features=MAX_TERMS, sublinear_tf=True, max_df=0.1, min_df=min_df,
        dtype=np.float32,
    )  # fmt: skip


@dataclass(frozen=True)
class TextModel:
    vectorizer: TfidfVectorizer
    papers: int  # how many papers it was fitted on

    @classmethod
    def fit(cls, texts: list[str]) -> TextModel:
        """Fit on a corpus; a term must appear in 5 papers (2 in a small corpus, any number in a
        handful) to count. ValueError when the texts hold no word at all."""
        n = len(texts)
        vectorizer = _vectorizer(min_df=5) if n >= 1000 else _vectorizer(min_df=2) if n >= 50 else None
        if vectorizer is None:  # too few papers for document frequencies to mean anything
            vectorizer = _vectorizer(min_df=1)
            vectorizer.set_params(max_df=1.0)
        try:
            vectorizer.fit(texts)
        except ValueError:  # every word too rare or too common for the thresholds: keep them all
            vectorizer = _vectorizer(min_df=1)
            vectorizer.set_params(max_df=1.0)
            vectorizer.fit(texts)  # ValueError again only when there is no word at all
        return cls(vectorizer, n)

    def vectors(self, texts: list[str]) -> sp.csr_matrix:
        """One L2-normalised row per text: a dot product of two rows is their cosine similarity."""
        if not texts:
            return sp.csr_matrix((0, self.terms), dtype=np.float32)
        return sp.csr_matrix(self.vectorizer.transform(texts))

    @property
    def terms(self) -> int:
        return len(self.vectorizer.vocabulary_)

    def to_data(self) -> tuple[str, bytes]:
        """(vocabulary as JSON, term weights as a NumPy array's bytes): what a database row holds."""
        vocabulary = json.dumps({term: int(i) for term, i in self.vectorizer.vocabulary_.items()})
        out = io.BytesIO()
        np.save(out, self.vectorizer.idf_.astype(np.float64), allow_pickle=False)
        return vocabulary, out.getvalue()

    @classmethod
    def from_data(cls, vocabulary: str, weights: bytes, papers: int) -> TextModel | None:
        """The model `to_data` gave, or None when the data does not make one."""
        try:
            terms = json.loads(vocabulary)
            idf = np.load(io.BytesIO(weights), allow_pickle=False)
        except (ValueError, OSError):
            return None
        if not isinstance(terms, dict) or idf.ndim != 1 or len(idf) != len(terms):
            return None
        vectorizer = _vectorizer(min_df=1)
        vectorizer.vocabulary_ = terms
        vectorizer.idf_ = idf
        return cls(vectorizer, papers)
