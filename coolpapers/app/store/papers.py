"""Storing papers and their announcements: batched, idempotent upserts on both backends.

Every writer (the feed ingester, the on-demand API lookup, the history import, the demo
loader) goes through `store_papers` and `store_announcements`, so all of them get the same
rules: an older version never overwrites a newer one, known values are never replaced by
missing ones, and storing the same data twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, any_, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from coolpapers.app.arxiv.records import AnnouncementRecord, PaperRecord, StoreResult
from coolpapers.app.store.bulk import insert_missing_rows, insert_new_rows
from coolpapers.app.store.models import Announcement, Paper, PaperCategory, utcnow

# Fields copied from a record; None in a record means "unknown", never "erase".
_FIELDS = (
    "version", "title", "authors", "abstract", "comments", "journal_ref", "doi",
    "primary_category", "license", "submitted_at", "updated_at",
)  # fmt: skip
PAPERS = cast(Table, Paper.__table__)
CATEGORIES = cast(Table, PaperCategory.__table__)
ANNOUNCEMENTS = cast(Table, Announcement.__table__)
CHUNK = 500  # keeps every IN (...) list under SQLite's limit on parameters (999 before 3.32)
PG_CHUNK = 2000  # PostgreSQL takes 65,535 parameters; larger chunks mean fewer round trips


def _chunk_size(session: Session) -> int:
    return PG_CHUNK if session.get_bind().dialect.name == "postgresql" else CHUNK


def insert_for(session: Session, table: Table) -> Any:
    """The dialect's INSERT, which has ON CONFLICT support on both SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _values(rec: PaperRecord) -> dict[str, Any]:
    return {
        "arxiv_id": rec.arxiv_id,
        "version": rec.version,
        "title": rec.title,
        "authors": list(rec.authors),
        "abstract": rec.abstract,
        "comments": rec.comments,
        "journal_ref": rec.journal_ref,
        "doi": rec.doi,
        "primary_category": rec.primary_category,
        "license": rec.license,
        "submitted_at": rec.submitted_at,
        "updated_at": rec.updated_at,
    }


def _newest_per_id(records: Iterable[PaperRecord]) -> dict[str, PaperRecord]:
    newest: dict[str, PaperRecord] = {}
    for rec in records:
        have = newest.get(rec.arxiv_id)
        if have is None or rec.version >= have.version:
            newest[rec.arxiv_id] = rec
    return newest


def _changes(row: Any, rec: PaperRecord) -> dict[str, Any]:
    """Columns whose stored value the record would change (empty dict: nothing to do)."""
    if rec.version < row.version:
        return {}
    wanted = _values(rec)
    out: dict[str, Any] = {}
    for name in _FIELDS:
        value = wanted[name]
        if value is None:
            continue
        if getattr(row, name) != value:
            out[name] = value
    return out


_PAPER_COLUMNS = ("arxiv_id", *_FIELDS, "stored_at", "changed_at")
_CATEGORY_COLUMNS = ("paper_id", "category", "position")
_ANNOUNCEMENT_COLUMNS = ("paper_id", "category", "date", "type", "position")


def _keyed(columns: Sequence[Any], key: Any, param: str) -> dict[str, Select[Any]]:
    """SELECT columns WHERE key is one of the values of `param`, per backend, built once.

    SQLite gets an expanding IN (…); PostgreSQL one array parameter (= ANY), so its statement
    text stays the same for any number of keys: rendering and parsing an IN list of 2,000
    placeholders costs more than running the query.
    """
    return {
        "sqlite": select(*columns).where(key.in_(bindparam(param, expanding=True))),
        "postgresql": select(*columns).where(key == any_(bindparam(param, type_=ARRAY(key.type)))),
    }


_SELECT_ROWS = _keyed([PAPERS], PAPERS.c.arxiv_id, "keys")
_SELECT_IDS = _keyed([PAPERS.c.arxiv_id, PAPERS.c.id], PAPERS.c.arxiv_id, "keys")
_LISTED = ANNOUNCEMENTS.c
_SELECT_LISTED = _keyed([_LISTED.paper_id, _LISTED.category, _LISTED.date], _LISTED.paper_id, "keys")


def _select(session: Session, statements: dict[str, Select[Any]], keys: Iterable[Any]) -> Any:
    return session.execute(statements[session.get_bind().dialect.name], {"keys": list(keys)})


def _existing(session: Session, arxiv_ids: Sequence[str]) -> dict[str, Any]:
    return {row.arxiv_id: row for row in _select(session, _SELECT_ROWS, arxiv_ids)}


