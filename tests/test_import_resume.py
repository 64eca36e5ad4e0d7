"""`coolpapers import` stopped by Ctrl-C (SIGINT) and run again ends like one uninterrupted import."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, make_url, select
from sqlalchemy.orm import Session

from coolpapers.app.ingest.snapshot_import import import_snapshot
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.models import Paper, PaperCategory
from coolpapers.app.store.stats import table_counts
from tests.conftest import _pg_admin_url, _pg_exec

RECORDS = 40_000
REPEATS = range(0, RECORDS, 1000)  # ids seen again later in the file, as a newer version
CREATED = "Mon, 2 Apr 2007 19:18:42 GMT"
CATEGORIES = ["cs.CL cs.AI", "math.NA cs.NA", "hep-th", "astro-ph.GA astro-ph", "stat.ML cs.LG math.ST"]


def record(n: int, version: int = 1) -> dict[str, Any]:
    return {
        "id": f"{2001 + n // 90000}.{n % 90000 + 1:05d}", "submitter": "A", "authors": "A. One and B. Two",
        "title": f"On the Schr\\\"odinger\n  problem number {n} (v{version})", "comments": f"{n % 40} pages",
        "journal-ref": None, "doi": None, "report-no": None, "categories": CATEGORIES[n % len(CATEGORIES)],
        "license": None, "abstract": f"  We study case {n}.\nIt is wrapped at\n  an indent.\n",
        "versions": [{"version": f"v{v}", "created": CREATED} for v in range(1, version + 1)],
        "update_date": "2008-11-13", "authors_parsed": [["One", "A.", ""], ["Two", "B.", ""]],
    }  # fmt: skip


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("resume") / "snapshot.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(RECORDS):
            out.write(json.dumps(record(n)) + "\n")
            if n % 997 == 0:
                out.write("{not json\n")
        for n in REPEATS:
            out.write(json.dumps(record(n, version=2)) + "\n")
    return path


@pytest.fixture
def reference_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second fresh database of the same backend, for the uninterrupted import."""
    if database_url.startswith("sqlite"):
        path = tmp_path / "reference.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin = _pg_admin_url()
    assert admin is not None
    name = f"cp_ref_{uuid.uuid4().hex[:10]}"
    _pg_exec(admin, f'CREATE DATABASE "{name}" TEMPLATE "{make_url(database_url).database}"')
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    _pg_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_import(url: str, path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "COOLPAPERS_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "coolpapers.cli.main", "import", str(path), "--batch-size", "500"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def paper_count(engine: Engine) -> int:
    with session_scope(make_session_factory(engine)) as s:
        return table_counts(s)["papers"]


def contents(session: Session) -> tuple[dict[str, int], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    columns = (Paper.arxiv_id, Paper.version, Paper.title, Paper.authors, Paper.abstract)
    papers = session.execute(select(*columns).order_by(Paper.arxiv_id)).all()
    categories = session.execute(
        select(Paper.arxiv_id, PaperCategory.category, PaperCategory.position)
        .join(Paper, Paper.id == PaperCategory.paper_id)
        .order_by(Paper.arxiv_id, PaperCategory.position)
    ).all()
    return table_counts(session), [tuple(p) for p in papers], [tuple(c) for c in categories]


def test_ctrl_c_midway_then_rerun_equals_one_uninterrupted_import(
    database_url: str, reference_url: str, snapshot: Path
) -> None:
    engine = make_engine(database_url)
    try:
        first = start_import(database_url, snapshot)
        deadline = time.monotonic() + 60
        while paper_count(engine) < RECORDS // 5:  # well under way, far from done
            assert first.poll() is None, f"import ended before it was interrupted: {first.communicate()}"
            assert time.monotonic() < deadline, "import made no progress"
            time.sleep(0.02)
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=60)
        assert first.returncode == 130, err
        assert "interrupted" in err and "Traceback" not in err
        stored = paper_count(engine)
        assert RECORDS // 5 <= stored < RECORDS  # interrupted midway: some batches kept, not all

        second = start_import(database_url, snapshot)
        out, err = second.communicate(timeout=300)
        assert second.returncode == 0, err
        assert f"{RECORDS + len(REPEATS) + 41} records read" in out  # 41 broken lines, counted and skipped

        reference = make_engine(reference_url)
        try:
            report = import_snapshot(make_session_factory(reference), snapshot)
            assert (report.inserted, report.bad) == (RECORDS, 41)
            with session_scope(make_session_factory(reference)) as s:
                expected = contents(s)
        finally:
            reference.dispose()
        with session_scope(make_session_factory(engine)) as s:
            actual = contents(s)
        assert actual[0] == expected[0]  # table counts: nothing lost, nothing duplicated
        assert actual[0]["papers"] == RECORDS and actual[0]["announcements"] == 0
        assert actual[1] == expected[1] and actual[2] == expected[2]
        assert dict((p[0], p[1]) for p in actual[1])["2001.00001"] == 2  # the later, newer version won
    finally:
        engine.dispose()
