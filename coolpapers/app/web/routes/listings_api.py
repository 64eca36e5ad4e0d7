"""The JSON twin of day listings: `/api/arxiv/{cats}` in arXiv order, For you (`sort=foryou`,
or a POST with the profile) or by the ❤ keywords (`sort=keywords`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from coolpapers.app.ranking.text_model import paper_text
from coolpapers.app.web.deps import ForYouDep, ListingsDep, SessionDep, TemplatesDep
from coolpapers.app.web.foryou import MAX_LIKED, ForYou, checked_liked, liked_out, parse_liked
from coolpapers.app.web.listing import ListingService
from coolpapers.app.web.routes.listings import (
    MAX_API_SIZE,
    MAX_FORYOU_QUERY_LENGTH,
    DateParam,
    PageError,
    ShowParam,
    SpecParam,
    check_sizes,
    page_error,
    papers_of,
    resolve_key,
)
from coolpapers.app.web.schemas.errors import error_responses
from coolpapers.app.web.schemas.listing import (
    CountersOut,
    ForYouIn,
    ListedPaperWithCounters,
    ListingOut,
)

router = APIRouter(tags=["listings"])

SortParam = Annotated[
    Literal["arxiv", "foryou", "keywords"],
    Query(description="foryou: by similarity to `liked`; keywords: by BM25 of `keywords` (the ❤ sort)"),
]
MAX_KEYWORDS, MAX_KEYWORD_CHARS = 50, 200  # more are ignored, longer ones cut
KeywordsParam = Annotated[
    list[str],
    Query(description="sort=keywords: preference keywords, comma-separated; several words are a phrase",
          json_schema_extra={"maxItems": MAX_KEYWORDS,
                             "items": {"type": "string", "maxLength": MAX_KEYWORD_CHARS}}),
]  # fmt: skip
LikedParam = Annotated[
    list[str], Query(description=f"arXiv ids the reader liked, any spelling, repeated or comma-separated; "
                     f"at most {MAX_LIKED}",
                     json_schema_extra={"maxItems": MAX_LIKED, "items": {"type": "string", "maxLength": 64}})
]  # fmt: skip
PageParam = Annotated[int, Query(ge=1, le=100_000)]
SizeParam = Annotated[int, Query(ge=1, description=f"papers per page, at most {MAX_API_SIZE}")]
NO_PROFILE = "Nothing liked is stored here yet: star or open papers (or import a library) for For you."
NO_KEYWORDS = "No preference keywords: set some (Settings, or the home page) for the ❤ sort."


@router.get(
    "/api/arxiv/{spec:path}", response_model=ListingOut, responses=error_responses(400, 404, 414, 422)
)
def arxiv_listing_json(
    request: Request, spec: SpecParam, session: SessionDep, templates: TemplatesDep, listings: ListingsDep,
    foryou: ForYouDep, date: DateParam = None, show: ShowParam = None, page: PageParam = 1,
    size: SizeParam = 100, sort: SortParam = "arxiv", liked: LikedParam = [],  # noqa: B006 (FastAPI copies it)
    keywords: KeywordsParam = [],  # noqa: B006
) -> Response | ListingOut:  # fmt: skip
    """One page of a day's listing as JSON, with each paper's counters; `sort=foryou` orders the
    whole day by similarity to the `liked` papers, each with its `score` and `because`;
    `sort=keywords` by BM25 of `keywords`, each with its `score`."""
    # A profile in the URL is bounded by its own limits (ids, keywords), not the query string's length.
    check_sizes(request, spec, MAX_FORYOU_QUERY_LENGTH)
    body = ForYouIn(liked=liked) if sort == "foryou" else None
    terms = (
        [t.strip()[:MAX_KEYWORD_CHARS] for item in keywords for t in item.split(",") if t.strip()][
            :MAX_KEYWORDS
        ]
        if sort == "keywords"
        else None
    )
    return _listing_json(request, spec, session, templates, listings, foryou, date, show, page, size, body,
                         terms)  # fmt: skip


@router.post(
    "/api/arxiv/{spec:path}", response_model=ListingOut, responses=error_responses(400, 404, 414, 422)
)
def arxiv_listing_for_you(
    request: Request, spec: SpecParam, body: ForYouIn, session: SessionDep, templates: TemplatesDep,
    listings: ListingsDep, foryou: ForYouDep, date: DateParam = None, show: ShowParam = None,
    page: PageParam = 1, size: SizeParam = 100,
) -> Response | ListingOut:  # fmt: skip
    """The day's listing For you, for a profile too long for a URL: `{"liked": [...], "keywords": [...]}`."""
    check_sizes(request, spec)
    return _listing_json(request, spec, session, templates, listings, foryou, date, show, page, size, body)


def _listing_json(
    request: Request, spec: str, session: SessionDep, templates: TemplatesDep, listings: ListingService,
    foryou: ForYou, date: str | None, show: str | None, page: int, size: int, profile: ForYouIn | None,
    keyword_terms: list[str] | None = None,
) -> Response | ListingOut:  # fmt: skip
    values = checked_liked(profile.liked) if profile is not None else []
    try:
        key = resolve_key(session, listings, spec, date, show)
        papers = papers_of(session, listings, key)
    except PageError as exc:
        return page_error(request, templates, exc)
    size = min(size, MAX_API_SIZE)
    counters = listings.counters(session, key, papers)
    extra: dict[str, Any] = {}
    scores: dict[str, float] = {}
    because: dict[str, str | None] = {}
    if profile is not None:
        wanted = parse_liked(values)
        texts = [paper_text(t.title, t.abstract) for t in profile.texts]
        version = listings.version(session, key)
        ranked = foryou.rank_listing(session, version, papers, wanted, profile.keywords, texts)
        extra = {"sort": "foryou", "liked": liked_out(ranked, wanted)}
        if ranked.used or profile.keywords or texts:
            papers, scores, because = ranked.papers, ranked.scores, ranked.because
        else:
            extra["hint"] = NO_PROFILE
    if keyword_terms is not None:
        extra = {"sort": "keywords"}
        if keyword_terms:
            sorter = request.app.state.core.keyword_sort
            papers, scores = sorter.order(listings.version(session, key), papers, keyword_terms[:50])
        else:
            extra["hint"] = NO_KEYWORDS
    part = papers[(page - 1) * size : page * size]
    return ListingOut(
        date=key.day, categories=list(key.expr.include), exclude=list(key.expr.exclude),
        total=len(papers), page=page, size=size, **extra,
        papers=[ListedPaperWithCounters(**p.model_dump(), counters=counters.get(p.arxiv_id, CountersOut()),
                                        score=scores.get(p.arxiv_id), because=because.get(p.arxiv_id))
                for p in part],
    )  # fmt: skip
