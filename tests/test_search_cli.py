"""`coolpapers search reindex`: rebuilds from the database, and refuses politely while another writer runs."""

from pathlib import Path

from coolpapers.app.search.engine import SearchIndex
from coolpapers.app.search.writer import IndexUpdater
from coolpapers.app.store.db import make_engine, make_session_factory
from tests.test_cli import run_cli


def test_reindex_builds_the_index_and_one_writer_at_a_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"COOLPAPERS_DATABASE_URL": url, "COOLPAPERS_SEARCH_INDEX_DIR": str(tmp_path / "index")}
    assert run_cli("db", "upgrade", env=env).returncode == 0
    assert run_cli("demo", env=env).returncode == 0
    done = run_cli("search", "reindex", env=env)
    assert done.returncode == 0 and "791 papers indexed" in done.stdout, done.stderr
    assert SearchIndex(tmp_path / "index").search("after:2000-01-01").matches == 791

    engine = make_engine(url)
    holder = IndexUpdater(tmp_path / "index", make_session_factory(engine))  # e.g. a running worker
    try:
        refused = run_cli("search", "reindex", env=env)
    finally:
        holder.close()
        engine.dispose()
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "another process" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
