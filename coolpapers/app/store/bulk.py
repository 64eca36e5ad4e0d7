"""Bulk row writers: one fast path per backend for the upserts in papers.py.

Values go through SQLAlchemy's own bind processors for each column (UTC datetimes, JSON),
so rows written here read back exactly like rows written through the ORM.

- PostgreSQL: psycopg's COPY, which encodes rows in C and streams them while the server
  inserts them. COPY cannot skip existing rows, so rows that should be new are copied
  inside a savepoint; if one exists after all (a concurrent writer, or a repeat in the
  batch), the savepoint is rolled back and the rows go through a temporary table and one
  INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING instead.
- SQLite: the driver's executemany on one prepared INSERT (no network; the cost is the
  per-row Python work, which this keeps to one tuple per row).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

Row = Sequence[Any]


class ConcurrentWrite(RuntimeError):
    """Rows about to be inserted appeared meanwhile and cannot be told apart from ours (SQLite)."""


_Processors = list[Callable[[Any], Any] | None]
_processor_cache: dict[tuple[str, str, tuple[str, ...]], _Processors] = {}


def _processors(dialect: Dialect, table: Table, columns: Sequence[str]) -> _Processors:
    key = (dialect.name, table.name, tuple(columns))
    found = _processor_cache.get(key)
    if found is None:
        found = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        _processor_cache[key] = found
    return found


def _bound(dialect: Dialect, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> list[Row]:
    """Rows as the driver would receive them from SQLAlchemy."""
    procs = _processors(dialect, table, columns)
    if not any(procs):
        return [tuple(row) for row in rows]
    return [tuple(v if p is None else p(v) for v, p in zip(row, procs, strict=True)) for row in rows]


def _cursor(session: Session) -> Any:
    """A raw psycopg cursor inside the session's current transaction (needed for COPY)."""
    return session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def _names(dialect: Dialect, columns: Sequence[str]) -> str:
    return ", ".join(dialect.identifier_preparer.quote(name) for name in columns)


def _copy(cursor: Any, target: str, values: Sequence[Row]) -> None:
    with cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def insert_new_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
    """Insert rows that cannot exist yet (e.g. children of rows created in this transaction).

    A conflict here is a bug, so it raises and the whole transaction rolls back.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    values = _bound(dialect, table, columns, rows)
    target = f"{dialect.identifier_preparer.format_table(table)} ({_names(dialect, columns)})"
    if dialect.name == "postgresql":
        with _cursor(session) as cursor:
            _copy(cursor, target, values)
        return
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(f"INSERT INTO {target} VALUES ({marks})", values)


def insert_missing_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Row],
    conflict: Sequence[str],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]] | None:
    """INSERT … ON CONFLICT (conflict) DO NOTHING for rows the caller just found missing.

    `rows` must not repeat a key. Returns None when every row was inserted. When some
    existed after all (a concurrent writer), PostgreSQL returns the `returning` columns of
    the rows that were inserted, and SQLite raises ConcurrentWrite.
    """
    if not rows:
        return None
    connection = session.connection()
    dialect = connection.dialect
    prep = dialect.identifier_preparer
    values = _bound(dialect, table, columns, rows)
    names = _names(dialect, columns)
    on_conflict = f"ON CONFLICT ({_names(dialect, conflict)}) DO NOTHING"
    if dialect.name != "postgresql":
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {prep.format_table(table)} ({names}) VALUES ({marks}) {on_conflict}"
        inserted = connection.exec_driver_sql(sql, values).rowcount
        if inserted != len(values):
            # Another process stored some of these rows between the caller's read and this write
            # (the driver starts the write transaction only here). Which rows are ours cannot be
            # told apart any more, so the transaction must not go on.
            raise ConcurrentWrite(
                f"{len(values) - inserted} of {len(values)} new {table.name} rows were stored by "
                "another writer meanwhile; nothing of this transaction was kept, run it again"
            )
        return None
    from psycopg.errors import UniqueViolation  # here: SQLite-only installs need not load libpq

    with _cursor(session) as cursor:
        cursor.execute("SAVEPOINT bulk_copy")
        try:
            _copy(cursor, f"{prep.format_table(table)} ({names})", values)
        except UniqueViolation:
            cursor.execute("ROLLBACK TO SAVEPOINT bulk_copy")
        else:
            cursor.execute("RELEASE SAVEPOINT bulk_copy")
            return None
        staging = prep.quote(f"bulk_{table.name}")
        # A temporary table is private to this connection and dropped at commit or rollback.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "
            f"SELECT {names} FROM {prep.format_table(table)} WITH NO DATA"
        )
        _copy(cursor, f"{staging} ({names})", values)
        tail = f" RETURNING {_names(dialect, returning)}" if returning else ""
        cursor.execute(
            f"INSERT INTO {prep.format_table(table)} ({names}) "
            f"SELECT {names} FROM {staging} {on_conflict}{tail}"
        )
        found = [tuple(r) for r in cursor.fetchall()] if returning else []
        cursor.execute(f"DELETE FROM {staging}")  # empty for the next conflict in this transaction
    return found
