"""The home page: every arXiv category grouped by archive, with its latest day's count."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from coolpapers.app.arxiv.categories import grouped_categories
from coolpapers.app.store.stats import latest_category_counts, paper_count
from coolpapers.app.web.deps import SessionDep, TemplatesDep

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, session: SessionDep, templates: TemplatesDep) -> HTMLResponse:
    day, counts = latest_category_counts(session)
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "groups": grouped_categories(),
            "counts": counts,
            "day": day,
            "empty": paper_count(session) == 0,
        },
    )


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> RedirectResponse:
    # Pages name their icon; feed readers and bookmarks still ask this fixed path.
    return RedirectResponse("/static/favicon.svg", status_code=301)
