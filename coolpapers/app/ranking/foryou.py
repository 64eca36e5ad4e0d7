"""For you: each candidate paper scored by its mean cosine similarity to the reader's liked papers
(the similarity to their centroid, in the text model's space), and said to be there because of the
liked paper it is closest to.

Why the mean and not a classifier: on author continuation (bench/foryou_eval.py) it ranks the
author's next paper as high as arxiv-sanity-lite's per-reader linear SVM or higher, needs no
training per request (a 2,000 x 200 similarity is one sparse product), and a paper close to
several liked papers outranks one that echoes a single one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Ranking:
    order: np.ndarray  # candidate indices, best first (ties keep the candidates' own order)
    scores: np.ndarray  # per candidate, in the candidates' order
    because: np.ndarray  # per candidate: index of the closest liked paper, or -1 when none is close


def rank(candidates: sp.csr_matrix, liked: sp.csr_matrix) -> Ranking:
    """`candidates` and `liked`: rows of TextModel.vectors. With nothing liked, every score is 0
    and the order is the candidates' own."""
    n = candidates.shape[0]
    if liked.shape[0] == 0 or n == 0:
        return Ranking(np.arange(n), np.zeros(n, dtype=np.float32), np.full(n, -1))
    similarity = (candidates @ liked.T).toarray()
    scores = similarity.mean(axis=1).astype(np.float32)
    closest = similarity.argmax(axis=1)
    because = np.where(similarity.max(axis=1) > 0, closest, -1)
    order = np.argsort(-scores, kind="stable")
    return Ranking(order, scores, because)
