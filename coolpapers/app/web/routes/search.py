"""Search: the page `/arxiv/search`, the JSON API `/api/search` and `/api/papers/{id}/related`.

This router must be included before the listing router (`/arxiv/{cats}`), which would
otherwise take `/arxiv/search` for a category named "search".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id
from coolpapers.app.search.engine import MAX_RESULTS, Hit, IndexNotReady, SearchIndex, SearchPage
from coolpapers.app.web.cards import Cards, cards_for
from coolpapers.app.web.deps import ForYouDep, SearchDep, SessionDep, SettingsDep, TemplatesDep
from coolpapers.app.web.foryou import MAX_LIKED, checked_liked, liked_out, parse_liked, split_liked
from coolpapers.app.web.more_like import more_like
from coolpapers.app.web.related import related_papers
from coolpapers.app.web.schemas.errors import error_responses
from coolpapers.app.web.schemas.search import RelatedPaperOut, RelatedResponse, SearchHitOut, SearchResponse

router = APIRouter()

MAX_QUERY_CHARS = 1000
MAX_PAGE_SIZE = 100
PAGE_SIZE_HTML = 25
MAX_RELATED = 50
NOT_READY = "the search index is still being built; try again in a minute"
QUERY_HELP = 'words, "phrases", -word, a OR b, author:Name, cat:cs.CL, before:/after:YYYY-MM-DD, arXiv ids'
SortParam = Literal["relevance", "date"]
PAGE_SORTS: dict[str, Literal["relevance", "date", "foryou"]] = {"date": "date", "foryou": "foryou"}
FORYOU_POOL = 200  # sort=foryou: how many of the most relevant matches are ordered For you
NO_PROFILE = "None of the liked ids is stored here: the results keep their relevance order."


def check_query_length(text: str) -> str:
    if len(text) > MAX_QUERY_CHARS:
        raise HTTPException(414, f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    return text


def _hit_out(hit: Hit, highlight: bool) -> SearchHitOut:
    return SearchHitOut(
        arxiv_id=hit.arxiv_id,
        title=hit.title,
        authors=hit.authors,
        abstract=hit.abstract,
        categories=hit.categories,
        date=hit.date.date() if hit.date else None,
        score=hit.score,
        url=f"/arxiv/{hit.arxiv_id}",
        title_html=hit.title_html if highlight else None,
        snippet_html=hit.snippet_html if highlight else None,
    )


@router.get(
    "/api/search",
    response_model=SearchResponse,
    tags=["search"],
    summary="Search every stored paper",
    responses=error_responses(414, 422, 503),
)
def api_search(
    search: SearchDep,
    session: SessionDep,
    foryou: ForYouDep,
    q: Annotated[str, Query(description=QUERY_HELP)] = "",
    sort: Literal["relevance", "date", "foryou"] = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = 1,
    size: Annotated[int, Query(ge=1, description=f"results per page, capped at {MAX_PAGE_SIZE}")] = 20,
    highlight: bool = False,
    liked: Annotated[
        list[str],
        Query(
            description=f"sort=foryou: liked arXiv ids, at most {MAX_LIKED}",
            json_schema_extra={"maxItems": MAX_LIKED},
        ),
    ] = [],  # noqa: B006
) -> Response:
    """`sort=foryou` orders the FORYOU_POOL most relevant matches by similarity to `liked`."""
    check_query_length(q)
    size = min(size, MAX_PAGE_SIZE)
    values = checked_liked(liked)
    try:
        if sort == "foryou":
            result = search.search(q, sort="relevance", page=1, size=FORYOU_POOL, highlight=highlight)
        else:
            result = search.search(q, sort=sort, page=page, size=size, highlight=highlight)
    except IndexNotReady:
        raise HTTPException(503, NOT_READY, headers={"Retry-After": "30"}) from None
    hits = [_hit_out(h, highlight) for h in result.hits]
    extra: dict[str, Any] = {}
    if sort == "foryou":
        wanted = parse_liked(values)
        ranked = foryou.rank_listing(session, None, hits, wanted, [])
        extra["liked"] = liked_out(ranked, wanted)
        if ranked.used:
            scores, because = ranked.scores, ranked.because
            hits = [h.model_copy(update={"score": scores[h.arxiv_id], "because": because[h.arxiv_id]})
                    for h in ranked.papers]  # fmt: skip
        else:
            extra["hint"] = NO_PROFILE
        hits = hits[(page - 1) * size : page * size]
    body = SearchResponse(
        query=q, sort=sort, page=page, size=size, total=min(result.total, FORYOU_POOL) if sort == "foryou"
        else result.total, matches=result.matches, papers=hits, **extra,
    )  # fmt: skip
    # Built and validated once here; FastAPI would validate and serialise the model a second time.
    return Response(body.model_dump_json(), media_type="application/json")


@router.get(
    "/api/papers/{arxiv_id:path}/related",
    response_model=RelatedResponse,
    tags=["papers"],
    summary="Papers related to one paper, by text similarity of title and abstract",
    responses=error_responses(404, 422, 503),
)
def api_related(
    arxiv_id: str,
    search: SearchDep,
    session: SessionDep,
    foryou: ForYouDep,
    size: Annotated[int, Query(ge=1, description=f"how many, capped at {MAX_RELATED}")] = 10,
) -> RelatedResponse:
    """The index's closest papers by distinctive words, ordered by For you's similarity to this
    one (web/related.py)."""
    try:
        canonical = parse_arxiv_id(arxiv_id).base
    except InvalidArxivId as exc:
        # No paper can live at a path that is not an arXiv id: not found, with the reason.
        raise HTTPException(404, str(exc)) from None
    try:
        found = related_papers(session, search, foryou, canonical, min(size, MAX_RELATED))
    except IndexNotReady:
        raise HTTPException(503, NOT_READY, headers={"Retry-After": "30"}) from None
    if found is None:
        raise HTTPException(404, f"no paper {canonical} in the search index")
    papers = [
        RelatedPaperOut(arxiv_id=r.arxiv_id, title=r.title, authors=r.authors, score=r.score) for r in found
    ]
    return RelatedResponse(arxiv_id=canonical, papers=papers)


def _marked(hits: list[Hit], cards: Cards) -> dict[str, dict[str, Any]]:
    """Marked title and abstract per paper, only where the index's text is the stored one
    (a paper re-indexed moments from now shows unmarked rather than with stale text)."""
    stored = {p.arxiv_id: p for p in cards.papers}
    out: dict[str, dict[str, Any]] = {}
    for hit in hits:
        paper = stored.get(hit.arxiv_id)
        if paper is None:
            continue
        marks: dict[str, Any] = {}
        if hit.title_marked is not None and hit.title == paper.title:
            marks["title"] = Markup(hit.title_marked)  # built from escaped pieces in app.search.highlight
        if hit.abstract_marked is not None and hit.abstract == paper.abstract:
            marks["abstract"] = Markup(hit.abstract_marked)
        if hit.authors_marked is not None and hit.authors == list(paper.authors):
            marks["authors"] = [Markup(a) for a in hit.authors_marked]
        out[hit.arxiv_id] = marks
    return out


@router.get("/arxiv/search", response_class=HTMLResponse, include_in_schema=False)
def search_page(
    request: Request,
    search: SearchDep,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    query: str = "",
    sort: str = "relevance",
    highlight: str = "",
    page: str = "1",
    like: str = "",
) -> HTMLResponse:
    check_query_length(query)
    check_query_length(like)
    if like.strip() and not query.strip():
        return _more_like_page(request, search, session, settings, templates, like)
    # A hand-edited URL with a bad value still gets a page, never a validation error.
    chosen = PAGE_SORTS.get(sort, "relevance")
    # For you: the FORYOU_POOL most relevant on one page, which the page reorders by the reader's
    # stars (kept in the browser: the server never sees them here).
    size = FORYOU_POOL if chosen == "foryou" else PAGE_SIZE_HTML
    page_no = int(page) if page.isdigit() and 0 < int(page) <= MAX_RESULTS and chosen != "foryou" else 1
    marked = highlight.lower() in ("1", "true", "on", "yes")
    result: SearchPage | None = None
    not_ready = False
    if query.strip():
        try:
            by: SortParam = "date" if chosen == "date" else "relevance"
            result = search.search(query, sort=by, page=page_no, size=size, marks=marked)
        except IndexNotReady:
            not_ready = True
    hits = result.hits if result else []
    cards = cards_for(session, [h.arxiv_id for h in hits], settings.arxiv_pdf_url)
    pages = -(-result.total // size) if result and chosen != "foryou" else 0
    params = {"query": query, "sort": chosen} | ({"highlight": "1"} if marked else {})
    config = {"pdfUrl": settings.arxiv_pdf_url, "total": len(cards.papers), "foryou": chosen == "foryou",
              "query": query}  # fmt: skip
    context = {
        "query": query, "sort": chosen, "highlight": marked, "result": result, "pages": pages,
        "not_ready": not_ready, "cards": cards, "marks": _marked(hits, cards) if marked else {},
        "first": (page_no - 1) * size, "page_url": "/arxiv/search?" + urlencode(params),
        "feed_url": "/arxiv/search/feed?" + urlencode({"query": query}), "config": config,
    }  # fmt: skip
    return templates.TemplateResponse(request, "search.html", context)


def _more_like_page(
    request: Request, search: SearchIndex, session: SessionDep, settings: SettingsDep,
    templates: TemplatesDep, like: str,
) -> HTMLResponse:  # fmt: skip
    liked = parse_liked(split_liked([like])[:MAX_LIKED])
    cards, why = more_like(session, search, request.app.state.core.foryou, liked, settings.arxiv_pdf_url)
    context = {
        "query": "", "sort": "relevance", "highlight": False, "result": None, "pages": 0, "not_ready": False,
        "cards": cards, "marks": {}, "first": 0, "page_url": "", "feed_url": "", "more_like": liked.ids,
        "why": why, "config": {"pdfUrl": settings.arxiv_pdf_url, "total": len(cards.papers)},
    }  # fmt: skip
    return templates.TemplateResponse(request, "search.html", context)
