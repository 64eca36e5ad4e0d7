"""One error shape: JSON `{error: {code, message}}` under /api, a friendly HTML page elsewhere."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from coolpapers.app.faq.request import FaqRefused, Refusal
from coolpapers.app.store.db import TRANSIENT, error_line

log = logging.getLogger(__name__)

# Domain refusals as HTTP: the FAQ code knows why it refuses, not how the web says it.
REFUSAL_STATUS: dict[Refusal, int] = {"invalid": 400, "not_found": 404, "over_limit": 429, "unavailable": 503}

CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 414: "uri_too_long",
         422: "invalid_parameters", 429: "too_many_requests", 500: "internal_error",
         503: "unavailable"}  # fmt: skip


UNAVAILABLE = "The site's database is unavailable for a moment; try again shortly."


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    if wants_json(request):
        body = {"error": {"code": CODES.get(status, f"http_{status}"), "message": message}}
        return JSONResponse(body, status_code=status, headers=headers)
    templates = request.app.state.core.templates
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status, headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        return error_response(request, exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(FaqRefused)
    async def faq_refused(request: Request, exc: FaqRefused) -> Response:
        status = REFUSAL_STATUS[exc.reason]
        headers = {"Retry-After": "30"} if exc.reason == "unavailable" else None
        return error_response(request, status, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_params(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body"))
            parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return error_response(request, 422, "; ".join(parts) or "invalid parameters")

    async def unreachable(request: Request, exc: Exception) -> Response:
        # The database or Redis restarting: a moment's 503 that the reader can retry, not a 500.
        # Where the server lives and why it failed go to the log, in one line.
        log.warning("%s: storage unavailable: %s", request.url.path, error_line(exc))
        return error_response(request, 503, UNAVAILABLE, {"Retry-After": "5"})

    for kind in TRANSIENT:
        app.add_exception_handler(kind, unreachable)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return error_response(request, 500, "Something went wrong on our side; it has been logged.")
