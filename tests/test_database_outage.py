"""The database going away under a running web app: a clear, retryable 503 on every page and API
route that needs it (never a 500, never where the server lives), and 200 again as soon as it is
back, without a restart. bench/drills restarts a real PostgreSQL under load; this is its test."""

from __future__ import annotations

import pytest
import sqlalchemy.exc
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from coolpapers.app.ingest.demo import load_demo
from coolpapers.app.store.db import make_engine, make_session_factory
from coolpapers.app.web.app import create_app
from tests.conftest import make_settings
from tests.test_duty_resilience import proxied


def _load_demo(url: str) -> None:
    engine = make_engine(url)
    try:
        load_demo(make_session_factory(engine))
    finally:
        engine.dispose()


def test_pages_answer_503_while_the_database_is_away_and_heal_without_restart(pg_url: str) -> None:
    _load_demo(pg_url)
    with proxied(pg_url) as (proxy, url):
        proxy.up()
        with TestClient(create_app(make_settings(database_url=url))) as client:
            listing = client.get("/api/arxiv/cs.LG", params={"size": 1}).json()
            paper = listing["papers"][0]["arxiv_id"]
            pages = [f"/arxiv/{paper}", f"/api/papers/{paper}", "/status", "/api/status"]
            assert [client.get(p).status_code for p in pages] == [200] * len(pages)

            proxy.down()
            for path in pages:
                answer = client.get(path)
                assert answer.status_code == 503, (path, answer.status_code, answer.text[:300])
                assert answer.headers["retry-after"] == "5"
                assert str(proxy.port) not in answer.text and "127.0.0.1" not in answer.text
                if path.startswith("/api/"):
                    assert answer.json()["error"]["code"] == "unavailable"
                else:
                    assert "text/html" in answer.headers["content-type"]
                    assert "try again shortly" in answer.text

            proxy.up()
            assert [client.get(p).status_code for p in pages] == [200] * len(pages)


def test_a_refused_connection_is_a_503_for_the_api_too() -> None:
    # Nothing listens on port 1: the first request of the app's life finds no database.
    settings = make_settings(database_url="postgresql+psycopg://u:hunter2@127.0.0.1:1/none")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        answer = client.get("/api/papers/2406.00001")
        assert answer.status_code == 503
        assert "hunter2" not in answer.text and ":1" not in answer.text


def test_a_write_the_database_refuses_to_commit_is_a_503_not_a_200(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The database can go away between a request's query and its commit. The reader must hear
    # so (503) rather than get a 200 for a star that was never stored, or a cut connection.
    _load_demo(sqlite_url)
    with TestClient(create_app(make_settings(database_url=sqlite_url))) as client:
        paper = client.get("/api/arxiv/cs.LG", params={"size": 1}).json()["papers"][0]["arxiv_id"]
        real_commit = Session.commit

        def refused(session: Session) -> None:
            raise sqlalchemy.exc.OperationalError("COMMIT", {}, Exception("server closed the connection"))

        monkeypatch.setattr(Session, "commit", refused)
        answer = client.post(f"/api/papers/{paper}/star")
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "unavailable"
        monkeypatch.setattr(Session, "commit", real_commit)
        counters = client.get(f"/api/papers/{paper}").json()["counters"]
        assert counters["stars"] == 0  # nothing was stored, and nobody was told it was
