"""Pure: a day's listing saved as JSON lines (one object per announced paper: `id`, `categories`,
`authors`, `title`, `comment`, `summary`), the format of the bundled sample days.

Ids go through the same normalisation as every other source (arxiv/ids.py), text through the
same cleaning (arxiv/clean.py); a line that cannot be a paper is skipped and counted.
"""

from __future__ import annotations

import json
from typing import Any

from coolpapers.app.arxiv.clean import (
    clean_abstract,
    clean_author_names,
    clean_categories,
    clean_optional,
    clean_title,
)
from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id
from coolpapers.app.arxiv.records import ListedPaper, PaperRecord


def parse_record(obj: Any) -> PaperRecord | None:
    """One line's object as a paper, or None when it lacks an id, a category or a title."""
    if not isinstance(obj, dict):
        return None
    try:
        ident = parse_arxiv_id(str(obj.get("id") or ""))
    except InvalidArxivId:
        return None
    cats = clean_categories(str(code) for code in obj.get("categories") or [])
    title = clean_title(str(obj.get("title") or ""))
    if not cats or not title:
        return None
    return PaperRecord(
        arxiv_id=ident.base,
        title=title,
        authors=clean_author_names(str(a) for a in obj.get("authors") or []),
        abstract=clean_abstract(str(obj.get("summary") or "")),
        categories=cats,
        comments=clean_optional(str(obj["comment"])) if obj.get("comment") else None,
    )


def parse_day_lines(text: str) -> tuple[list[ListedPaper], int]:
    """The day's papers, each once, in arXiv's id order; and how many lines were skipped."""
    papers: dict[str, PaperRecord] = {}
    skipped = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            rec = parse_record(json.loads(line))
        except ValueError:
            rec = None
        if rec is None:
            skipped += 1
            continue
        papers.setdefault(rec.arxiv_id, rec)
    return [ListedPaper(papers[k]) for k in sorted(papers)], skipped
