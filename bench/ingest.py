"""Ingestion benchmark: `python -m bench.ingest [--records N] [--pg URL]`.

1. A 5,000-item RSS response parsed and stored (target < 5 s), on SQLite and, with
   --pg (or COOLPAPERS_TEST_DATABASE_URL), on PostgreSQL.
2. `coolpapers import` of a snapshot-format file of N records (default 200,000) built from
   the bundled real days with varied ids: records/s (target ≥ 5,000) and the import
   process's peak RSS (target < 500 MB), measured in a child process. The records/s
   include the command's start-up (about 1 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from coolpapers.app.arxiv.announce import derive_announcements
from coolpapers.app.arxiv.rss import parse_feed
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.migrate import upgrade
from coolpapers.app.store.papers import store_announcements, store_papers
from tests.fake_arxiv.data import SamplePaper, load_days
from tests.fake_arxiv.render import feed_items, render_rss

DAY = dt.date(2026, 6, 10)


def samples() -> list[SamplePaper]:
    seen: dict[str, SamplePaper] = {}
    for papers in load_days().values():
        for p in papers:
            seen.setdefault(p.arxiv_id, p)
    return list(seen.values())


def varied_id(n: int) -> str:
    month = 1501 + (n // 90000) % 12 + 100 * ((n // (90000 * 12)) % 10)
    return f"{month}.{n % 90000 + 1:05d}"


def big_feed(items: int) -> bytes:
    base = samples()
    papers = [replace(base[i % len(base)], arxiv_id=varied_id(i)) for i in range(items)]
    return render_rss("cs+math+physics", DAY, feed_items(papers, {p.primary for p in base}))


def time_feed(url: str, body: bytes) -> tuple[float, int]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    start = time.perf_counter()
    feed = parse_feed(body)
    with session_scope(factory) as session:
        ids, _ = store_papers(session, (i.paper for i in feed.items))
        added = store_announcements(session, derive_announcements(feed.date, feed.items), ids)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed, added


def write_snapshot(path: Path, records: int) -> None:
    base = samples()
    with path.open("w", encoding="utf-8") as out:
        for n in range(records):
            p = base[n % len(base)]
            authors = ", ".join(p.authors[:-1]) + (" and " if len(p.authors) > 1 else "") + p.authors[-1]
            obj = {
                "id": varied_id(n), "submitter": p.authors[0], "authors": authors,
                "title": p.title.replace(" ", "\n  ", 1), "comments": p.comment, "journal-ref": None,
                "doi": None, "report-no": None, "categories": " ".join(p.categories),
                "license": "http://creativecommons.org/licenses/by/4.0/",
                "abstract": "  " + p.abstract.replace(". ", ".\n", 3) + "\n",
                "versions": [{"version": "v1", "created": "Mon, 8 Jun 2026 12:00:00 GMT"}],
                "update_date": "2026-06-10",
                "authors_parsed": [[a.split()[-1], " ".join(a.split()[:-1]), ""] for a in p.authors],
            }  # fmt: skip
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")


# Runs `coolpapers import PATH` and writes the process's peak RSS (kB) to the file named by
# the first argument. VmHWM is the peak of the process's own memory since exec: getrusage's
# ru_maxrss would also count the pages the child shared with this (large) parent at fork.
_IMPORT_CHILD = """
import atexit, sys
peak_file = sys.argv.pop(1)
def report_peak():
    with open("/proc/self/status") as status, open(peak_file, "w") as out:
        out.write(next(line for line in status if line.startswith("VmHWM:")).split()[1])
atexit.register(report_peak)
from coolpapers.cli.main import main
main(["import", *sys.argv[1:]])
"""


def time_import(url: str, path: Path, records: int) -> tuple[float, float]:
    """Records/s and the peak RSS (MB) of one `coolpapers import` process."""
    env = {**os.environ, "COOLPAPERS_DATABASE_URL": url}
    peak_file = path.with_suffix(".peak")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _IMPORT_CHILD, str(peak_file), str(path)], env=env, check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    return records / elapsed, int(peak_file.read_text()) / 1024


def pg_database(admin: str) -> str:
    name = f"cp_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    return url


def drop_pg(admin: str, url: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--pg", default=os.environ.get("COOLPAPERS_TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    # Other work on the machine slows every number here; the load average says how much.
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory() as tmp:
        backends = [("sqlite", f"sqlite:///{tmp}/feed.db")]
        if args.pg:
            backends.append(("postgresql", pg_database(args.pg)))
        body = big_feed(args.items)
        print(f"RSS response: {args.items} items, {len(body) / 1e6:.1f} MB")
        for name, url in backends:
            if name == "sqlite":
                upgrade(url)
            elapsed, added = time_feed(url, body)
            print(f"  {name}: parsed and stored in {elapsed:.2f} s ({added} listing entries)  target < 5 s")
        snapshot = Path(tmp) / "snapshot.jsonl"
        write_snapshot(snapshot, args.records)
        print(f"snapshot: {args.records} records, {snapshot.stat().st_size / 1e6:.0f} MB")
        import_backends = [("sqlite", f"sqlite:///{tmp}/import.db")]
        if args.pg:
            import_backends.append(("postgresql", pg_database(args.pg)))
        for name, url in import_backends:
            if name == "sqlite":
                upgrade(url)
            rate, peak = time_import(url, snapshot, args.records)
            print(f"  import {name}: {rate:,.0f} records/s (target ≥ 5,000), peak RSS {peak:.0f} MB "
                  "(target < 500 MB)")  # fmt: skip
        for name, url in [*backends, *import_backends]:
            if name == "postgresql":
                drop_pg(args.pg, url)
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
