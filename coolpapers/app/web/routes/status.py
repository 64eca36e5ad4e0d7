"""`/status` and its JSON twin `/api/status`: feeds, FAQ generation and the search index, for
whoever hosts the instance."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from coolpapers.app.web.deps import SearchDep, SessionDep, SettingsDep, TemplatesDep
from coolpapers.app.web.schemas.status import StatusResponse
from coolpapers.app.web.status_report import build_status

router = APIRouter()


@router.get("/status", response_class=HTMLResponse, include_in_schema=False, tags=["pages"])
def status_page(
    request: Request, session: SessionDep, settings: SettingsDep, search: SearchDep, templates: TemplatesDep
) -> HTMLResponse:
    status = build_status(session, settings, search)
    return templates.TemplateResponse(request, "status.html", {"status": status})


@router.get("/api/status", response_model=StatusResponse, tags=["status"])
def status_json(session: SessionDep, settings: SettingsDep, search: SearchDep) -> StatusResponse:
    """Feeds' fetch state, FAQ rows by status with today's token spending, and the search index."""
    return build_status(session, settings, search)
