"""The FAQ event stream as bytes on the wire: the framing and headers browsers and proxies rely on,
the keep-alive comment, and a stop that sse-starlette hears of (uvicorn's own signal handling,
`serve --workers N`) ending the stream with a retryable error rather than cutting it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sse_starlette.sse import AppStatus

from coolpapers.app.web.sse import RESTARTING
from tests.fake_llm.server import FakeLlm, answer_for
from tests.faq.live import LiveApp, add_papers, faq_settings, wait_for


def raw_stream(url: str) -> tuple[httpx.Headers, bytes]:
    body = b""
    with httpx.stream("GET", url, timeout=30) as resp:
        for piece in resp.iter_raw():
            body += piece
            if b"event: done\n" in body and body.endswith(b"\n\n"):
                break
    return resp.headers, body


def test_events_are_one_event_line_and_one_data_line(sqlite_url: str, fake_llm: tuple[FakeLlm, str]) -> None:
    llm, llm_url = fake_llm
    llm.first_token_delay_s, llm.chunk_delay_s = 0.5, 0.01  # long enough for keep-alives to be due
    (paper,) = add_papers(sqlite_url, 1)
    with LiveApp(faq_settings(sqlite_url, llm_url, faq_keepalive_s=0.1)) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        assert httpx.post(api).status_code == 200
        headers, body = raw_stream(f"{api}/stream")
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert headers["cache-control"] == "no-cache" and headers["x-accel-buffering"] == "no"
    assert b"\r" not in body  # lines end in "\n", as the browser code and proxies have always seen
    blocks = body.decode().removesuffix("\n\n").split("\n\n")
    events, comments = [], []
    for block in blocks:
        if block.startswith(":"):
            comments.append(block)
            continue
        name, data = block.split("\n")  # exactly two lines
        assert name.startswith("event: ") and data.startswith("data: "), block
        events.append((name[7:], json.loads(data[6:])))
    assert comments and set(comments) == {": keep-alive"}
    names = [name for name, _ in events]
    assert (
        names[:2] == ["status", "text"] and names[-1] == "done" and set(names) <= {"status", "text", "done"}
    )
    text = ""
    for name, data in events:
        if name == "text":
            text = data["text"] if data.get("replace") else text + data["text"]
    assert text == events[-1][1]["markdown"] == answer_for(llm.prompts[0])


@pytest.fixture
def server_exit() -> Iterator[None]:
    """sse-starlette's process-wide "the server is exiting" flag, put back after the test."""
    try:
        yield
    finally:
        AppStatus.should_exit = False


def test_a_stop_sse_starlette_hears_of_ends_the_stream_with_a_retryable_error(
    sqlite_url: str, fake_llm: tuple[FakeLlm, str], server_exit: None
) -> None:
    llm, llm_url = fake_llm
    llm.mode, llm.hang_s = "hang", 30
    (paper,) = add_papers(sqlite_url, 1)
    with LiveApp(faq_settings(sqlite_url, llm_url, llm_timeout_s=30)) as live:
        api = f"{live.url}/api/papers/{paper}/faq"
        assert httpx.post(api).status_code == 200
        wait_for(lambda: llm.calls == 1, 15, "the generation to start")
        lines: list[str] = []
        opened = threading.Event()

        def follow() -> None:
            with httpx.stream("GET", f"{api}/stream", timeout=30) as resp:
                for line in resp.iter_lines():
                    lines.append(line)
                    opened.set()

        reader = threading.Thread(target=follow, daemon=True)
        reader.start()
        assert opened.wait(10), "the stream did not open"
        time.sleep(0.5)  # the stream is open and waiting for text that is not coming
        stopped_at = time.monotonic()
        AppStatus.should_exit = True  # what uvicorn's signal handler sets, through sse-starlette
        reader.join(10)
        took = time.monotonic() - stopped_at
        assert not reader.is_alive(), "the stream was not ended"
    data = [line for line in lines if line]
    assert data[:2] == ["event: status", 'data: {"status": "running", "position": 0}'], data
    error = {"code": "unavailable", "message": RESTARTING, "retryable": True}
    assert data[-2:] == ["event: error", f"data: {json.dumps(error)}"], data
    assert took < 3, took  # sse-starlette's poll (0.5 s) plus one bus read, well inside the grace
