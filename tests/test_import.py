"""History import: streaming the snapshot format, idempotent re-runs, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.snapshot import parse_snapshot_record
from coolpapers.app.ingest.snapshot_import import import_snapshot
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.lookup import paper_by_arxiv_id
from coolpapers.app.store.models import Paper
from coolpapers.app.store.stats import table_counts

# Records as they appear in the arXiv metadata snapshot: JSON objects of mixed value types.
LINES: list[dict[str, Any]] = [
    {"id": "hep-ph/0703001", "submitter": "A", "authors": r"C. Bal\'azs and E. L. Berger (ANL)",
     "title": "Calculation of prompt diphoton\n  production cross sections", "comments": "37 pages",
     "journal-ref": "Phys.Rev.D76:013009,2007", "doi": "10.1103/PhysRevD.76.013009", "report-no": None,
     "categories": "hep-ph", "license": None, "abstract": "  A fully differential calculation\nin QCD.\n",
     "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
                  {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"}],
     "update_date": "2008-11-13", "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""]]},
    {"id": "0704.0002", "submitter": "B", "authors": "Ileana Streinu and Louis Theran",
     "title": "Sparsity-certifying Graph Decompositions", "comments": None, "journal-ref": None,
     "doi": None, "report-no": None, "categories": "math.CO cs.CG cs.NA", "license": None,
     "abstract": "  We describe a new algorithm.\n", "versions": [{"version": "v1",
     "created": "Sat, 31 Mar 2007 02:26:18 GMT"}], "update_date": "2008-12-13", "authors_parsed": []},
    {"id": "not an id", "title": "x", "categories": "cs.AI"},
]  # fmt: skip


def write(path: Path, extra: str = "") -> Path:
    path.write_text("\n".join(json.dumps(o) for o in LINES) + "\n" + extra, encoding="utf-8")
    return path


def test_import_stores_findable_papers_and_rerun_adds_nothing(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    file = write(tmp_path / "snap.jsonl", "{broken json\n\n")
    seen: list[int] = []
    report = import_snapshot(session_factory, file, batch_size=1, on_progress=seen.append)
    assert (report.inserted, report.bad) == (2, 2)
    assert [e.split(":")[0] for e in report.bad_examples] == ["line 3", "line 4"]
    assert sum(seen) == file.stat().st_size
    with session_scope(session_factory) as s:
        old = paper_by_arxiv_id(s, "hep-ph/0703001")
        assert old is not None
        assert old.version == 2 and old.authors == ["C. Balázs", "E. L. Berger"]
        assert old.title == "Calculation of prompt diphoton production cross sections"
        assert old.submitted_at is not None and old.submitted_at.year == 2007
        new = paper_by_arxiv_id(s, "0704.0002")
        assert new is not None
        assert [c.category for c in new.categories] == ["math.CO", "cs.CG", "math.NA"]  # cs.NA merged
        before = table_counts(s)
        assert before["announcements"] == 0  # history has no listing day
    again = import_snapshot(session_factory, file)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    with session_scope(session_factory) as s:
        assert table_counts(s) == before
        assert len(s.scalars(select(Paper.arxiv_id)).all()) == 2


@pytest.mark.parametrize(
    "created",
    [
        "Mon, 2 Apr 2007 19:18:42 GMT", "Sat, 31 Mar 2007 02:26:18 GMT", "2 Apr 2007 19:18:42 GMT",
        "Thu, 29 Feb 2024 23:59:59 GMT", "Fri, 30 Feb 2024 10:00:00 GMT", "Mon, 2 Apr 2007 24:00:00 GMT",
        "Mon, 2 Foo 2007 19:18:42 GMT", "Mon, 2 Apr 2007 19:18:42 +0200", "Mon, 2 Apr 07 19:18:42 GMT",
        "Mon, 02 Apr 2007 19:18 GMT", "not a date", "",
    ],
)  # fmt: skip
def test_version_dates_read_like_the_rfc_2822_parser(created: str) -> None:
    try:
        expected: dt.datetime | None = email.utils.parsedate_to_datetime(created)
    except (TypeError, ValueError, IndexError):
        expected = None
    if expected is not None and expected.tzinfo is None:
        expected = expected.replace(tzinfo=dt.UTC)
    record = parse_snapshot_record({**LINES[1], "versions": [{"version": "v1", "created": created}]})
    assert record.submitted_at == expected
    assert record.submitted_at is None or record.submitted_at.utcoffset() is not None


def test_stop_ends_the_import_after_the_batch_being_stored(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    file = write(tmp_path / "snap.jsonl")
    stop = threading.Event()
    report = import_snapshot(session_factory, file, batch_size=1, on_progress=lambda _: stop.set(), stop=stop)
    assert report.stopped and (report.lines, report.inserted) == (1, 1)
    with session_scope(session_factory) as s:
        assert table_counts(s)["papers"] == 1
