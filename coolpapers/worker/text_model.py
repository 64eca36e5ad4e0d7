"""The text-model duty: keeps For you's model current (app/ranking/refit.py), looking once a
minute whether a refit is due; the fit itself runs in a child process."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from concurrent.futures.process import BrokenProcessPool

from coolpapers.app.ranking.refit import RefitFailed, needs_refit, refit_in_child
from coolpapers.app.store.db import error_line
from coolpapers.worker.context import WorkerContext, first_of
from coolpapers.worker.retry import TRANSIENT, Backoff

log = logging.getLogger("coolpapers.ranking")
CHECK_S = 60.0


async def text_model_keeper(ctx: WorkerContext, stop: asyncio.Event) -> None:
    s = ctx.settings
    if s.ranking_model_papers == 0:
        log.info("For you's text model is off (COOLPAPERS_RANKING_MODEL_PAPERS=0): days rank by themselves")
        await stop.wait()  # a duty that returned would count as failed and restart the worker
        return
    max_age = dt.timedelta(hours=s.ranking_refit_hours)
    backoff = Backoff()
    while not stop.is_set():
        wait = CHECK_S
        try:
            if await asyncio.to_thread(needs_refit, s.database_url, s.ranking_model_papers, max_age):
                done = await refit_in_child(s.database_url, s.ranking_model_papers)
                log.info("For you's text model fitted on %d papers (%d terms)", done.papers, done.terms)
            backoff.succeeded()
        except TRANSIENT as exc:
            wait = max(wait, backoff.failed())
            log.warning(
                "text model: cannot reach the database (%s); trying again in %.0f s", error_line(exc), wait
            )
        except (RefitFailed, BrokenProcessPool) as exc:
            # A fit is a convenience (days rank by themselves meanwhile): it never stops the worker.
            wait = max(wait, backoff.failed())
            log.warning("text model: the fit failed (%s); trying again in %.0f s", exc or "child died", wait)
        await first_of(stop.wait(), timeout=wait)
