"""For you on the listing API: `GET /api/arxiv/{cats}?sort=foryou&liked=…` and its POST twin, the
ids it ignores (and says so), its limits, the fallback to arXiv order, and the text model the
worker stores (app/ranking/refit.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import pickle
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.ingest.demo import load_demo
from coolpapers.app.ranking.foryou import CATEGORY_WEIGHT
from coolpapers.app.ranking.refit import RefitFailed, needs_refit, refit
from coolpapers.app.ranking.text_model import VERSION
from coolpapers.app.settings import Settings
from coolpapers.app.store.db import make_engine, make_session_factory
from coolpapers.app.store.text_models import model_by_id, newest_model_id
from coolpapers.app.web.app import create_app
from coolpapers.worker.context import WorkerContext
from coolpapers.worker.text_model import text_model_keeper
from tests.conftest import make_settings

DAY = "2026-06-09"


@pytest.fixture
def client(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    load_demo(session_factory)
    with TestClient(create_app(settings)) as c:
        yield c


def _listing(client: TestClient, **params: Any) -> dict[str, Any]:
    answer = client.get("/api/arxiv/cs.CL", params={"date": DAY, "size": 500, **params})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_the_day_is_ordered_by_similarity_to_the_liked_papers(client: TestClient) -> None:
    day = _listing(client)["papers"]
    liked = [p["arxiv_id"] for p in day[10:15]]
    spelled = [f"arXiv:{liked[0]}", f"{liked[1]}v1", *liked[2:], liked[0], "not-an-id", "2401.99999"]
    ranked = _listing(client, sort="foryou", liked=",".join(spelled))
    assert ranked["sort"] == "foryou" and ranked["hint"] is None
    assert ranked["liked"] == {"used": 5, "unknown": 1, "malformed": 1, "duplicate": 1}
    papers = ranked["papers"]
    assert sorted(p["arxiv_id"] for p in papers) == sorted(p["arxiv_id"] for p in day)  # the same day
    scores = [p["score"] for p in papers]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert {p["arxiv_id"] for p in papers[:5]} == set(liked)  # each liked paper is closest to itself
    assert all(p["because"] == p["arxiv_id"] for p in papers[:5])
    others = [p for p in papers[5:] if p["score"] > 0]
    assert others and all(p["because"] in liked for p in others)


def test_liked_papers_add_their_categories_to_their_words(client: TestClient) -> None:
    """The same five papers liked by id (their categories known) and as bare texts (words only):
    each score differs by the category term alone, which every paper of a cs.CL day earns."""
    day = _listing(client)["papers"]
    liked = day[20:25]
    by_id = _listing(client, sort="foryou", liked=[p["arxiv_id"] for p in liked])["papers"]
    texts = [{"title": p["title"], "abstract": p["abstract"]} for p in liked]
    posted = client.post("/api/arxiv/cs.CL", params={"date": DAY, "size": 500}, json={"texts": texts})
    as_text = {p["arxiv_id"]: p["score"] for p in posted.json()["papers"]}
    gains = [p["score"] - as_text[p["arxiv_id"]] for p in by_id]
    assert all(0 < g <= CATEGORY_WEIGHT + 1e-5 for g in gains)
    assert max(gains) == pytest.approx(CATEGORY_WEIGHT, abs=0.01)  # a paper in just their categories


def test_post_takes_the_same_profile_in_a_body_and_keywords_count(client: TestClient) -> None:
    day = _listing(client)["papers"]
    liked = [p["arxiv_id"] for p in day[:3]]
    got = _listing(client, sort="foryou", liked=liked)
    posted = client.post("/api/arxiv/cs.CL", params={"date": DAY, "size": 500}, json={"liked": liked})
    assert posted.status_code == 200
    assert [p["arxiv_id"] for p in posted.json()["papers"]] == [p["arxiv_id"] for p in got["papers"]]
    words = client.post("/api/arxiv/cs.CL", params={"date": DAY, "size": 500},
                        json={"keywords": ["speech recognition", "speech"]}).json()  # fmt: skip
    assert words["liked"]["used"] == 0 and words["hint"] is None
    top = words["papers"][0]
    assert "speech" in (top["title"] + top["abstract"]).lower() and top["because"] is None


def test_an_empty_profile_keeps_arxiv_order_with_a_hint(client: TestClient) -> None:
    day = _listing(client)["papers"]
    ranked = _listing(client, sort="foryou", liked="2401.99999,garbage")
    assert [p["arxiv_id"] for p in ranked["papers"]] == [p["arxiv_id"] for p in day]
    assert ranked["hint"] and "For you" in ranked["hint"]
    assert ranked["liked"] == {"used": 0, "unknown": 1, "malformed": 1, "duplicate": 0}
    assert all(p["score"] is None and p["because"] is None for p in ranked["papers"])


def test_more_than_200_liked_ids_is_a_400_naming_the_limit(client: TestClient) -> None:
    ids = [f"2406.{n:05d}" for n in range(201)]
    for answer in (
        client.get("/api/arxiv/cs.CL", params={"sort": "foryou", "liked": ",".join(ids)}),
        client.post("/api/arxiv/cs.CL", json={"liked": ids}),
    ):
        assert answer.status_code == 400, answer.text
        assert "200" in answer.json()["error"]["message"]
    assert client.get("/api/arxiv/cs.CL", params={"sort": "best"}).status_code == 422


def test_the_worker_stored_model_is_the_one_used(
    settings: Settings, session_factory: sessionmaker[Session], database_url: str
) -> None:
    assert not needs_refit(database_url, 500, dt.timedelta(hours=1))  # nothing stored: nothing to fit
    load_demo(session_factory)
    assert needs_refit(database_url, 500, dt.timedelta(hours=1))
    done = refit(database_url, 500)
    assert done.model_id is not None and done.papers == 500 and done.terms > 1000
    assert not needs_refit(database_url, 500, dt.timedelta(hours=1))
    assert needs_refit(database_url, 500, dt.timedelta(0))  # too old
    assert needs_refit(database_url, 1000, dt.timedelta(hours=1))  # 791 stored, fitted on 500 of them
    with TestClient(create_app(settings)) as client:
        day = _listing(client)["papers"]
        ranked = _listing(client, sort="foryou", liked=[p["arxiv_id"] for p in day[:5]])
        assert {p["arxiv_id"] for p in ranked["papers"][:5]} == {p["arxiv_id"] for p in day[:5]}
        state = client.app.state.core  # type: ignore[attr-defined]
        assert state.foryou.model(None)[0] == done.model_id  # loaded, and not looked for again yet


def test_the_worker_duty_fits_a_model_in_a_child_process_and_stops_when_told(
    session_factory: sessionmaker[Session], database_url: str
) -> None:
    load_demo(session_factory)
    settings = make_settings(database_url=database_url, ranking_model_papers=300)

    async def run() -> tuple[int, dt.datetime] | None:
        ctx = WorkerContext.build(settings)
        stop = asyncio.Event()
        duty = asyncio.create_task(text_model_keeper(ctx, stop))
        try:
            for _ in range(300):  # the child starts, reads, fits and stores: a few seconds
                with session_factory() as session:
                    if (found := newest_model_id(session, VERSION)) is not None:
                        break
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            await asyncio.wait_for(duty, 10)
            ctx.close()
        return found

    found = asyncio.run(run())
    assert found is not None
    with session_factory() as session:
        row = model_by_id(session, found[0])
        assert row is not None and row.papers == 300 and row.version == VERSION


def test_a_switched_off_duty_waits_for_the_stop_instead_of_ending(database_url: str) -> None:
    # A duty that ends counts as failed: the supervisor would restart every duty of the worker.
    settings = make_settings(database_url=database_url, ranking_model_papers=0)

    async def run() -> bool:
        ctx = WorkerContext.build(settings)
        stop = asyncio.Event()
        duty = asyncio.create_task(text_model_keeper(ctx, stop))
        await asyncio.sleep(0.5)
        still_running = not duty.done()
        stop.set()
        await asyncio.wait_for(duty, 5)
        ctx.close()
        return still_running

    assert asyncio.run(run())


def test_the_heart_sort_is_bm25_of_the_keywords_with_phrases(client: TestClient) -> None:
    day = _listing(client)["papers"]
    ranked = _listing(client, sort="keywords", keywords="speech recognition,dialogue")
    assert ranked["sort"] == "keywords" and ranked["hint"] is None
    papers = ranked["papers"]
    assert sorted(p["arxiv_id"] for p in papers) == sorted(p["arxiv_id"] for p in day)
    scores = [p["score"] for p in papers]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    text = lambda p: (p["title"] + " " + p["abstract"]).lower()  # noqa: E731
    assert "speech recognition" in text(papers[0]) or "dialogue" in text(papers[0])
    matched = [p for p in papers if p["score"] > 0]
    assert all("speech" in text(p) or "recogni" in text(p) or "dialog" in text(p) for p in matched)
    # Quotes and operators are only characters: '"language model"' is the phrase, and only the phrase.
    phrase = [
        p for p in _listing(client, sort="keywords", keywords='"language (model)"')["papers"] if p["score"]
    ]
    assert phrase and all("language model" in text(p).replace("-", " ") for p in phrase)
    empty = _listing(client, sort="keywords", keywords=" , ")
    assert empty["hint"] and [p["arxiv_id"] for p in empty["papers"]] == [p["arxiv_id"] for p in day]


def test_a_fit_that_cannot_be_stored_says_why_in_words_and_the_duty_goes_on(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite's write lock held past every wait: the driver's error carries the model's bytes among
    # its parameters, which cannot be pickled back from the child. It must arrive as RefitFailed.
    from coolpapers.app.ranking import refit as refit_module
    from coolpapers.app.store import db as store_db

    engine = make_engine(sqlite_url)
    load_demo(make_session_factory(engine))
    engine.dispose()
    monkeypatch.setattr(store_db, "DEFAULT_SQLITE_WAIT_S", 0.2)
    monkeypatch.setattr(refit_module, "SAVE_PATIENCE_S", 0.5)
    lock = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(RefitFailed) as failed:
            refit(sqlite_url, 200)
        assert failed.value.transient and "locked" in str(failed.value)
        assert pickle.loads(pickle.dumps(failed.value)).transient  # it survives the trip back
    finally:
        lock.execute("ROLLBACK")
        lock.close()
