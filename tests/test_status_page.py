"""/status and /api/status: FAQ rows in every state, today's tokens, stalled and failed rows, and
the search index (built, behind, missing, damaged), on both databases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.records import PaperRecord
from coolpapers.app.ingest.demo import load_demo
from coolpapers.app.search.writer import IndexUpdater
from coolpapers.app.store import faqs as store
from coolpapers.app.store import llm_spend, lookups
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.models import Faq, Paper, utcnow
from coolpapers.app.store.papers import store_papers
from coolpapers.app.web.app import create_app
from tests.conftest import make_settings

API_KEY = "sk-status-test-never-shown"
HOSTILE_ERROR = '<script>alert("boom")</script> provider said <b>no</b>'
LLM = {
    "llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "lab-model-7b", "llm_api_key": API_KEY,
    "faq_daily_token_budget": 5000, "faq_heartbeat_s": 10, "faq_pregenerate": True,
    "faq_pregenerate_daily_tokens": 2000,
}  # fmt: skip


def _section(page: str, marker: str) -> str:
    start = page.index(marker)
    return page[start : page.index("</table>", start)]


def _faq(factory: sessionmaker[Session], paper_id: int, priority: int = store.READER_PRIORITY) -> store.Claim:
    row, _ = store.request_faq(factory, paper_id, "en", "v1", priority)
    claim = store.claim_next(factory, "w1", only_id=row.id)
    assert claim is not None
    return claim


def _seed(factory: sessionmaker[Session]) -> dict[str, list[str]]:
    """Rows in every state; returns the arXiv ids of each kind."""
    load_demo(factory)
    with session_scope(factory) as session:
        papers = list(session.execute(select(Paper.id, Paper.arxiv_id).order_by(Paper.id).limit(18)))
    ids = iter(papers)
    kinds: dict[str, list[str]] = {}

    def take(kind: str) -> int:
        pid, arxiv_id = next(ids)
        kinds.setdefault(kind, []).append(arxiv_id)
        return int(pid)

    store.request_faq(factory, take("pending"), "en", "v1", store.READER_PRIORITY)
    _faq(factory, take("running"))
    stalled = _faq(factory, take("stalled"))
    with session_scope(factory) as session:  # its worker was killed: no heartbeat for an hour
        session.execute(
            update(Faq).where(Faq.id == stalled.faq_id).values(heartbeat_at=utcnow() - dt.timedelta(hours=1))
        )
    done = {"markdown": "ok", "model": "lab-model-7b", "input_kind": "abstract"}
    store.finish_done(factory, _faq(factory, take("done")), **done, prompt_tokens=1000, completion_tokens=234)
    background = _faq(factory, take("done"), store.BACKGROUND_PRIORITY)
    store.finish_done(factory, background, **done, prompt_tokens=500, completion_tokens=None)
    yesterday = _faq(factory, take("done"))
    store.finish_done(factory, yesterday, **done, prompt_tokens=9000, completion_tokens=9000)
    with session_scope(factory) as session:
        start_of_day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        moved = start_of_day - dt.timedelta(hours=3)
        session.execute(update(Faq).where(Faq.id == yesterday.faq_id).values(finished_at=moved))
    # What the worker charged for them (faq/spend.py): the ledger, not the rows, is what counts.
    today, yesterday_day = utcnow().date(), utcnow().date() - dt.timedelta(days=1)
    assert llm_spend.reserve(factory, today, 1234, 0, False)
    assert llm_spend.reserve(factory, today, 500, 0, True)
    assert llm_spend.reserve(factory, yesterday_day, 18000, 0, False)
    for n in range(10):
        store.finish_failed(factory, _faq(factory, take("failed")), f"HTTP 500 number {n}")
    store.finish_failed(factory, _faq(factory, take("failed")), HOSTILE_ERROR)
    return kinds


def test_status_shows_faq_rows_tokens_and_search_index(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    kinds = _seed(factory)
    index_dir = tmp_path / "index"
    updater = IndexUpdater(index_dir, factory)
    updater.sync()
    updater.close()
    with session_scope(factory) as session:
        indexed = len(session.scalars(select(Paper.id)).all())
        store_papers(session, [PaperRecord(arxiv_id="2606.99100", title="Stored after the indexer ran",
                                           authors=("A. Late",), abstract="Not searchable yet.",
                                           categories=("cs.CL",))])  # fmt: skip
    engine.dispose()
    settings = make_settings(database_url=database_url, search_index_dir=str(index_dir), **LLM)
    with TestClient(create_app(settings)) as client:
        body = client.get("/api/status").json()
        page = client.get("/status")

    faq = body["faq"]
    assert faq["counts"] == {"pending": 1, "running": 2, "done": 3, "failed": 11}
    assert faq["stalled"] == 1 and faq["stalled_after_s"] == 30
    assert [r["arxiv_id"] for r in faq["stalled_rows"]] == kinds["stalled"]
    assert faq["llm_configured"] is True and faq["model"] == "lab-model-7b"
    assert faq["tokens"]["used_today"] == 1734 and faq["tokens"]["daily_budget"] == 5000
    assert faq["tokens"]["remaining"] == 5000 - 1734
    assert faq["tokens"]["background_used_today"] == 500 and faq["tokens"]["background_daily_cap"] == 2000
    failures = faq["recent_failures"]
    assert len(failures) == 10  # the oldest of the 11 is left out
    assert failures[0] == {
        "arxiv_id": kinds["failed"][-1], "language": "en", "error": HOSTILE_ERROR,
        "at": failures[0]["at"], "worker_id": None,
    }  # fmt: skip
    assert [f["arxiv_id"] for f in failures] == kinds["failed"][1:][::-1]
    search = body["search"]
    assert search["ready"] is True and search["documents"] == indexed and search["papers_behind"] == 1
    assert search["watermark"] is not None

    assert page.status_code == 200
    text = page.text
    assert API_KEY not in text and API_KEY not in str(body)
    assert "lab-model-7b" in text and "1,734" in text and "5,000" in text
    assert HOSTILE_ERROR not in text and str(escape(HOSTILE_ERROR)) in text
    failed_table = _section(text, "faq-failures")
    assert kinds["failed"][-1] in failed_table and kinds["failed"][0] not in failed_table
    stalled_table = _section(text, "stalled-faqs")
    assert kinds["stalled"][0] in stalled_table and kinds["running"][0] not in stalled_table
    counts_table = _section(text, "faq-counts")
    assert "<td>11</td>" in counts_table and '<td class="has-error">1</td>' in counts_table
    assert f"Ready: {indexed} papers indexed" in text and "1 changed papers are not" in text


@pytest.mark.parametrize("damage", ["missing", "garbage"])
def test_status_without_a_usable_index_or_llm_says_so(database_url: str, tmp_path: Path, damage: str) -> None:
    index_dir = tmp_path / "index"
    if damage == "garbage":
        index_dir.mkdir()
        (index_dir / "meta.json").write_text("{not an index", "utf-8")
    settings = make_settings(database_url=database_url, search_index_dir=str(index_dir))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        resp = client.get("/api/status")
        page = client.get("/status")
    assert resp.status_code == 200 and page.status_code == 200
    body = resp.json()
    assert body["search"]["ready"] is False and body["search"]["documents"] is None
    assert body["search"]["message"]
    assert body["faq"]["llm_configured"] is False and body["faq"]["model"] is None
    assert body["faq"]["counts"] == {"pending": 0, "running": 0, "done": 0, "failed": 0}
    assert body["faq"]["tokens"]["remaining"] == 2_000_000 and body["feeds"] == []
    assert "Not ready." in page.text and "No LLM is configured" in page.text
    assert "No feed has been checked yet" in page.text


def test_status_shows_lookups_waiting_and_failed(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        lookups.request_lookups(session, ["2404.30001", "2404.30002", "2404.30003"], utcnow())
    claim = lookups.claim_lookups(factory, "w", 1, dt.timedelta(minutes=5), 3)
    assert claim is not None
    lookups.lookups_failed(factory, claim, "arXiv's API answered HTTP 503")
    engine.dispose()
    settings = make_settings(database_url=database_url, search_index_dir=str(tmp_path / "index"))
    with TestClient(create_app(settings)) as client:
        body = client.get("/api/status").json()["lookups"]
        page = client.get("/status").text
    assert body["waiting"] == 2 and body["failed"] == 1
    assert body["last_error"] == "arXiv's API answered HTTP 503"
    assert body["oldest_waiting_since"] is not None
    section = page[page.index('id="lookups"') : page.index('id="feeds"')]
    assert "2 papers waiting to be fetched" in section and "1 could not be fetched" in section
    assert str(escape("arXiv's API answered HTTP 503")) in section
