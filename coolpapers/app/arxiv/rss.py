"""arXiv's RSS listing feed (rss.arxiv.org/rss/{query}) -> one announcement day. Pure: bytes in.

The day comes from the feed (channel pubDate, midnight US Eastern), never from the clock.
A feed that is not well-formed XML (malformed or cut off) is rejected as a whole, so a
truncated response stores nothing; one unusable item is skipped and counted.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import feedparser

from coolpapers.app.arxiv.clean import (
    clean_abstract,
    clean_categories,
    clean_doi,
    clean_optional,
    clean_title,
    split_authors,
)
from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id
from coolpapers.app.arxiv.records import ListedPaper, PaperRecord

EASTERN = ZoneInfo("America/New_York")
FEED_ITEM_CAP = 2000  # arXiv never puts more items in one feed: a full feed may be cut short
ANNOUNCE_TYPES = {"new", "cross", "replace", "replace-cross"}
_DESCRIPTION = re.compile(r"^arXiv:(\S+?)(v\d+)\s+Announce Type:\s*(\S+)\s*\nAbstract:\s*(.*)$", re.DOTALL)


class FeedError(ValueError):
    """The response is not a usable listing feed; nothing from it may be stored."""


@dataclass
class FeedDay:
    date: dt.date  # the announcement date arXiv gives this listing
    items: list[ListedPaper]
    title: str = ""
    skipped: int = 0  # items that could not be used
    skipped_reasons: list[str] = field(default_factory=list)
    raw_item_count: int = 0  # items in the XML, before skipping: compared with FEED_ITEM_CAP


def eastern_date(value: str | None) -> dt.date | None:
    """The US Eastern calendar date of an RFC-822 timestamp such as 'Tue, 09 Jun 2026 00:00:00 -0400'."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(EASTERN).date()


def _is_fatal(parsed: Any) -> bool:
    if not parsed.get("bozo"):
        return False
    # A declared-vs-actual charset mismatch is harmless; anything else means broken XML.
    return not isinstance(parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride)


def parse_feed(body: bytes) -> FeedDay:
    """Parse one RSS 2.0 listing feed; raise FeedError if the response cannot be trusted as a whole."""
    if not body.strip():
        raise FeedError("empty response body")
    try:
        parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser's own bugs on some broken XML (found by fuzzing)
        raise FeedError(f"feed could not be parsed: {exc!r}") from None
    if _is_fatal(parsed):
        raise FeedError(f"feed is not well-formed XML: {parsed.get('bozo_exception')}")
    if not parsed.get("version", "").startswith("rss"):
        raise FeedError("response is not an RSS feed")
    channel = parsed.feed
    title = str(channel.get("title", ""))
    if title.startswith("Feed error for query"):
        raise FeedError(f"arXiv rejected the query: {channel.get('description', title)}")
    entries = parsed.entries
    day = eastern_date(channel.get("published"))
    if day is None and entries:
        day = eastern_date(entries[0].get("published"))
    if day is None:
        raise FeedError("feed has no announcement date (channel pubDate)")
    out = FeedDay(date=day, items=[], title=title, raw_item_count=len(entries))
    seen: set[str] = set()
    for entry in entries:
        try:
            item = parse_item(entry)
        except ValueError as exc:
            out.skipped += 1
            out.skipped_reasons.append(str(exc))
            continue
        if item.paper.arxiv_id in seen:
            continue
        seen.add(item.paper.arxiv_id)
        out.items.append(item)
    return out


def parse_item(entry: Any) -> ListedPaper:
    """One <item>; ValueError says why it is unusable."""
    description = str(entry.get("summary", ""))
    match = _DESCRIPTION.match(description.strip())
    guid = str(entry.get("id", "")) or (f"{match[1]}{match[2]}" if match else "")
    try:
        ident = parse_arxiv_id(guid or str(entry.get("link", "")))
    except InvalidArxivId as exc:
        raise ValueError(f"item without a usable arXiv id: {exc}") from None
    version = ident.version or (int(match[2][1:]) if match else 1)
    kind = str(entry.get("arxiv_announce_type", "") or (match[3] if match else "")).strip().lower()
    if kind not in ANNOUNCE_TYPES:
        raise ValueError(f"{ident.base}: unknown announce type {kind!r}")
    title = clean_title(entry.get("title"))
    if not title:
        raise ValueError(f"{ident.base}: item has no title")
    categories = clean_categories(str(t.get("term", "")) for t in entry.get("tags", []))
    if not categories:
        raise ValueError(f"{ident.base}: item has no known arXiv category")
    abstract = match[4] if match else description
    paper = PaperRecord(
        arxiv_id=ident.base,
        version=version,
        title=title,
        authors=split_authors(entry.get("author")),
        abstract=clean_abstract(abstract),
        categories=categories,
        doi=clean_doi(entry.get("arxiv_doi")),
        journal_ref=clean_optional(entry.get("arxiv_journal_reference")),
        license=clean_optional(entry.get("rights")),
    )
    return ListedPaper(paper, replacement=kind.startswith("replace"), cross_listing=kind == "cross")
