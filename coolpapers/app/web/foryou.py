"""For you for listings: the reader's liked ids (any spelling) read and counted, the text model the
worker stored (looked for once a minute, loaded when a newer one appears), and each listing's
vectors kept per process, so a warm ranking is one sparse product (app/ranking/foryou.py).

Without a stored model yet (a new instance, or COOLPAPERS_RANKING_MODEL_PAPERS=0) a listing is
ranked with a model fitted on that day's papers: For you works from the first day, a little less
well (bench/foryou_eval.py measures both)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import scipy.sparse as sp
from cachetools import LRUCache
from fastapi import HTTPException
from sqlalchemy.orm import Session

from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id
from coolpapers.app.ranking.foryou import category_affinity, rank
from coolpapers.app.ranking.text_model import VERSION, TextModel, paper_text
from coolpapers.app.store import text_models
from coolpapers.app.web.schemas.listing import LikedOut

MAX_LIKED = 200
MODEL_CHECK_S = 60.0


@dataclass(frozen=True)
class Liked:
    ids: list[str]  # canonical, in the reader's order, each once
    malformed: int = 0
    duplicate: int = 0


def split_liked(raw: list[str]) -> list[str]:
    """Repeated and comma-separated values alike; blanks are skipped."""
    return [v.strip() for item in raw for v in item.split(",") if v.strip()]


def checked_liked(raw: list[str]) -> list[str]:
    """split_liked, or a 400 that names the limit when there are more than MAX_LIKED values."""
    values = split_liked(raw)
    if len(values) > MAX_LIKED:
        raise HTTPException(
            400, f"at most {MAX_LIKED} liked ids (got {len(values)}); send the {MAX_LIKED} that matter most"
        )
    return values


def parse_liked(values: list[str]) -> Liked:
    """Every id spelling arXiv uses (`arXiv:2406.01234v2`, `2406.01234`, old-style
    `hep-th/9901001`); anything else is counted as malformed."""
    ids: list[str] = []
    malformed = duplicate = 0
    for value in values:
        try:
            canonical = parse_arxiv_id(value[:64]).base
        except InvalidArxivId:
            malformed += 1
            continue
        if canonical in ids:
            duplicate += 1
        else:
            ids.append(canonical)
    return Liked(ids, malformed, duplicate)


class Candidate(Protocol):
    @property
    def arxiv_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def abstract(self) -> str: ...
    @property
    def categories(self) -> list[str]: ...


C = TypeVar("C", bound=Candidate)


@dataclass(frozen=True)
class Ranked(Generic[C]):
    papers: list[C]  # best first
    scores: dict[str, float]
    because: dict[str, str | None]
    used: int  # liked papers found here
    unknown: int  # well-formed liked ids that are not stored


def liked_out(ranked: Ranked[Any], liked: Liked) -> LikedOut:
    """What an answer says of the liked ids: used, and ignored by kind."""
    return LikedOut(
        used=ranked.used, unknown=ranked.unknown, malformed=liked.malformed, duplicate=liked.duplicate
    )


@dataclass
class ForYou:
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _checked_at: float = -MODEL_CHECK_S
    _model_id: int | None = None
    _model: TextModel | None = None
    _matrices: LRUCache[tuple[int | None, str], tuple[TextModel, sp.csr_matrix]] = field(
        default_factory=lambda: LRUCache(maxsize=16)
    )
    # Liked papers' rows by (model, arXiv id): a reader's profile changes by a paper at a time.
    _liked: LRUCache[tuple[int, str], tuple[sp.csr_matrix, tuple[str, ...]]] = field(
        default_factory=lambda: LRUCache(maxsize=20_000)
    )

    def model(self, session: Session) -> tuple[int | None, TextModel | None]:
        now = time.monotonic()
        with self._lock:
            if now - self._checked_at < MODEL_CHECK_S:
                return self._model_id, self._model
            self._checked_at = now
        newest = text_models.newest_model_id(session, VERSION)
        if newest is not None and newest[0] != self._model_id:
            row = text_models.model_by_id(session, newest[0])
            loaded = TextModel.from_data(row.vocabulary, row.weights, row.papers) if row else None
            if loaded is not None:
                with self._lock:
                    self._model_id, self._model = newest[0], loaded
        return self._model_id, self._model

    def _candidates(
        self, session: Session, listing: str | None, papers: list[C]
    ) -> tuple[TextModel, sp.csr_matrix]:
        model_id, model = self.model(session)
        key = (model_id, listing or "")
        with self._lock:
            hit = self._matrices.get(key) if listing is not None else None
        if hit is not None:
            return hit
        texts = [paper_text(p.title, p.abstract) for p in papers]
        used = model if model is not None else TextModel.fit(texts)
        built = (used, used.vectors(texts))
        if listing is not None:
            with self._lock:
                self._matrices[key] = built
        return built

    def _liked_rows(
        self, session: Session, model: TextModel, ids: list[str]
    ) -> tuple[list[str], list[sp.csr_matrix], list[tuple[str, ...]]]:
        """The liked papers stored here, in order, their rows and their categories (cached under a
        stored model; a day's own model is not, since each day's differs)."""
        model_id = self._model_id if model is self._model else None
        with self._lock:
            known = {
                i: r
                for i in ids
                if model_id is not None and (r := self._liked.get((model_id, i))) is not None
            }
        missing = [i for i in ids if i not in known]
        found = text_models.liked_papers(session, missing)
        fresh = [i for i in missing if i in found]
        if fresh:
            matrix = model.vectors([paper_text(found[i].title, found[i].abstract) for i in fresh])
            known.update({i: (matrix[k], found[i].categories) for k, i in enumerate(fresh)})
            if model_id is not None:
                with self._lock:
                    self._liked.update({(model_id, i): known[i] for i in fresh})
        profile = [i for i in ids if i in known]
        return profile, [known[i][0] for i in profile], [known[i][1] for i in profile]

    def rank_listing(
        self, session: Session, listing: str | None, papers: list[C], liked: Liked, keywords: list[str],
        texts: list[str] | None = None,
    ) -> Ranked[C]:  # fmt: skip
        """`listing`: a key naming this exact list of papers (the listing cache's, with its data
        stamp), under which its vectors are kept; None for a list not worth keeping (search results)."""
        try:
            model, candidates = self._candidates(session, listing, papers)
        except ValueError:  # the papers hold no words to compare (a day model needs some)
            return Ranked(papers, {}, {}, used=0, unknown=0)
        profile, rows, liked_categories = self._liked_rows(session, model, liked.ids)
        extra = [*(texts or []), *([" ".join(keywords)] if keywords else [])]
        if extra:  # papers known by their text, and the reader's own words, count as liked texts
            rows.extend(model.vectors(extra)[k] for k in range(len(extra)))
        affinity = category_affinity([p.categories for p in papers], liked_categories)
        ranking = rank(candidates, sp.vstack(rows, format="csr") if rows else model.vectors([]), affinity)
        names: list[str | None] = [*profile, *([None] * len(extra)), None]
        ordered = [papers[k] for k in ranking.order]
        scores = {p.arxiv_id: round(float(ranking.scores[k]), 6) for k, p in enumerate(papers)}
        because = {
            p.arxiv_id: names[b] if b >= 0 else None for p, b in zip(papers, ranking.because, strict=True)
        }
        return Ranked(ordered, scores, because, used=len(profile), unknown=len(liked.ids) - len(profile))
