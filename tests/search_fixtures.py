"""A web app over the bundled sample days with a built search index, shared by the search tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from coolpapers.app.arxiv.records import PaperRecord
from coolpapers.app.ingest.demo import load_demo
from coolpapers.app.search.writer import IndexUpdater
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.papers import store_papers
from coolpapers.app.web.app import create_app
from tests.conftest import make_settings

# A paper whose title would break a page that forgot to escape it.
HOSTILE = PaperRecord(
    arxiv_id="2606.99001",
    title='<script>alert("x")</script> Escaping tarsier titles',
    authors=("Eve <Evil>",),
    abstract="Tarsier & friends: <b>not bold</b> text.",
    categories=("cs.CR",),
    submitted_at=dt.datetime(2020, 5, 1, tzinfo=dt.UTC),
)


def demo_app(database_url: str, index_dir: Path, *, build_index: bool = True) -> FastAPI:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    load_demo(factory)
    with session_scope(factory) as session:
        store_papers(session, [HOSTILE])
    if build_index:
        updater = IndexUpdater(index_dir, factory)
        updater.sync()
        updater.close()
    engine.dispose()
    return create_app(make_settings(database_url=database_url, search_index_dir=str(index_dir)))


def client_for(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)
