"""The indexer follows the database (inserts, updates, late commits, restarts) on both backends."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.records import PaperRecord
from coolpapers.app.ingest.demo import iter_days, load_demo
from coolpapers.app.search.engine import IndexNotReady, SearchIndex
from coolpapers.app.search.writer import IndexLocked, IndexUpdater
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.models import Paper
from coolpapers.app.store.papers import store_papers


def _record(arxiv_id: str, title: str, version: int = 1, abstract: str = "An abstract.") -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id, title=title, authors=("Ada Lovelace", "Alan Turing"), abstract=abstract,
        categories=("cs.CL", "cs.AI"), version=version,
        submitted_at=dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC),
    )  # fmt: skip


def _ids(index: SearchIndex, query: str) -> list[str]:
    return [h.arxiv_id for h in index.search(query, size=50).hits]


def test_index_follows_inserts_and_updates(session_factory: sessionmaker[Session], tmp_path: Path) -> None:
    load_demo(session_factory)
    directory = tmp_path / "index"
    reader = SearchIndex(directory)
    with pytest.raises(IndexNotReady):
        reader.search("graph")
    updater = IndexUpdater(directory, session_factory)
    assert updater.sync().indexed == 791
    assert reader.search("after:2000-01-01").matches == 791
    assert reader.search("after:0001-01-01 before:9999-12-31").matches == 791  # clamped, not refused
    assert updater.sync().indexed == 0  # nothing changed since

    with session_scope(session_factory) as session:
        store_papers(session, [_record("2606.99999", "Quokka attention for zebrafish")])
    assert updater.sync().indexed == 1
    assert _ids(reader, "quokka zebrafish") == ["2606.99999"]

    # A new version renames the paper: the old words stop finding it, the new ones do.
    with session_scope(session_factory) as session:
        store_papers(session, [_record("2606.99999", "Wombat diffusion", version=2)])
    assert updater.sync().indexed == 1
    assert _ids(reader, "quokka") == []
    assert _ids(reader, "wombat") == ["2606.99999"]
    assert reader.search("2606.99999").matches == 1  # replaced, not duplicated
    updater.close()

    # A restarted indexer skips what it indexed, even inside the window below its watermark...
    restarted = IndexUpdater(directory, session_factory)
    assert restarted.sync().indexed == 0
    restarted.close()
    # ...and re-reads only that window: older rows stay, a row re-stamped inside it is redone.
    assert updater.watermark is not None
    with session_scope(session_factory) as session:
        session.execute(update(Paper).values(changed_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
        renamed = update(Paper).where(Paper.arxiv_id == "2606.99999")
        session.execute(renamed.values(changed_at=updater.watermark - dt.timedelta(seconds=1)))
    again = IndexUpdater(directory, session_factory)
    assert again.sync().indexed == 1
    assert reader.search("2606.99999").matches == 1
    assert reader.search("after:2000-01-01").matches == 792
    again.close()


def test_a_late_commit_below_the_watermark_is_still_indexed(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    updater = IndexUpdater(tmp_path / "index", session_factory)
    with session_scope(session_factory) as session:
        store_papers(session, [_record("2606.90001", "First platypus")])
    updater.sync()
    # Another writer's transaction stamped its row earlier than the watermark but commits now.
    with session_scope(session_factory) as session:
        store_papers(session, [_record("2606.90002", "Second platypus")])
        assert updater.watermark is not None
        session.execute(
            update(Paper)
            .where(Paper.arxiv_id == "2606.90002")
            .values(changed_at=updater.watermark - dt.timedelta(seconds=10))
        )
    assert updater.sync().indexed == 1
    assert sorted(_ids(SearchIndex(tmp_path / "index"), "platypus")) == ["2606.90001", "2606.90002"]
    updater.close()


def test_one_writer_at_a_time_and_rebuild(sqlite_url: str, tmp_path: Path) -> None:
    from coolpapers.app.store.db import make_engine, make_session_factory

    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        _, day = next(iter_days())
        store_papers(session, [item.paper for item in day])
    first = IndexUpdater(tmp_path / "index", factory)
    with pytest.raises(IndexLocked, match="another process"):
        IndexUpdater(tmp_path / "index", factory)
    first.sync()
    count = SearchIndex(tmp_path / "index").search("after:2000-01-01").matches
    assert count == len(day) > 0
    assert first.rebuild().indexed == count
    assert SearchIndex(tmp_path / "index").search("after:2000-01-01").matches == count
    first.close()
    engine.dispose()


def test_a_foreign_directory_is_refused_and_an_old_layout_rebuilt(sqlite_url: str, tmp_path: Path) -> None:
    from coolpapers.app.search.writer import STATE_FILE, IndexDirectoryInUse
    from coolpapers.app.store.db import make_engine, make_session_factory

    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        store_papers(session, [_record("2606.90003", "Axolotl regeneration")])
    foreign = tmp_path / "data"
    foreign.mkdir()
    (foreign / "coolpapers.db").write_text("precious")
    with pytest.raises(IndexDirectoryInUse):
        IndexUpdater(foreign, factory)
    assert (foreign / "coolpapers.db").read_text() == "precious"
    with pytest.raises(IndexDirectoryInUse):  # refused again, not "locked": the first released its lock
        IndexUpdater(foreign, factory)

    directory = tmp_path / "index"
    updater = IndexUpdater(directory, factory)
    updater.sync()
    updater.close()
    state = directory / STATE_FILE
    state.write_text(state.read_text().replace('"schema_version": 1', '"schema_version": 0'))
    rebuilt = IndexUpdater(directory, factory)
    assert rebuilt.watermark is None and rebuilt.sync().indexed == 1
    assert _ids(SearchIndex(directory), "axolotl") == ["2606.90003"]
    rebuilt.close()
    engine.dispose()


def test_a_pass_asked_to_stop_ends_after_its_batch_and_the_next_carries_on(
    session_factory: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker told to stop during a long pass (a first build) must not wait for the whole of it."""
    monkeypatch.setattr("coolpapers.app.search.writer.KEY_BATCH", 2)
    with session_scope(session_factory) as session:
        store_papers(session, [_record(f"2606.0000{n}", f"Paper number {n}") for n in range(1, 6)])
    directory = tmp_path / "index"
    updater = IndexUpdater(directory, session_factory)
    asked: list[int] = []

    def stop_now() -> bool:
        asked.append(1)
        return True

    first = updater.sync(should_stop=stop_now)
    assert (first.indexed, len(asked)) == (2, 1)  # asked after the first batch, and stopped there
    assert SearchIndex(directory).search("paper").matches == 2  # what it did is committed
    assert updater.sync(should_stop=lambda: False).indexed == 3  # the rest, nothing twice
    assert SearchIndex(directory).search("paper").matches == 5
    updater.close()
