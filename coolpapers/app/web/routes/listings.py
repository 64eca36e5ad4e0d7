"""Day listings, papers.cool's URLs: `/arxiv/{cats}` (HTML) and `/api/arxiv/{cats}` (JSON twin).

`/arxiv/{spec}` is one catch-all because categories and paper ids share the path: ids go to
app.routes.paper_pages. Routers that own other `/arxiv/...` paths (search, feeds) must be
included before this one; `search` is reserved here as a second guard.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response

from coolpapers.app.arxiv.catexpr import (
    BadCategoryExpression,
    CategoryExpr,
    UnknownCategory,
    parse_category_expr,
)
from coolpapers.app.store.day_listings import neighbour_days
from coolpapers.app.web.deps import ListingsDep, SessionDep, SettingsDep, TemplatesDep
from coolpapers.app.web.errors import error_response
from coolpapers.app.web.listing import ListingKey, ListingService
from coolpapers.app.web.routes.paper_pages import looks_like_ids, paper_page
from coolpapers.app.web.schemas.listing import (
    ListedPaperOut,
)

router = APIRouter(tags=["listings"])

MAX_SPEC_LENGTH = 1000
MAX_QUERY_LENGTH = 2000
# sort=foryou/keywords: room for 200 ids or 50 keywords of 200 characters, percent-encoded
MAX_FORYOU_QUERY_LENGTH = 100_000
FIRST_CHUNK = 40  # server-rendered; the rest arrives in fragments while the reader reads
FRAGMENT_SIZE = 200
MAX_API_SIZE = 500
RESERVED = ("search",)

# The schema says what is accepted (anything else answers 400 with the reason), so API clients
# and the fuzz test know a day is a calendar date and a category list starts with a category.
DateParam = Annotated[
    str | None,
    Query(description="YYYY-MM-DD; default the latest announced day", json_schema_extra={"format": "date"}),
]
SpecParam = Annotated[
    str,
    Path(
        description="categories: cs.AI, cs.AI,cs.CL, cs.AI+cs.LG-cs.CY",
        json_schema_extra={"pattern": "^[A-Za-z]", "maxLength": MAX_SPEC_LENGTH},
    ),
]
ShowParam = Annotated[str | None, Query(description="`all` to include replacements")]


class PageError(Exception):
    """An error with its own HTML template (suggestions, nearest day)."""

    def __init__(self, status: int, message: str, template: str, context: dict[str, Any]) -> None:
        super().__init__(message)
        self.status, self.message, self.template, self.context = status, message, template, context


def check_sizes(request: Request, spec: str, max_query: int = MAX_QUERY_LENGTH) -> None:
    if len(spec) > MAX_SPEC_LENGTH:
        raise HTTPException(414, f"the category list is longer than {MAX_SPEC_LENGTH} characters")
    if len(request.url.query) > max_query:
        raise HTTPException(414, f"the query string is longer than {max_query} characters")


def parse_expr(spec: str) -> CategoryExpr:
    try:
        return parse_category_expr(spec)
    except UnknownCategory as exc:
        hint = f"; did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
        raise PageError(404, f"unknown arXiv category {exc.code!r}{hint}", "unknown_category.html",
                        {"suggestions": exc.suggestions}) from None  # fmt: skip
    except BadCategoryExpression as exc:
        raise HTTPException(
            400, f"{exc}; write categories like cs.AI, cs.AI+cs.LG or cs.AI+cs.LG-cs.CY"
        ) from None


def parse_day(value: str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else _bad_date(value)
    except ValueError:
        return _bad_date(value)


def _bad_date(value: str) -> dt.date:
    raise HTTPException(
        400, f"date {value[:40]!r} is not a day; the expected format is YYYY-MM-DD, e.g. 2026-06-09"
    )


def resolve_key(session: SessionDep, listings: ListingService, spec: str, date: str | None,
                show: str | None) -> ListingKey:  # fmt: skip
    expr = parse_expr(spec)
    day = parse_day(date) or listings.latest_day(session, expr)
    if day is None:
        raise PageError(404, f"nothing has been announced for {expr} yet", "no_listing.html",
                        {"expr": expr, "prev_day": None, "next_day": None})  # fmt: skip
    return ListingKey(expr, day, show == "all")


def papers_of(session: SessionDep, listings: ListingService, key: ListingKey) -> list[ListedPaperOut]:
    """The day's papers; PageError pointing to the nearest days when there are none."""
    papers = listings.papers(session, key)
    if not papers:
        before, after = neighbour_days(session, key.expr.include, key.day)
        raise PageError(404, f"no listing for {key.expr} on {key.day.isoformat()}", "no_listing.html",
                        {"expr": key.expr, "prev_day": before, "next_day": after})  # fmt: skip
    return papers


