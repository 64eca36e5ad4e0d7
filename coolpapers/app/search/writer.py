"""Keeping the search index in step with the database (the one writer: the worker's indexer).

Papers are read in `changed_at` order from a watermark kept beside the index. A writer's
transaction can commit rows stamped slightly earlier than rows already indexed, so each pass
re-reads a short window below the watermark and skips the (id, changed_at) pairs it has
already indexed. Re-indexing a paper replaces its document, so repeats are harmless.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import tantivy
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.search.schema import SCHEMA_VERSION, build_schema, register_analyzers, to_document
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.index_changes import ChangeKey, changed_keys, papers_for_index

log = logging.getLogger(__name__)

STATE_FILE = "coolpapers-index.json"
LOCK_FILE = ".coolpapers-writer.lock"
TANTIVY_LOCKS = (".tantivy-meta.lock", ".tantivy-writer.lock")
# What an index directory holds (segment files, meta.json, .managed.json, our state file).
INDEX_SUFFIXES = {".idx", ".term", ".pos", ".store", ".fast", ".fieldnorm", ".del", ".json"}
OVERLAP = dt.timedelta(seconds=30)  # longer than any writer's transaction
KEY_BATCH = 5000
COMMIT_EVERY = 100_000  # long rebuilds become searchable in steps


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _decode_seen(raw: object) -> dict[int, dt.datetime]:
    if not isinstance(raw, dict):
        return {}
    return {int(pid): EPOCH + dt.timedelta(microseconds=int(us)) for pid, us in raw.items()}


def read_state(directory: Path) -> dict[str, object]:
    """The indexer's saved state (schema version, watermark); empty when missing or unreadable."""
    try:
        data = json.loads((directory / STATE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _watermark_of(state: dict[str, object]) -> dt.datetime | None:
    raw = state.get("watermark")
    return dt.datetime.fromisoformat(str(raw)) if raw else None


def read_watermark(directory: Path) -> dt.datetime | None:
    """The newest `changed_at` the indexer has committed, or None before its first pass (or when
    the state file is unreadable: a reader reports, it does not repair)."""
    try:
        return _watermark_of(read_state(directory))
    except ValueError:
        return None


class IndexLocked(Exception):
    """Another process is writing the index (only one writer may hold it)."""


class IndexDirectoryInUse(Exception):
    """The configured directory holds something other than a search index: never delete it."""


@dataclass
class SyncResult:
    indexed: int = 0
    seconds: float = 0.0


class IndexUpdater:
    def __init__(self, directory: Path, session_factory: sessionmaker[Session], heap_mb: int = 128) -> None:
        self.directory = directory
        self.session_factory = session_factory
        directory.mkdir(parents=True, exist_ok=True)
        # Our own lock, taken before anything is touched (tantivy's comes only with the writer).
        self._lock = (directory / LOCK_FILE).open("w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise IndexLocked(
                f"the search index in {directory} is being written by another process (is a worker running?)"
            ) from None
        try:
            state = self._prepare_directory()
            self.index = tantivy.Index(build_schema(), path=str(directory), reuse=True)
            register_analyzers(self.index)
            self.writer = self.index.writer(heap_mb * 1_000_000, 1)
        except BaseException:
            self._release()
            raise
        self.watermark: dt.datetime | None = _watermark_of(state)
        self._seen: dict[int, dt.datetime] = _decode_seen(state.get("recent"))
        # Documents added but not committed. Kept across passes: when the database fails midway
        # through one, the next pass commits them even if nothing else has changed by then.
        self._pending = 0
        if not (directory / STATE_FILE).exists():
            self.writer.commit()  # an empty, openable index right away, so readers stop waiting
            self._write_state()

    def _prepare_directory(self) -> dict[str, object]:
        """The saved state; an index of another layout is emptied, a foreign directory refused."""
        state = read_state(self.directory)
        files = [f for f in self.directory.iterdir() if f.name not in (LOCK_FILE, *TANTIVY_LOCKS)]
        if not files:
            return {}
        if not state and not (self.directory / "meta.json").exists():
            raise IndexDirectoryInUse(
                f"{self.directory} holds other files and no search index; "
                "set COOLPAPERS_SEARCH_INDEX_DIR to an empty or index-only directory"
            )
        if state.get("schema_version") != SCHEMA_VERSION:
            log.info("search index in %s has another layout; rebuilding it", self.directory)
            for file in files:
                if file.is_file() and file.suffix in INDEX_SUFFIXES:
                    file.unlink()
            return {}
        return state

    def _release(self) -> None:
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()

    def _write_state(self) -> None:
        watermark = self.watermark.isoformat() if self.watermark else None
        if self.watermark is not None:
            floor = self.watermark - OVERLAP
            self._seen = {pid: ch for pid, ch in self._seen.items() if ch >= floor}
        # The window's already-indexed pairs are saved too: a restarted indexer skips them
        # instead of re-indexing everything stored in the last OVERLAP (a bulk import's worth).
        recent = {str(pid): (ch - EPOCH) // dt.timedelta(microseconds=1) for pid, ch in self._seen.items()}
        state = {"schema_version": SCHEMA_VERSION, "watermark": watermark, "recent": recent}
        tmp = self.directory / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(state), "utf-8")
        tmp.replace(self.directory / STATE_FILE)

    def sync(
        self, commit_every: int | None = COMMIT_EVERY, should_stop: Callable[[], bool] | None = None
    ) -> SyncResult:
        """Index every paper changed since the last pass; commit when anything changed.

        `should_stop` is asked after each batch: a long pass (a first build, an import's worth)
        then ends early, committed, and the next pass carries on from there."""
        started = dt.datetime.now(dt.UTC)
        result = SyncResult()
        since = self.watermark - OVERLAP if self.watermark else None
        cursor: ChangeKey | None = None
        while True:
            with session_scope(self.session_factory) as session:
                keys = changed_keys(session, since, cursor, KEY_BATCH)
                todo = [k for k in keys if self._seen.get(k[0]) != k[1]]
                papers = papers_for_index(session, [pid for pid, _ in todo])
            if not keys:
                break
            cursor = keys[-1]
            for paper in papers:
                self.writer.delete_documents_by_term("arxiv_id", paper.arxiv_id)
                self.writer.add_document(to_document(paper))
            for pid, changed in todo:
                self._seen[pid] = changed
            newest = keys[-1][1]
            self.watermark = newest if self.watermark is None else max(self.watermark, newest)
            self._pending += len(papers)
            result.indexed += len(papers)
            if commit_every is not None and self._pending >= commit_every:
                self._commit()
            if should_stop is not None and should_stop():
                break
        if self._pending:
            self._commit()
        result.seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
        return result

    def _commit(self) -> None:
        self.writer.commit()
        self._pending = 0
        self._write_state()  # after the commit: a crash in between only re-indexes some papers

    def rebuild(self) -> SyncResult:
        """Drop every document and index the whole database again (readers switch at the commit)."""
        self.writer.delete_all_documents()
        self.watermark = None
        self._seen.clear()
        result = self.sync(commit_every=None)
        if result.indexed == 0:
            self._commit()  # an empty database empties the index too
        return result

    def close(self) -> None:
        self.writer.wait_merging_threads()
        self._release()