def _insert_fresh(session: Session, fresh: Sequence[PaperRecord]) -> dict[str, int]:
    """Insert papers not stored yet; returns {arxiv_id: id} of the rows this call created.

    A paper a concurrent writer stored since our read is left alone here (ON CONFLICT DO
    NOTHING) and is then compared like any existing row by the caller.
    """
    now = utcnow()
    rows = [
        (
            r.arxiv_id,
            r.version,
            r.title,
            list(r.authors),
            r.abstract,
            r.comments,
            r.journal_ref,
            r.doi,
            r.primary_category,
            r.license,
            r.submitted_at,
            r.updated_at,
            now,
            now,
        )
        for r in fresh
    ]  # in the order of _PAPER_COLUMNS
    created = insert_missing_rows(
        session, PAPERS, _PAPER_COLUMNS, rows, conflict=["arxiv_id"], returning=("arxiv_id", "id")
    )
    if created is not None:
        return {arxiv_id: pid for arxiv_id, pid in created}
    stored = _select(session, _SELECT_IDS, (r.arxiv_id for r in fresh))
    return {arxiv_id: pid for arxiv_id, pid in stored}


def store_papers(session: Session, records: Iterable[PaperRecord]) -> tuple[dict[str, int], StoreResult]:
    """Upsert papers and their category lists. Returns ({arxiv_id: row id}, counts)."""
    result = StoreResult()
    ids: dict[str, int] = {}
    newest = list(_newest_per_id(records).values())
    size = _chunk_size(session)
    for start in range(0, len(newest), size):
        chunk = newest[start : start + size]
        existing = _existing(session, [r.arxiv_id for r in chunk])
        fresh = [r for r in chunk if r.arxiv_id not in existing]
        created = _insert_fresh(session, fresh) if fresh else {}
        raced = [r.arxiv_id for r in fresh if r.arxiv_id not in created]
        if raced:
            existing.update(_existing(session, raced))
        ids.update(created)
        result.inserted += len(created)
        # Categories of papers created just now cannot exist yet: they are written without checks.
        insert_new_rows(
            session, CATEGORIES, _CATEGORY_COLUMNS,
            [(created[r.arxiv_id], cat, pos) for r in fresh if r.arxiv_id in created
             for pos, cat in enumerate(dict.fromkeys(r.categories))],
        )  # fmt: skip
        updated: list[tuple[int, PaperRecord]] = []
        for rec in chunk:
            row = existing.get(rec.arxiv_id)
            if row is None:
                continue
            ids[rec.arxiv_id] = row.id
            changes = _changes(row, rec)
            if changes:
                changes["changed_at"] = utcnow()
                session.execute(update(PAPERS).where(PAPERS.c.id == row.id).values(**changes))
                updated.append((row.id, rec))
                result.updated += 1
            else:
                result.unchanged += 1
        _replace_categories(session, updated)
    return ids, result


def _replace_categories(session: Session, pairs: Sequence[tuple[int, PaperRecord]]) -> None:
    """Rewrite the category lists of updated papers whose list changed."""
    if not pairs:
        return
    table = CATEGORIES
    current: dict[int, list[str]] = {}
    for pid, cat in session.execute(
        select(table.c.paper_id, table.c.category)
        .where(table.c.paper_id.in_([pid for pid, _ in pairs]))
        .order_by(table.c.paper_id, table.c.position)
    ):
        current.setdefault(pid, []).append(cat)
    stale = [(pid, r) for pid, r in pairs if current.get(pid) != list(dict.fromkeys(r.categories))]
    if not stale:
        return
    session.execute(delete(table).where(table.c.paper_id.in_([pid for pid, _ in stale])))
    rows = [(pid, cat, pos) for pid, rec in stale for pos, cat in enumerate(dict.fromkeys(rec.categories))]
    insert_missing_rows(session, table, _CATEGORY_COLUMNS, rows, conflict=_CATEGORY_COLUMNS[:2])


def store_announcements(
    session: Session, records: Iterable[AnnouncementRecord], paper_ids: dict[str, int]
) -> int:
    """Insert announcements that are not stored yet; returns how many were added."""
    table = ANNOUNCEMENTS
    rows = [
        (paper_ids[a.arxiv_id], a.category, a.date, a.type, a.position)
        for a in records
        if a.arxiv_id in paper_ids
    ]
    added = 0
    size = _chunk_size(session)
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        listed = _select(session, _SELECT_LISTED, {r[0] for r in chunk})
        have = {tuple(row) for row in listed}
        todo: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for r in chunk:  # the first of any repeats wins, as an INSERT of them all would keep it
            if r[:3] not in have:
                todo.setdefault(r[:3], r)
        if todo:
            # A concurrent writer's rows are skipped, not duplicated (nor counted).
            inserted = insert_missing_rows(
                session, table, _ANNOUNCEMENT_COLUMNS, list(todo.values()),
                conflict=_ANNOUNCEMENT_COLUMNS[:3], returning=("paper_id",),
            )  # fmt: skip
            added += len(todo) if inserted is None else len(inserted)
    return added
