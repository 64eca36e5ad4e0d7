"""The FAQ API end to end in embedded mode: real HTTP to the app, the embedded worker, the fake
provider and PDF host on real sockets, SQLite and PostgreSQL."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.fake_arxiv.server import FakeArxiv
from tests.fake_llm.pdf import FakePdfHost
from tests.fake_llm.server import FakeLlm, answer_for
from tests.faq.live import LiveApp, add_papers, faq_settings, read_stream, streamed_text, wait_for


def test_request_stream_and_cache(database_url: str, fake_llm: tuple[FakeLlm, str],
                                  fake_pdf: tuple[FakePdfHost, str]) -> None:  # fmt: skip
    llm, llm_url = fake_llm
    llm.first_token_delay_s = 0.5  # the stream below joins mid-answer (delay < llm_timeout_s)
    pdf, pdf_url = fake_pdf
    (paper,) = add_papers(database_url, 1)
    with LiveApp(faq_settings(database_url, llm_url, pdf_url)) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        assert httpx.get(api).json()["status"] == "absent"
        first = httpx.post(api, params={"lang": "en"})
        assert first.status_code == 200
        assert first.json()["status"] in ("pending", "running")
        events = read_stream(f"{api}/stream")
        assert events[0][0] == "status"
        assert events[-1][0] == "done"
        done = events[-1][1]
        assert streamed_text(events) == done["markdown"] == answer_for(llm.prompts[0])
        assert "<h2>" in done["html"] and '<span class="math inline">' in done["html"]
        got = httpx.get(api).json()
        assert got["status"] == "done" and got["markdown"] == done["markdown"]
        assert got["input"] == "full_text" and got["model"] == "fake-1"
        assert got["usage"]["prompt_tokens"] > 0 and got["usage"]["completion_tokens"] > 0
        assert got["prompt_version"].startswith("en-")
        assert "Conclusions. Streaming works" in llm.prompts[0]  # the PDF's text reached the model
        assert "[1] A. Author" not in llm.prompts[0]  # references are cut
        # Cached forever: more requests and streams never call the provider again.
        assert httpx.post(api).json() == {"status": "done", "position": None, "message": None}
        assert read_stream(f"{api}/stream")[0][0] == "done"
        assert llm.calls == 1 and pdf.requests == [paper]


def test_unknown_or_malformed_ids_never_reach_the_provider(
    sqlite_url: str, fake_llm: tuple[FakeLlm, str], fake_arxiv: FakeArxiv
) -> None:
    llm, llm_url = fake_llm
    add_papers(sqlite_url, 1)
    api_url = fake_arxiv.settings_overrides()["arxiv_api_url"]
    with LiveApp(faq_settings(sqlite_url, llm_url, arxiv_api_url=api_url),
                 duty_groups=frozenset({"faq", "lookups"})) as live:  # fmt: skip
        for paper in ("2406.99999", "not-an-id", "9999.00001"):
            resp = httpx.post(f"{live.url}/api/papers/{paper}/faq")
            deadline = time.monotonic() + 30
            while resp.status_code == 202 and time.monotonic() < deadline:  # a worker asks arXiv
                time.sleep(0.05)
                resp = httpx.post(f"{live.url}/api/papers/{paper}/faq")
            assert resp.status_code == 404, resp.text
            assert resp.json()["error"]["code"] == "not_found"
            events = read_stream(f"{live.url}/api/papers/{paper}/faq/stream")
            assert events == [("error", {"code": "not_found", "message": events[0][1]["message"],
                                         "retryable": False})]  # fmt: skip
        resp = httpx.post(f"{live.url}/api/papers/2406.00001/faq", params={"lang": "fr"})
        assert resp.status_code == 400 and "en, zh" in resp.json()["error"]["message"]
    assert llm.calls == 0
    # arXiv was asked once for the well-formed unknown id, never for the impossible ones.
    asked = fake_arxiv.paths("/api/query")
    assert len(asked) == 1 and "2406.99999" in asked[0], asked


def test_a_paper_not_stored_yet_is_fetched_from_arxiv_then_written(
    database_url: str, fake_llm: tuple[FakeLlm, str], fake_arxiv: FakeArxiv
) -> None:
    llm, llm_url = fake_llm
    overrides = fake_arxiv.settings_overrides()
    settings = faq_settings(
        database_url, llm_url, overrides["arxiv_pdf_url"], arxiv_api_url=overrides["arxiv_api_url"]
    )
    with LiveApp(settings, duty_groups=frozenset({"faq", "lookups"})) as live:
        api = f"{live.url}/api/papers/arXiv:2606.06625v1/faq"
        first = httpx.post(api)
        assert first.status_code == 202 and first.json()["status"] == "fetching", first.text
        assert first.headers["retry-after"] == "2" and llm.calls == 0
        deadline = time.monotonic() + 30
        while (asked := httpx.post(api)).status_code == 202:
            assert time.monotonic() < deadline, "the paper was never fetched"
            time.sleep(0.05)
        assert asked.status_code == 200, asked.text
        events = read_stream(f"{live.url}/api/papers/2606.06625/faq/stream")
        assert events[-1][0] == "done", events
        assert "N-Player Binary Games" in llm.prompts[0]
        paper = httpx.get(f"{live.url}/api/papers/2606.06625").json()
        assert paper["title"].startswith("N-Player Binary Games")
    assert llm.calls == 1


def test_unconfigured_llm_says_how_to_configure(sqlite_url: str) -> None:
    (paper,) = add_papers(sqlite_url, 1)
    with LiveApp(faq_settings(sqlite_url)) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        body = httpx.post(api).json()
        assert body["status"] == "unconfigured" and "COOLPAPERS_LLM_BASE_URL" in body["message"]
        assert httpx.get(api).json()["status"] == "unconfigured"
        (event,) = read_stream(f"{api}/stream")
        assert event[0] == "error" and event[1]["code"] == "unconfigured" and not event[1]["retryable"]


def test_many_readers_one_generation_and_late_joiners(sqlite_url: str, fake_llm: tuple[FakeLlm, str]) -> None:
    llm, llm_url = fake_llm
    llm.chunk_delay_s = 0.03  # ~1 s per answer, so readers join mid-way
    (paper,) = add_papers(sqlite_url, 1)
    with LiveApp(faq_settings(sqlite_url, llm_url)) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        with ThreadPoolExecutor(24) as pool:
            posts = list(pool.map(lambda _: httpx.post(api, timeout=30).json()["status"], range(12)))
            wait_for(lambda: llm.first_token_at != [], what="first token")
            streams = list(pool.map(lambda _: read_stream(f"{api}/stream"), range(12)))
        assert set(posts) <= {"pending", "running"}
        expected = answer_for(llm.prompts[0])
        late = 0
        for events in streams:
            assert events[-1][0] == "done"
            assert streamed_text(events) == expected
            texts = [d["text"] for n, d in events if n == "text"]
            late += bool(texts and texts[0])  # joined mid-generation: got the text so far at once
        assert late > 0
        assert llm.calls == 1


def test_cli_writes_then_prints_the_cached_faq(
    sqlite_url: str, fake_llm: tuple[FakeLlm, str], fake_arxiv: FakeArxiv
) -> None:
    from tests.test_cli import run_cli

    llm, llm_url = fake_llm
    (paper,) = add_papers(sqlite_url, 1)
    env = {"COOLPAPERS_DATABASE_URL": sqlite_url, "COOLPAPERS_LLM_BASE_URL": llm_url,
           "COOLPAPERS_LLM_MODEL": "fake-1", "COOLPAPERS_FAQ_FULL_TEXT": "false",
           "COOLPAPERS_ARXIV_API_URL": fake_arxiv.settings_overrides()["arxiv_api_url"],
           "COOLPAPERS_ARXIV_MIN_INTERVAL_S": "0"}  # fmt: skip
    first = run_cli("faq", paper, env=env)
    assert first.returncode == 0, first.stderr
    expected = answer_for(llm.prompts[0])
    assert expected in first.stdout
    again = run_cli("faq", paper, env=env)
    assert again.stdout.strip() == expected.strip() and llm.calls == 1  # printed from the database
    regen = run_cli("faq", "regenerate", paper, env=env)
    assert regen.returncode == 0 and expected in regen.stdout and llm.calls == 2
    missing = run_cli("faq", "2406.99999", env=env)
    assert missing.returncode == 1 and "arXiv has no paper 2406.99999" in missing.stderr and llm.calls == 2


def test_a_pdf_whose_extraction_stalls_falls_back_to_the_abstract(
    sqlite_url: str, fake_llm: tuple[FakeLlm, str], fake_pdf: tuple[FakePdfHost, str]
) -> None:
    llm, llm_url = fake_llm
    _pdf, pdf_url = fake_pdf
    (paper,) = add_papers(sqlite_url, 1)
    with LiveApp(faq_settings(sqlite_url, llm_url, pdf_url, faq_pdf_timeout_s=0.001)) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        httpx.post(api)
        assert read_stream(f"{api}/stream")[-1][0] == "done"
        got = httpx.get(api).json()
    assert got["input"] == "abstract"  # recorded as such, and the worker carried on
    assert "Conclusions. Streaming works" not in llm.prompts[0] and "We study problem" in llm.prompts[0]
