"""Migrating a database that already holds data keeps every row: a database at the base revision
is filled (the demo days, a listing, a FAQ, counters, an unknown id), then upgraded one revision
at a time along the real chain in migrations/versions, and after each step every row is still
there with the values it had. New migrations are covered as soon as they are added."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, MetaData, Table, insert, inspect, select

from coolpapers.app.ingest.demo import load_demo
from coolpapers.app.store.counters import bump_counter
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.feeds import ensure_feeds
from coolpapers.app.store.migrate import alembic_config, upgrade
from coolpapers.app.store.models import Base, Faq, Paper
from coolpapers.app.store.unknown_ids import remember_unknown

Rows = dict[str, list[str]]  # table → its rows (the columns of the base revision), as sorted reprs
RENAMED = {"listings": "arxiv_feeds"}  # a table's base-revision name → its name since (names_0001)


def chain() -> list[str]:
    """Every revision, base first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def sample_data(tmp_path: Path) -> Engine:
    """A database at head holding a little of everything, written by the app's own code."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    load_demo(factory)
    with session_scope(factory) as session:
        ensure_feeds(session, ["cs.CL", "math"])
        first = session.scalars(select(Paper.id).order_by(Paper.id)).first()
        assert first is not None
        bump_counter(session, first, "stars", 1)
        remember_unknown(session, "2601.99999", "not found", dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
        session.add(Faq(paper_id=first, language="en", prompt_version="v1", status="done", markdown="## Q1"))
    return engine


def tables_at(engine: Engine) -> dict[str, Table]:
    """The tables as this database has them (keyed by that name), typed as the models are (so
    values read the same)."""
    found = inspect(engine)
    out = {}
    old_names = {new: old for old, new in RENAMED.items()}
    for model in Base.metadata.sorted_tables:
        name = model.name if found.has_table(model.name) else old_names.get(model.name, "")
        if not found.has_table(name):
            continue
        names = [c["name"] for c in found.get_columns(name) if c["name"] in model.c]
        columns = [Column(n, model.c[n].type, primary_key=model.c[n].primary_key) for n in names]
        out[name] = Table(name, MetaData(), *columns)
    return out


def as_in(engine: Engine, table: Table) -> Table:
    """`table` under the name this database gives it (its new name once renamed)."""
    if inspect(engine).has_table(table.name) or table.name not in RENAMED:
        return table
    return Table(RENAMED[table.name], MetaData(), *(Column(c.name, c.type, primary_key=c.primary_key)
                                                    for c in table.c))  # fmt: skip


def rows_of(engine: Engine, tables: dict[str, Table]) -> Rows:
    with engine.connect() as conn:
        return {name: sorted(repr(tuple(r)) for r in conn.execute(select(as_in(engine, t))))
                for name, t in tables.items()}  # fmt: skip


def copy_rows(source: Engine, target: Engine, tables: dict[str, Table]) -> None:
    with source.connect() as src, target.begin() as dst:
        for table in tables.values():  # models' order: referenced tables first
            rows: list[dict[str, Any]] = [dict(r._mapping) for r in src.execute(select(as_in(source, table)))]
            if rows:
                dst.execute(insert(table), rows)


@pytest.fixture(params=["sqlite", "postgres"])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    url: str = request.getfixturevalue("blank_pg_url")
    return url


def test_every_revision_keeps_the_rows_stored_before_it(blank_url: str, tmp_path: Path) -> None:
    revisions = chain()
    upgrade(blank_url, revisions[0])
    source, target = sample_data(tmp_path), make_engine(blank_url)
    try:
        base = tables_at(target)
        copy_rows(source, target, base)
        before = rows_of(source, base)
        assert all(before[t] for t in ("papers", "announcements", "listings", "faqs", "paper_counters"))
        assert len(before["papers"]) == 791  # the two demo days
        for revision in revisions[1:]:
            upgrade(blank_url, revision)
            target.dispose()  # a migration may rebuild tables (SQLite): read with fresh connections
            assert rows_of(target, base) == before, f"rows changed by migration {revision}"
        assert rows_of(target, base) == before
    finally:
        source.dispose()
        target.dispose()
