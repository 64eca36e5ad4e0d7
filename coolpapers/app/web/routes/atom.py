"""Atom feeds: `/arxiv/{cats}/feed` (a day's listing) and `/arxiv/search/feed?query=` (the newest
papers matching a search), both built by app.feeds and both answering conditional GETs.

Included before the listing router, whose `/arxiv/{spec}` catch-all would otherwise take them;
the search feed is declared first because `{spec:path}/feed` would match it too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from coolpapers.app.search.engine import IndexNotReady
from coolpapers.app.web.atom import (
    EPOCH,
    MEDIA_TYPE,
    FeedEntry,
    day_start,
    etag_of,
    listing_feed,
    search_feed,
)
from coolpapers.app.web.cards import cards_for
from coolpapers.app.web.deps import ListingsDep, SearchDep, SessionDep, SettingsDep, TemplatesDep
from coolpapers.app.web.routes.listings import (
    DateParam,
    PageError,
    ShowParam,
    check_sizes,
    page_error,
    papers_of,
    resolve_key,
)
from coolpapers.app.web.routes.search import NOT_READY, check_query_length

router = APIRouter(tags=["feeds"])

SEARCH_FEED_SIZE = 50  # newest matches; a reader polling the feed sees each new paper once


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110: If-None-Match compares weakly, and `*` matches any current representation."""
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or etag in (t.removeprefix("W/") for t in tags)


def atom_response(request: Request, body: bytes) -> Response:
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}  # always revalidate; a 304 costs no body
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(status_code=200, headers=headers, media_type=MEDIA_TYPE)
    return Response(body, headers=headers, media_type=MEDIA_TYPE)


@router.api_route("/arxiv/search/feed", methods=["GET", "HEAD"], include_in_schema=False)
def search_feed_route(
    request: Request, session: SessionDep, settings: SettingsDep, search: SearchDep,
    query: Annotated[str, Query(description="the search, in the search page's syntax")] = "",
) -> Response:  # fmt: skip
    check_query_length(query)
    if not query.strip():
        raise HTTPException(
            400, "a search feed needs a query, e.g. /arxiv/search/feed?query=%22diffusion+model%22"
        )
    try:
        found = search.search(query, sort="date", size=SEARCH_FEED_SIZE)
    except IndexNotReady:
        raise HTTPException(503, NOT_READY, headers={"Retry-After": "30"}) from None
    cards = cards_for(session, [h.arxiv_id for h in found.hits], settings.arxiv_pdf_url)
    indexed = {h.arxiv_id: h.date for h in found.hits}
    entries = []
    for paper in cards.papers:
        # v1's date when known, else the first listing day, else when the index first saw it.
        first_day = cards.first_days.get(paper.arxiv_id)
        published = paper.submitted_at or (day_start(first_day) if first_day else indexed[paper.arxiv_id])
        entries.append(FeedEntry(paper, published or EPOCH))
    base = public_base(request)
    return atom_response(request, search_feed(base, query, entries))


def public_base(request: Request) -> str:
    """Where absolute links point: COOLPAPERS_PUBLIC_URL, else the address this request used."""
    configured: str = request.app.state.core.settings.public_url
    return configured or str(request.base_url).rstrip("/")


@router.api_route("/arxiv/{spec:path}/feed", methods=["GET", "HEAD"], include_in_schema=False)
def listing_feed_route(
    request: Request, spec: str, session: SessionDep, templates: TemplatesDep, listings: ListingsDep,
    date: DateParam = None, show: ShowParam = None,
) -> Response:  # fmt: skip
    """The latest (or `?date=`) day; errors are the same pages as the listing's."""
    check_sizes(request, spec)
    try:
        key = resolve_key(session, listings, spec, date, show)
        base = public_base(request)

        def render() -> str:
            papers = papers_of(session, listings, key)
            fallback = day_start(key.day)  # the announcement, for papers whose v1 date is unknown
            entries = [FeedEntry(p, p.submitted_at or fallback) for p in papers]
            replaced = key.with_replacements
            return listing_feed(base, str(key.expr), key.day, entries, with_replacements=replaced).decode()

        body = listings.rendered(session, key, f"atom:{base}", render)
    except PageError as exc:
        return page_error(request, templates, exc)
    return atom_response(request, body)
