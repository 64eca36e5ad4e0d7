"""Provider faults: retries with backoff, Retry-After, a configuration error that is not retried,
giving up after the attempt budget, and the cost guards (per-client limit, daily token budget)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import httpx
import pytest

from coolpapers.app.faq.prompts import prompt_for
from coolpapers.app.store import llm_spend
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.models import Faq, Paper
from coolpapers.cli.faq import CliError, write_faq
from tests.fake_llm.server import FakeLlm, answer_for
from tests.faq.live import LiveApp, add_papers, faq_settings, read_stream, streamed_text


def faq_rows(database_url: str) -> list[Faq]:
    engine = make_engine(database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return list(session.query(Faq).order_by(Faq.id))
    finally:
        engine.dispose()


def test_every_transient_fault_is_retried_and_stored_once(
    sqlite_url: str, fake_llm: tuple[FakeLlm, str]
) -> None:
    llm, llm_url = fake_llm
    llm.script = ["429", "500", "hang", "cut", "badjson"]
    llm.retry_after = "0"
    (paper,) = add_papers(sqlite_url, 1)
    with LiveApp(faq_settings(sqlite_url, llm_url, faq_max_attempts=6, llm_timeout_s=0.5)) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        httpx.post(api)
        events = read_stream(f"{api}/stream")
    assert events[-1][0] == "done", events[-5:]
    assert streamed_text(events) == answer_for(llm.prompts[-1])
    assert llm.calls == 6 and llm.completed == 1
    (row,) = faq_rows(sqlite_url)
    assert row.status == "done" and row.attempts == 6 and row.markdown == answer_for(llm.prompts[-1])


def test_retry_after_is_honoured(sqlite_url: str, fake_llm: tuple[FakeLlm, str]) -> None:
    llm, llm_url = fake_llm
    llm.script = ["429"]
    llm.retry_after = "1"
    (paper,) = add_papers(sqlite_url, 1)
    with LiveApp(faq_settings(sqlite_url, llm_url)) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        httpx.post(api)
        assert read_stream(f"{api}/stream")[-1][0] == "done"
    (row,) = faq_rows(sqlite_url)
    assert row.started_at is not None and row.created_at is not None
    # The second attempt started no earlier than Retry-After (1 s) after the first was refused.
    assert row.started_at - row.created_at >= dt.timedelta(seconds=0.9)


def test_bad_key_fails_at_once_and_a_reader_can_retry(sqlite_url: str, fake_llm: tuple[FakeLlm, str]) -> None:
    llm, llm_url = fake_llm
    llm.mode = "401"
    (paper,) = add_papers(sqlite_url, 1)
    with LiveApp(faq_settings(sqlite_url, llm_url)) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        httpx.post(api)
        event, data = read_stream(f"{api}/stream")[-1]
        assert event == "error" and data["code"] == "failed" and data["retryable"] is False
        assert "COOLPAPERS_LLM_API_KEY" in data["message"]
        assert llm.calls == 1  # no retry storm
        got = httpx.get(api).json()
        assert got["status"] == "failed" and "HTTP 401" in got["error"] and got["markdown"] is None
        llm.mode = "ok"  # the host fixes the key; the reader clicks again
        assert httpx.post(api).json()["status"] in ("pending", "running")
        assert read_stream(f"{api}/stream")[-1][0] == "done"
    assert llm.calls == 2


def test_a_4xx_inside_the_stream_is_final_and_a_429_is_retried(
    sqlite_url: str, fake_llm: tuple[FakeLlm, str]
) -> None:
    llm, llm_url = fake_llm
    llm.script = ["stream400", "stream429", "ok"]
    first, second = add_papers(sqlite_url, 2)
    with LiveApp(faq_settings(sqlite_url, llm_url, faq_retry_base_s=0)) as live:
        api = f"{live.url}/api/papers/{first}/faq"
        httpx.post(api)
        event, data = read_stream(f"{api}/stream")[-1]
        assert event == "error" and data["code"] == "failed"
        assert "maximum context length" in data["message"] and llm.calls == 1  # not retried
        httpx.post(f"{live.url}/api/papers/{second}/faq")
        assert read_stream(f"{live.url}/api/papers/{second}/faq/stream")[-1][0] == "done"
    assert llm.calls == 3  # the in-stream 429 was retried once
    rows = {r.paper_id: r for r in faq_rows(sqlite_url)}
    assert [r.status for r in rows.values()] == ["failed", "done"] and rows[1].attempts == 1


def test_a_key_the_provider_echoes_is_never_shown_or_logged(
    sqlite_url: str, fake_llm: tuple[FakeLlm, str], caplog: pytest.LogCaptureFixture
) -> None:
    llm, llm_url = fake_llm
    llm.mode = "401echo"
    (paper,) = add_papers(sqlite_url, 1)
    secret = "sk-test-SECRETabcdef123456"
    with LiveApp(faq_settings(sqlite_url, llm_url, llm_api_key=secret)) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        httpx.post(api)
        stream = httpx.get(f"{api}/stream").text
        shown = [stream, httpx.get(api).text, httpx.get(f"{live.url}/status").text,
                 httpx.get(f"{live.url}/api/status").text]  # fmt: skip
    assert "Invalid authorization header: Bearer [redacted]" in shown[1]  # the reason, without the key
    for text in [*shown, caplog.text]:
        assert "SECRETabcdef" not in text and secret not in text


def test_gives_up_after_the_attempt_budget(sqlite_url: str, fake_llm: tuple[FakeLlm, str]) -> None:
    llm, llm_url = fake_llm
    llm.mode = "500"
    (paper,) = add_papers(sqlite_url, 1)
    with LiveApp(faq_settings(sqlite_url, llm_url, faq_max_attempts=3)) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        httpx.post(api)
        event, data = read_stream(f"{api}/stream")[-1]
        assert (
            event == "error" and data["retryable"] is True and "gave up after 3 attempts" in data["message"]
        )
        body = httpx.post(f"{live.url}/api/papers/{paper}/faq?lang=zh").json()
        assert body["status"] in ("pending", "running")  # the other language is its own job
    assert llm.calls >= 3
    rows = faq_rows(sqlite_url)
    assert rows[0].status == "failed" and rows[0].markdown is None and rows[0].attempts == 3


def test_cost_guards_answer_429_and_store_nothing(sqlite_url: str, fake_llm: tuple[FakeLlm, str]) -> None:
    _llm, llm_url = fake_llm
    papers = add_papers(sqlite_url, 4)
    settings = faq_settings(sqlite_url, llm_url, faq_rate_limit_per_hour=2, faq_daily_token_budget=10**9)
    with LiveApp(settings, with_worker=False) as live:
        for paper in papers[:2]:
            assert httpx.post(f"{live.url}/api/papers/{paper}/faq").status_code == 200
        # Asking again about a queued FAQ costs nothing and is not counted.
        assert httpx.post(f"{live.url}/api/papers/{papers[0]}/faq").status_code == 200
        over = httpx.post(f"{live.url}/api/papers/{papers[2]}/faq")
        assert over.status_code == 429
        assert (
            over.json()["error"]["code"] == "too_many_requests"
            and "2 an hour" in over.json()["error"]["message"]
        )
    assert len(faq_rows(sqlite_url)) == 2

    engine = make_engine(sqlite_url)
    with session_scope(make_session_factory(engine)) as session:
        paper_id = session.query(Paper.id).filter(Paper.arxiv_id == papers[3]).scalar()
        version = prompt_for("zh").version
        session.add(Faq(paper_id=paper_id, language="zh", prompt_version=version, status="done",
                        markdown="x", prompt_tokens=900, completion_tokens=200,
                        finished_at=dt.datetime.now(dt.UTC)))  # fmt: skip
    assert llm_spend.reserve(make_session_factory(engine), dt.datetime.now(dt.UTC).date(), 1100, 0, False)
    engine.dispose()
    budget = faq_settings(sqlite_url, llm_url, faq_daily_token_budget=1000)
    with LiveApp(budget, with_worker=False) as live:
        over = httpx.post(f"{live.url}/api/papers/{papers[3]}/faq")
        assert over.status_code == 429 and "budget" in over.json()["error"]["message"]
        assert httpx.post(f"{live.url}/api/papers/{papers[3]}/faq?lang=zh").json()["status"] == "done"
    assert len(faq_rows(sqlite_url)) == 3
    # `coolpapers faq` is held to the same budget: refused before any row or provider call.
    with pytest.raises(CliError, match="token budget for this site is used up"):
        asyncio.run(write_faq(budget, papers[3], "en"))
    assert len(faq_rows(sqlite_url)) == 3


def test_the_daily_token_budget_holds_for_queued_and_retried_work(
    sqlite_url: str, fake_llm: tuple[FakeLlm, str]
) -> None:
    """Twenty FAQs asked by one reader, a budget of 3,000 tokens, and one attempt in three cut
    mid-answer: what is spent is at most the budget plus one generation's estimate."""
    llm, llm_url = fake_llm
    llm.script = ["cut", "ok", "ok"] * 10
    papers = add_papers(sqlite_url, 20)
    settings = faq_settings(sqlite_url, llm_url, faq_daily_token_budget=3000, faq_rate_limit_per_hour=0,
                            faq_retry_base_s=0, llm_concurrency=4)  # fmt: skip
    statuses = []
    with LiveApp(settings) as live:
        for paper in papers:
            statuses.append(httpx.post(f"{live.url}/api/papers/{paper}/faq").status_code)
        deadline = time.monotonic() + 30
        while any(r.status == "running" for r in faq_rows(sqlite_url)) or llm.in_flight:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        refused = httpx.post(f"{live.url}/api/papers/{papers[-1]}/faq")
    engine = make_engine(sqlite_url)
    spent = llm_spend.spent_on(make_session_factory(engine), dt.datetime.now(dt.UTC).date())
    engine.dispose()
    one_estimate = max(len(p) for p in llm.prompts) // 4 + 2000
    assert spent <= 3000 + one_estimate, (spent, one_estimate)
    assert 429 in statuses and refused.status_code in (200, 429)  # readers past it are told
    done = [r for r in faq_rows(sqlite_url) if r.status == "done"]
    counted = sum((r.prompt_tokens or 0) + (r.completion_tokens or 0) for r in done)
    assert spent >= counted  # every attempt is charged, the cut ones too
