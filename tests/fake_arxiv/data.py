"""The fake arXiv's content: real announcement days from tests/data and coolpapers/app/ingest/demo_data.

The sample files carry only id, categories, authors, title, comment and abstract.
Everything else the fake server emits is SYNTHETIC: versions (v1, or v2 for a paper
that shows up again on a later day, which the server lists as a replacement), the
licence URL, submission dates, DOIs and journal references for some papers, and an
ACM class term in the API output. Tests must not treat those values as arXiv's.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from coolpapers.app.arxiv.categories import canonical_category, taxonomy

ROOT = Path(__file__).resolve().parents[2]
DAY_DIRS = (ROOT / "coolpapers" / "app" / "ingest" / "demo_data", ROOT / "tests" / "data" / "arxiv-daily")
LICENSE = "http://creativecommons.org/licenses/by/4.0/"  # synthetic


@dataclass(frozen=True)
class SamplePaper:
    arxiv_id: str
    categories: tuple[str, ...]  # primary first
    authors: tuple[str, ...]
    title: str
    abstract: str
    comment: str | None
    first_day: dt.date
    version: int = 1
    doi: str | None = None
    journal_ref: str | None = None

    @property
    def primary(self) -> str:
        return self.categories[0]

    @property
    def submitted(self) -> dt.datetime:
        # SYNTHETIC: three days before the paper's first listing, 17:00 UTC.
        return dt.datetime.combine(self.first_day - dt.timedelta(days=3), dt.time(17), dt.UTC)


def load_days(dirs: tuple[Path, ...] = DAY_DIRS) -> dict[dt.date, list[SamplePaper]]:
    """{day: papers listed that day, deduplicated, ids ascending}."""
    days: dict[dt.date, list[SamplePaper]] = {}
    for directory in dirs:
        for file in sorted(directory.glob("*.jsonl")):
            day = dt.date.fromisoformat(file.stem)
            papers: dict[str, SamplePaper] = {}
            for line in file.read_text("utf-8").splitlines():
                if not line.strip():
                    continue
                obj = json.loads(line)
                papers.setdefault(obj["id"], _paper(obj, day))
            days[day] = [papers[k] for k in sorted(papers)]
    return dict(sorted(days.items()))


def _paper(obj: dict[str, Any], day: dt.date) -> SamplePaper:
    arxiv_id = str(obj["id"])
    seq = int(arxiv_id.split(".")[-1]) if "." in arxiv_id else 0
    return SamplePaper(
        arxiv_id=arxiv_id,
        categories=tuple(str(c) for c in obj["categories"]),
        authors=tuple(str(a) for a in obj["authors"]),
        title=str(obj["title"]),
        abstract=str(obj["summary"]),
        comment=str(obj["comment"]) if obj.get("comment") else None,
        first_day=day,
        doi=f"10.5555/synthetic.{arxiv_id}" if seq % 7 == 0 else None,  # synthetic
        journal_ref=f"Synthetic J. {seq % 50} (2026)" if seq % 11 == 0 else None,  # synthetic
    )


def with_replacements(days: dict[dt.date, list[SamplePaper]]) -> dict[dt.date, list[SamplePaper]]:
    """A paper that appears again on a later day becomes that day's replacement (v2), as arXiv would
    list a new version; its first appearance keeps v1 (SYNTHETIC versions)."""
    seen: dict[str, SamplePaper] = {}
    out: dict[dt.date, list[SamplePaper]] = {}
    for day, papers in days.items():
        out[day] = []
        for paper in papers:
            if paper.arxiv_id in seen:
                first = seen[paper.arxiv_id]
                out[day].append(replace(paper, version=first.version + 1, first_day=first.first_day))
            else:
                seen[paper.arxiv_id] = paper
                out[day].append(paper)
    return out


def expand_query(query: str) -> set[str] | None:
    """The canonical categories an RSS query covers (archives expand, alias partners included).

    None when a term is not something arXiv accepts (the server answers 400 then).
    """
    tax = taxonomy()
    archives = tax.archives()
    covered: set[str] = set()
    for term in query.split("+"):
        if not term or term.count(".") > 1:
            return None
        if term.lower() in archives and "." not in term:
            for cat in tax.categories:
                if cat.archive == term.lower():
                    covered.add(canonical_category(cat.code) or cat.code)
            continue
        code = canonical_category(term)
        if code is None or ("." not in term and term.lower() not in tax.by_lower):
            return None
        covered.add(code)
    return covered
