"""History import: arXiv's metadata snapshot (Kaggle "arxiv-metadata-oai-snapshot", JSON lines).

The file is several GB, so it is streamed line by line and stored in batches, each in
its own transaction: memory stays flat, and after Ctrl-C at most the batch being stored
is lost. Running it again skips what is stored (the upserts find nothing to change), so
an interrupted import resumes by simply starting it again.

Parsing and storing run one after the other in this thread. Overlapping them was
measured on a 2-core machine: a writer thread gained nothing (both halves are Python and
take turns under the GIL), and a parser process lost as often as it won (pickling the
records adds CPU work, and the database needs the second core).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.records import PaperRecord, StoreResult
from coolpapers.app.arxiv.snapshot import parse_snapshot_lines
from coolpapers.app.store.bulk import ConcurrentWrite
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.papers import store_papers

BATCH_SIZE = 2000
CONCURRENT_WRITE_ATTEMPTS = 3


@dataclass
class ImportReport:
    lines: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    bad: int = 0
    bad_examples: list[str] = field(default_factory=list)  # the first few reasons, for the summary
    stopped: bool = False  # `stop` was set before the end of the file

    @property
    def stored(self) -> int:
        return self.inserted + self.updated + self.unchanged


def _read_batches(path: Path, batch_size: int) -> Iterator[tuple[list[bytes], int]]:
    """Non-blank lines in batches, each with the bytes of the file it covers."""
    batch: list[bytes] = []
    size = 0
    with path.open("rb") as file:
        for line in file:
            size += len(line)
            if line.strip():
                batch.append(line)
            if len(batch) >= batch_size:
                yield batch, size
                batch, size = [], 0
    yield batch, size


@contextmanager
def _older_objects_frozen() -> Iterator[None]:
    """Let garbage collections skip every object that exists before the import.

    The import allocates millions of short-lived objects, and each full collection would
    re-scan the ~100,000 long-lived ones of the loaded libraries: 6-7% of an import's time.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def import_snapshot(
    factory: sessionmaker[Session],
    path: Path,
    *,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
) -> ImportReport:
    """Store every usable record of the file; `on_progress(bytes_read)` after each batch.

    `stop`: when set (e.g. by Ctrl-C), the import ends after committing the current batch.
    """
    report = ImportReport()
    with _older_objects_frozen():
        _import_batches(factory, path, batch_size, on_progress, stop, report)
    return report


def _import_batches(
    factory: sessionmaker[Session],
    path: Path,
    batch_size: int,
    on_progress: Callable[[int], None] | None,
    stop: threading.Event | None,
    report: ImportReport,
) -> None:
    for lines, size in _read_batches(path, batch_size):
        if stop is not None and stop.is_set():
            report.stopped = True
            break
        records, bad = parse_snapshot_lines(lines)
        for index, reason in bad:
            if len(report.bad_examples) < 5:
                report.bad_examples.append(f"line {report.lines + index + 1}: {reason}")
        report.lines += len(lines)
        report.bad += len(bad)
        if records:
            result = _store_batch(factory, records)
            report.inserted += result.inserted
            report.updated += result.updated
            report.unchanged += result.unchanged
        if on_progress is not None:
            on_progress(size)


def _store_batch(factory: sessionmaker[Session], records: list[PaperRecord]) -> StoreResult:
    """One transaction; run again when another process stored some of these papers between our
    read and our write (SQLite), which rolled it back: the next read sees their rows."""
    attempt = 1
    while True:
        try:
            with session_scope(factory) as session:
                return store_papers(session, records)[1]
        except ConcurrentWrite:
            if attempt >= CONCURRENT_WRITE_ATTEMPTS:
                raise
            attempt += 1
