"""Atom 1.0 feeds (RFC 4287) of listings and searches. Pure: papers in, XML bytes out.

One builder serves every feed, so a listing's entries and a search's look the same to a
reader. ElementTree escapes `<`, `>` and `&` in text and attributes; characters XML 1.0
cannot carry at all (most control characters) are dropped here, since an escaped form of
them does not exist and a single one makes the whole feed unreadable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from coolpapers.app.arxiv.categories import category_name
from coolpapers.app.web.schemas.listing import ListedPaperOut

ATOM = "http://www.w3.org/2005/Atom"
CATEGORY_SCHEME = "http://arxiv.org/schemas/atom"  # what arXiv's own feeds name their categories by
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
# Feeds with no entries still need an `updated`; a fixed instant keeps their ETag stable.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedInfo:
    feed_url: str  # the feed's own address: its id and rel=self link
    html_url: str  # the page showing the same papers
    title: str
    subtitle: str
    updated: dt.datetime  # the feed's update time when no entry is newer


@dataclass(frozen=True)
class FeedEntry:
    paper: ListedPaperOut
    published: dt.datetime  # first version, or when arXiv first announced it if that is unknown


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def rfc3339(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)


def etag_of(body: bytes) -> str:
    """A strong validator: the same bytes always, and only, give the same tag."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _entry_updated(entry: FeedEntry) -> dt.datetime:
    latest = entry.paper.updated_at
    return max(_aware(latest), _aware(entry.published)) if latest else _aware(entry.published)


def atom_feed(info: FeedInfo, entries: Sequence[FeedEntry], base_url: str) -> bytes:
    """The feed document. Entry ids are arXiv abstract URLs, so readers dedupe across feeds."""
    ET.register_namespace("", ATOM)
    updated = max([_aware(info.updated), *(_entry_updated(e) for e in entries)])
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", info.feed_url)
    _sub(feed, "title", info.title)
    _sub(feed, "subtitle", info.subtitle)
    _sub(feed, "updated", rfc3339(updated))
    # Inherited by an entry only if it names no author of its own (a paper with none listed).
    _sub(_sub(feed, "author"), "name", "coolpapers")
    _sub(feed, "link", rel="self", type="application/atom+xml", href=info.feed_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=info.html_url)
    _sub(feed, "generator", "coolpapers")
    for entry in entries:
        _add_entry(feed, entry, base_url)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def _add_entry(feed: ET.Element, entry: FeedEntry, base_url: str) -> None:
    p = entry.paper
    el = _sub(feed, "entry")
    _sub(el, "id", p.abs_url)
    _sub(el, "title", p.title)
    _sub(el, "published", rfc3339(entry.published))
    _sub(el, "updated", rfc3339(_entry_updated(entry)))
    for name in p.authors:
        _sub(_sub(el, "author"), "name", name)
    for code in p.categories:
        _sub(el, "category", term=code, scheme=CATEGORY_SCHEME, label=category_name(code))
    # Atom allows one alternate per media type: arXiv's page is it; ours and the PDF are related.
    _sub(el, "link", rel="alternate", type="text/html", href=p.abs_url)
    _sub(el, "link", rel="related", type="application/pdf", title="PDF", href=p.pdf_url)
    _sub(el, "link", rel="related", type="text/html", title="coolpapers",
         href=f"{base_url}/arxiv/{p.arxiv_id}")  # fmt: skip
    _sub(el, "summary", p.abstract)


def listing_feed(
    base_url: str, expr: str, day: dt.date, entries: Sequence[FeedEntry], *, with_replacements: bool = False
) -> bytes:
    """One day's listing of a category expression (`cs.AI`, `cs.AI+cs.LG-cs.CY`)."""
    show = "show=all" if with_replacements else ""
    info = FeedInfo(
        feed_url=f"{base_url}/arxiv/{expr}/feed" + (f"?{show}" if show else ""),
        html_url=f"{base_url}/arxiv/{expr}?date={day.isoformat()}" + (f"&{show}" if show else ""),
        title=f"coolpapers: {expr}" + (" (with replacements)" if show else ""),
        subtitle=f"arXiv listing of {day.isoformat()} ({len(entries)} papers)",
        updated=day_start(day),
    )
    return atom_feed(info, entries, base_url)


def search_feed(base_url: str, query: str, entries: Sequence[FeedEntry]) -> bytes:
    """The newest papers matching a search, for following a keyword."""
    info = FeedInfo(
        feed_url=f"{base_url}/arxiv/search/feed?{urlencode({'query': query})}",
        html_url=f"{base_url}/arxiv/search?{urlencode({'query': query, 'sort': 'date'})}",
        title=f"coolpapers search: {query}",
        subtitle=f"the {len(entries)} newest papers matching {query}",
        updated=EPOCH,
    )
    return atom_feed(info, entries, base_url)
