"""arXiv's search API (export.arxiv.org/api/query) Atom responses -> PaperRecords. Pure.

`arxiv:primary_category` is authoritative; category terms outside the taxonomy (ACM
and MSC codes such as `I.2.6`) are dropped. arXiv reports errors as a normal feed with
one entry titled "Error", so errors are detected by content, not by HTTP status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import feedparser

from coolpapers.app.arxiv.clean import (
    clean_abstract,
    clean_author_names,
    clean_categories,
    clean_doi,
    clean_optional,
    clean_title,
)
from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id
from coolpapers.app.arxiv.records import PaperRecord


class ApiError(ValueError):
    """The API answered with an error feed, or with something that is not an API feed."""


@dataclass
class ApiResult:
    papers: list[PaperRecord]
    errors: list[str] = field(default_factory=list)  # error entries' messages (e.g. bad id format)
    skipped: int = 0


def id_list_url(api_url: str, ids: list[str]) -> str:
    return f"{api_url}?{urlencode({'id_list': ','.join(ids), 'max_results': len(ids)})}"


def _timestamp(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _is_error_entry(entry: Any) -> bool:
    return "/api/errors" in str(entry.get("id", "")) or str(entry.get("title", "")).strip() == "Error"


def parse_api_feed(body: bytes) -> ApiResult:
    """Parse an API response; raise ApiError if it is not a well-formed Atom feed."""
    if not body.strip():
        raise ApiError("empty response body")
    try:
        parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser's own bugs on some broken XML (found by fuzzing)
        raise ApiError(f"API response could not be parsed: {exc!r}") from None
    if parsed.get("bozo") and not isinstance(
        parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride
    ):
        raise ApiError(f"API response is not well-formed XML: {parsed.get('bozo_exception')}")
    if not parsed.get("version", "").startswith("atom"):
        raise ApiError("API response is not an Atom feed")
    result = ApiResult(papers=[])
    for entry in parsed.entries:
        if _is_error_entry(entry):
            result.errors.append(str(entry.get("summary", "")).strip() or "arXiv API error")
            continue
        record = parse_entry(entry)
        if record is None:
            result.skipped += 1
        else:
            result.papers.append(record)
    return result


def parse_entry(entry: Any) -> PaperRecord | None:
    """One API entry, or None when it lacks an id, a title or a known category."""
    try:
        ident = parse_arxiv_id(str(entry.get("id", "")))
    except InvalidArxivId:
        return None
    primary = str((entry.get("arxiv_primary_category") or {}).get("term", ""))
    codes = [primary, *(str(t.get("term", "")) for t in entry.get("tags", []))]
    categories = clean_categories(c for c in codes if c)
    title = clean_title(entry.get("title"))
    if not categories or not title:
        return None
    return PaperRecord(
        arxiv_id=ident.base,
        version=ident.version or 1,
        title=title,
        authors=clean_author_names(str(a.get("name", "")) for a in entry.get("authors", [])),
        abstract=clean_abstract(entry.get("summary")),
        categories=categories,
        comments=clean_optional(entry.get("arxiv_comment")),
        journal_ref=clean_optional(entry.get("arxiv_journal_ref")),
        doi=clean_doi(entry.get("arxiv_doi")),
        submitted_at=_timestamp(entry.get("published")),
        updated_at=_timestamp(entry.get("updated")),
    )
