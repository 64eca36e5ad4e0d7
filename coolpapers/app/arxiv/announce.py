"""Derive each category's own listing from one announcement day's items. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from coolpapers.app.arxiv.records import AnnouncementRecord, AnnounceType, ListedPaper

# arXiv lists a category's day as: new submissions, cross-lists, replacements, cross-list replacements.
TYPE_ORDER: tuple[AnnounceType, ...] = ("new", "cross", "replace", "replace-cross")


def category_type(item: ListedPaper, category: str) -> AnnounceType | None:
    """The announce type in one category: new/replace in the primary, cross otherwise; None
    when the item is not announced there at all.

    A feed's own announce type is relative to the whole requested set, so it cannot be
    stored per category as is; the item's category list decides. One thing it does say for
    every category: `cross` is never new anywhere, so such an item is not announced in its
    primary (a late cross-list of an old paper would otherwise show as today's submission).
    """
    primary = category == item.paper.primary_category
    if item.replacement:
        return "replace" if primary else "replace-cross"
    if item.cross_listing:
        return None if primary else "cross"
    return "new" if primary else "cross"


def derive_announcements(
    day: dt.date, items: Iterable[ListedPaper], categories: set[str] | None = None
) -> list[AnnouncementRecord]:
    """Announcements for every category the items belong to (or only `categories`).

    Within a type, the items keep their given order (arXiv's: ids ascending), and
    positions number the category's whole day from 0.
    """
    buckets: dict[str, dict[AnnounceType, list[str]]] = {}
    seen: set[tuple[str, str]] = set()
    for item in items:
        for cat in item.paper.categories:
            if categories is not None and cat not in categories:
                continue
            key = (cat, item.paper.arxiv_id)
            kind = category_type(item, cat)
            if key in seen or kind is None:
                continue
            seen.add(key)
            buckets.setdefault(cat, {t: [] for t in TYPE_ORDER})[kind].append(item.paper.arxiv_id)
    out: list[AnnouncementRecord] = []
    for cat, by_type in buckets.items():
        position = 0
        for kind in TYPE_ORDER:
            for arxiv_id in by_type[kind]:
                out.append(AnnouncementRecord(arxiv_id, cat, day, kind, position))
                position += 1
    return out
