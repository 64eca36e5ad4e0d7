"""Liveness and readiness probes for compose, load balancers and humans."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.exceptions import RedisError

from coolpapers.app.store.db import DatabaseUnavailable, check_database
from coolpapers.app.web.deps import StateDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up and answering (on the event loop itself: no thread is needed)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(state: StateDep) -> JSONResponse:
    """The database answers, and Redis too when one is configured; 503 names what failed (where
    it lives and why goes to the log, not to the public)."""
    checks: dict[str, str] = {}
    try:
        check_database(state.engine)
        checks["database"] = "ok"
    except DatabaseUnavailable as exc:
        log.warning("readiness: %s", exc)
        checks["database"] = "cannot connect to database"
    if state.redis is not None:
        try:
            state.redis.ping()
            checks["redis"] = "ok"
        except RedisError as exc:
            log.warning("readiness: cannot reach redis: %s", exc)
            checks["redis"] = "cannot reach redis"
    ok = all(v == "ok" for v in checks.values())
    body = Readiness(status="ok" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
