"""`alembic upgrade head` must produce exactly the models' schema, on SQLite and on PostgreSQL."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from coolpapers.app.store.db import make_engine
from coolpapers.app.store.migrate import current_heads, upgrade
from coolpapers.app.store.models import Base


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(ctx, Base.metadata))
    finally:
        engine.dispose()


def _schema(url: str) -> dict[str, list[str]]:
    engine = make_engine(url)
    try:
        insp = inspect(engine)
        return {t: sorted(c["name"] for c in insp.get_columns(t)) for t in insp.get_table_names()}
    finally:
        engine.dispose()


def test_single_head() -> None:
    assert len(current_heads()) == 1


def test_upgrade_blank_sqlite_matches_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'blank.db'}"
    upgrade(url)
    assert _diff(url) == []


def test_upgrade_blank_postgres_matches_models_and_sqlite(blank_pg_url: str, tmp_path: Path) -> None:
    upgrade(blank_pg_url)
    assert _diff(blank_pg_url) == []
    sqlite_url = f"sqlite:///{tmp_path / 'blank.db'}"
    upgrade(sqlite_url)
    assert _schema(blank_pg_url) == _schema(sqlite_url)


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'again.db'}"
    upgrade(url)
    upgrade(url)
    assert _diff(url) == []
