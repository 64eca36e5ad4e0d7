"""The one error body every /api route answers with (see app/errors.py)."""

from __future__ import annotations

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI `responses=` entries documenting the error statuses a route can answer."""
    return {status: {"model": ErrorResponse} for status in statuses}
