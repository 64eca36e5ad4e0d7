"""One line of the Kaggle "arxiv-metadata-oai-snapshot" JSON-lines file -> PaperRecord. Pure.

The snapshot holds arXiv's history (latest metadata per paper, raw TeX, hard line
breaks). Its records have no announcement: they are findable by id, not listed.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from collections.abc import Sequence
from typing import Any

from coolpapers.app.arxiv.clean import (
    clean_abstract,
    clean_author_names,
    clean_categories,
    clean_doi,
    clean_optional,
    clean_title,
    split_authors,
)
from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id
from coolpapers.app.arxiv.records import PaperRecord


class BadSnapshotLine(ValueError):
    """The line is not a usable snapshot record; the message says why."""


# The snapshot writes every version date as "Mon, 2 Apr 2007 19:18:42 GMT"; reading that
# shape directly is several times faster than the general RFC 2822 parser used otherwise.
_GMT_DATE = re.compile(r"(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) ([12]\d{3}) (\d\d):(\d\d):(\d\d) GMT")
_MONTHS = {name: n for n, name in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                             "Sep", "Oct", "Nov", "Dec"), start=1)}  # fmt: skip


def _created(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    fast = _GMT_DATE.fullmatch(value)
    if fast is not None and fast[2] in _MONTHS:
        day, _, year, hour, minute, second = fast.groups()
        try:
            return dt.datetime(
                int(year), _MONTHS[fast[2]], int(day), int(hour), int(minute), int(second), tzinfo=dt.UTC
            )
        except ValueError:
            return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _version_number(value: Any) -> int | None:
    text = str(value or "").strip().lower().removeprefix("v")
    return int(text) if text.isdigit() and 0 < int(text) < 1000 else None


def _authors(obj: dict[str, Any]) -> tuple[str, ...]:
    parsed = obj.get("authors_parsed")
    if isinstance(parsed, list) and parsed and all(isinstance(p, list) for p in parsed):
        names = []
        for parts in parsed:  # [last, first, suffix], the later ones optional
            last = parts[0] if parts else ""
            first = parts[1] if len(parts) > 1 else ""
            suffix = parts[2] if len(parts) > 2 else ""
            name = f"{first} {last}" if first and last else str(first or last or "")
            names.append(f"{name}, {suffix}" if suffix else name)
        cleaned = clean_author_names(names)
        if cleaned:
            return cleaned
    return split_authors(str(obj.get("authors") or ""))


def parse_snapshot_record(obj: Any) -> PaperRecord:
    """A decoded snapshot object as a PaperRecord; BadSnapshotLine if unusable."""
    if not isinstance(obj, dict):
        raise BadSnapshotLine("not a JSON object")
    try:
        ident = parse_arxiv_id(str(obj.get("id") or ""))
    except InvalidArxivId as exc:
        raise BadSnapshotLine(str(exc)) from None
    categories = clean_categories(str(obj.get("categories") or "").split())
    if not categories:
        raise BadSnapshotLine(f"{ident.base}: no known category")
    title = clean_title(obj.get("title"))
    if not title:
        raise BadSnapshotLine(f"{ident.base}: no title")
    raw_versions = obj.get("versions")
    versions: list[Any] = raw_versions if isinstance(raw_versions, list) else []
    numbers = [n for n in (_version_number(v.get("version")) for v in versions if isinstance(v, dict)) if n]
    first = versions[0] if versions and isinstance(versions[0], dict) else {}
    last = versions[-1] if versions and isinstance(versions[-1], dict) else {}
    return PaperRecord(
        arxiv_id=ident.base,
        version=max(numbers, default=1),
        title=title,
        authors=_authors(obj),
        abstract=clean_abstract(obj.get("abstract")),
        categories=categories,
        comments=clean_optional(obj.get("comments")),
        journal_ref=clean_optional(obj.get("journal-ref")),
        doi=clean_doi(obj.get("doi")),
        license=clean_optional(obj.get("license")),
        submitted_at=_created(first.get("created")),
        updated_at=_created(last.get("created")),
    )


def parse_snapshot_line(line: bytes | str) -> PaperRecord:
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadSnapshotLine(f"not JSON: {exc}") from None
    return parse_snapshot_record(obj)


def parse_snapshot_lines(lines: Sequence[bytes]) -> tuple[list[PaperRecord], list[tuple[int, str]]]:
    """Many lines at once: the records, and (index in `lines`, reason) for each unusable line."""
    records: list[PaperRecord] = []
    bad: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        try:
            records.append(parse_snapshot_line(line))
        except BadSnapshotLine as exc:
            bad.append((index, str(exc)))
    return records, bad