def page_error(request: Request, templates: TemplatesDep, exc: PageError) -> Response:
    if request.url.path.startswith("/api/"):
        return error_response(request, exc.status, exc.message)
    context = {"status": exc.status, "message": exc.message, **exc.context}
    return templates.TemplateResponse(request, exc.template, context, status_code=exc.status)


@router.get("/arxiv/{spec:path}", include_in_schema=False)
def arxiv_page(
    request: Request, spec: str, session: SessionDep, templates: TemplatesDep, settings: SettingsDep,
    listings: ListingsDep, date: DateParam = None, show: ShowParam = None,
    offset: Annotated[int | None, Query(ge=0, le=100_000)] = None,
) -> Response:  # fmt: skip
    """A day's listing; `offset` returns only the cards from there on (progressive loading)."""
    check_sizes(request, spec)
    if spec.split("/")[0] in RESERVED:
        raise HTTPException(404, f"/arxiv/{spec} is not available on this instance")
    if looks_like_ids(spec):
        return paper_page(request, session, templates, settings, spec)
    try:
        key = resolve_key(session, listings, spec, date, show)
        if offset is not None:
            body = listings.rendered(session, key, f"frag{offset}", lambda: _render_fragment(
                session, listings, templates, key, offset))  # fmt: skip
        else:
            body = listings.rendered(session, key, "page", lambda: _render_page(
                request, session, listings, templates, settings, key))  # fmt: skip
    except PageError as exc:
        return page_error(request, templates, exc)
    return Response(body, media_type="text/html; charset=utf-8")


def _render_fragment(session: SessionDep, listings: ListingService, templates: TemplatesDep,
                     key: ListingKey, offset: int) -> str:  # fmt: skip
    papers = papers_of(session, listings, key)
    context = {"papers": papers[offset : offset + FRAGMENT_SIZE], "offset": offset, "day": key.day,
               "counters": listings.counters(session, key, papers)}  # fmt: skip
    return templates.get_template("listing_fragment.html").render(context)


def _render_page(request: Request, session: SessionDep, listings: ListingService, templates: TemplatesDep,
                 settings: SettingsDep, key: ListingKey) -> str:  # fmt: skip
    papers = papers_of(session, listings, key)
    before, after = neighbour_days(session, key.expr.include, key.day)
    config = {"expr": str(key.expr), "date": key.day.isoformat(), "showAll": key.with_replacements,
              "total": len(papers), "chunk": FRAGMENT_SIZE, "first": FIRST_CHUNK,
              "pdfUrl": settings.arxiv_pdf_url}  # fmt: skip
    context = {
        "request": request, "papers": papers[:FIRST_CHUNK], "offset": 0, "day": key.day,
        "counters": listings.counters(session, key, papers), "expr": key.expr, "total": len(papers),
        "prev_day": before, "next_day": after, "show_all": key.with_replacements, "config": config,
        "show_param": "&show=all" if key.with_replacements else "",
    }  # fmt: skip
    return templates.get_template("listing.html").render(context)
