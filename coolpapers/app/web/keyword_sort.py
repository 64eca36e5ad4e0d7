"""The ❤ sort for listings: a keyword index of each listing kept per process (the 8 most recent),
so re-sorting a day by other keywords costs one BM25 search (app/ranking/keywords.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from cachetools import LRUCache

from coolpapers.app.ranking.keywords import KeywordIndex
from coolpapers.app.ranking.text_model import paper_text
from coolpapers.app.web.foryou import C


@dataclass
class KeywordSort:
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _indexes: LRUCache[str, KeywordIndex] = field(default_factory=lambda: LRUCache(maxsize=8))

    def order(self, listing: str, papers: list[C], keywords: list[str]) -> tuple[list[C], dict[str, float]]:
        """The papers best first (ties keep the listing's order), and each one's BM25."""
        with self._lock:
            index = self._indexes.get(listing)
        if index is None:
            index = KeywordIndex([paper_text(p.title, p.abstract) for p in papers])
            with self._lock:
                self._indexes[listing] = index
        scores = index.scores(keywords)
        ranked = sorted(range(len(papers)), key=lambda k: -scores[k])
        return [papers[k] for k in ranked], {
            p.arxiv_id: round(float(scores[k]), 4) for k, p in enumerate(papers)
        }
