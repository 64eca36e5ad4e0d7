"""Keeping For you's text model current: fit it on the most recently stored papers and store it
as a row, when there is none of this VERSION, when it is older than the refit interval, or when
the stored papers have grown by a fifth since (and it was fitted on fewer than it may be).

`refit_in_child` runs the fit in a separate process: tokenising a hundred thousand abstracts holds
the GIL for tens of seconds, which would stall the worker's event loop (FAQ streams, heartbeats)."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from coolpapers.app.ranking.text_model import VERSION, TextModel, paper_text
from coolpapers.app.store import text_models
from coolpapers.app.store.db import (
    TRANSIENT,
    error_line,
    make_engine,
    make_session_factory,
    patiently,
    session_scope,
)
from coolpapers.app.store.models import utcnow

GROWTH = 1.2
SAVE_PATIENCE_S = 60.0  # a long import may hold SQLite's write lock: the fit is not thrown away for it


class RefitFailed(Exception):
    """A fit that failed, as plain text: it crosses back from the child process, and a driver's
    own exception may hold what cannot be pickled (a model's bytes among its parameters)."""

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient

    def __reduce__(self) -> tuple[type[RefitFailed], tuple[str, bool]]:
        return (RefitFailed, (str(self), self.transient))


@dataclass(frozen=True)
class Refit:
    model_id: int | None  # None: nothing to fit on yet
    papers: int
    terms: int


def needs_refit(database_url: str, limit: int, max_age: dt.timedelta) -> bool:
    engine = make_engine(database_url, pool_size=1)
    try:
        with session_scope(make_session_factory(engine)) as session:
            newest = text_models.newest_model_id(session, VERSION)
            stored = text_models.paper_count(session)
            if stored == 0:
                return False
            if newest is None:
                return True
            row = text_models.model_by_id(session, newest[0])
            assert row is not None
            grown = stored >= GROWTH * row.papers and row.papers < limit
            return grown or utcnow() - newest[1] > max_age
    finally:
        engine.dispose()


def refit(database_url: str, limit: int) -> Refit:
    """Fit on the `limit` most recently stored papers and store the model; RefitFailed if not."""
    engine = make_engine(database_url, pool_size=1)
    try:
        factory = make_session_factory(engine)
        with session_scope(factory) as session:
            texts = [paper_text(t, a) for t, a in text_models.recent_texts(session, limit)]
        if not texts:
            return Refit(None, 0, 0)
        model = TextModel.fit(texts)
        vocabulary, weights = model.to_data()

        def save() -> int:
            with session_scope(factory) as session:
                return text_models.save_model(session, VERSION, len(texts), vocabulary, weights)

        return Refit(patiently(save, SAVE_PATIENCE_S), len(texts), model.terms)
    except TRANSIENT as exc:
        raise RefitFailed(error_line(exc), transient=True) from None
    except Exception as exc:  # anything else, said in words that survive the trip back
        raise RefitFailed(f"{type(exc).__name__}: {error_line(exc)}", transient=False) from None
    finally:
        engine.dispose()


async def refit_in_child(database_url: str, limit: int) -> Refit:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, refit, database_url, limit)
