"""`/status`: every followed feed's fetch state and last error, for whoever hosts the instance."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.deps import SessionDep, TemplatesDep
from app.storage.listings import all_listings

router = APIRouter(tags=["pages"])


@router.get("/status", response_class=HTMLResponse, include_in_schema=False)
def status_page(request: Request, session: SessionDep, templates: TemplatesDep) -> HTMLResponse:
    return templates.TemplateResponse(request, "status.html", {"listings": all_listings(session)})
