"""The provider client reads what real providers sent (tests/data/sse/): each recording is served from
a local HTTP server and must give exactly its text and token usage, or the error it carries. A fuzz
test cuts the same bytes at arbitrary points, inside `\\r\\n` and inside UTF-8 characters too."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from coolpapers.app.faq.provider import Fatal, LlmClient, LlmError, Retryable, Usage
from tests.fake_llm.server import ServerThread
from tests.faq.live import faq_settings

DATA = Path(__file__).resolve().parent.parent / "data" / "sse"
SOURCES = json.loads((DATA / "sources.json").read_text())
ENDINGS = {"lf": b"\n", "crlf": b"\r\n", "cr": b"\r"}  # the three line ends the SSE format allows


@dataclass(frozen=True)
class Outcome:
    text: str
    usage: tuple[int | None, int | None]
    error: str | None = None  # what the error's message names; None: the stream ended at [DONE]
    final: bool = False  # the error names a 4xx: not retried (Fatal), like the same status outside a stream


GROQ_ERROR = (
    "Tool call validation failed: tool call validation failed: parameters for tool get_something_by_name "
    "did not match schema: errors: [missing properties: 'name', "
    "additionalProperties 'invalid_param' not allowed]"
)
# Read off the recordings (see expected_from); written out so a change to either side shows.
EXPECTED = {
    "pyd_openai_run_stream_sync_0.txt": Outcome("", (53, 15)),  # tool calls only: no text
    "pyd_deepseek_reasoner_stream_0.txt": Outcome("Hello there! 😊 How can I help you today?", (6, 212)),
    "pyd_openrouter_streaming_reasoning_0.txt": Outcome("2 + 2 = 4", (43, 36)),
    "pyd_zai_thinking_stream_0.txt": Outcome("4", (13, 564)),
    "pyd_openrouter_stream_error_0.txt": Outcome("", (None, None), "Token limit reached", final=True),
    "pyd_groq_tool_use_failed_error_streaming_0.txt": Outcome("", (None, None), GROQ_ERROR, final=True),
}


def expected_from(raw: bytes) -> Outcome:
    """The recording read by hand: these files end every line in "\\n" and every event in a blank
    line, so events are the blocks between blank lines. Content deltas are joined, the last usage
    counts, and an error (an `error` object or an `event: error`) ends the stream."""
    text, usage = "", (None, None)
    for block in raw.decode().split("\n\n"):
        lines = block.split("\n")
        data = "\n".join(
            line.removeprefix("data:").removeprefix(" ") for line in lines if line.startswith("data:")
        )
        if not data:
            continue
        if data == "[DONE]":
            return Outcome(text, usage)
        chunk = json.loads(data)
        if "event: error" in lines or chunk.get("error"):
            err = chunk["error"]
            status = err.get("status_code") or err.get("code")
            final = isinstance(status, int) and 400 <= status < 500 and status not in (408, 429)
            return Outcome(text, (None, None), err["message"], final)
        if chunk.get("usage"):
            usage = (chunk["usage"]["prompt_tokens"], chunk["usage"]["completion_tokens"])
        text += "".join((c.get("delta") or {}).get("content") or "" for c in chunk["choices"])
    raise AssertionError("the recording has no [DONE]")


def recording(name: str, ending: str = "lf") -> bytes:
    raw = (DATA / name).read_bytes()
    return raw.replace(b"\n", ENDINGS[ending])


async def replay(request: Request) -> Response:
    """POST /{name}/{ending}/{piece}/v1/chat/completions: the recording `name` with its line ends
    rewritten, sent `piece` bytes at a time (0: whole), with the status and type it was sent with."""
    name, ending, piece = (request.path_params[k] for k in ("name", "ending", "piece"))
    await request.body()
    if name.startswith("err_"):
        status = int(re.findall(r"\d{3}", name)[0])
        return Response((DATA / name).read_bytes(), status, media_type="application/json")
    body = recording(name, ending)
    size = int(piece) or len(body)

    async def pieces() -> AsyncIterator[bytes]:
        for i in range(0, len(body), size):
            yield body[i : i + size]
            await asyncio.sleep(0)  # each piece its own write

    source = SOURCES[name]
    headers = {"content-type": source["content_type"]}
    return StreamingResponse(pieces(), source["status"], headers=headers)


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    app = Starlette(routes=[Route("/{name}/{ending}/{piece}/v1/chat/completions", replay, methods=["POST"])])
    with ServerThread(app) as server:
        yield server.url


async def read_out(client: LlmClient) -> tuple[Outcome, LlmError | None]:
    usage, parts, error = Usage(), [], None
    try:
        async for delta in client.stream("What is 2 + 2?", usage):
            parts.append(delta)
    except LlmError as exc:
        error = exc
    finally:
        await client.aclose()
    message = str(error) if error else None
    return Outcome("".join(parts), (usage.prompt_tokens, usage.completion_tokens), message), error


def read_from(base_url: str) -> tuple[Outcome, LlmError | None]:
    return asyncio.run(read_out(LlmClient(faq_settings("sqlite://", base_url))))


def check(outcome: Outcome, error: LlmError | None, expected: Outcome) -> None:
    assert (outcome.text, outcome.usage) == (expected.text, expected.usage)
    if expected.error is None:
        assert error is None
    else:  # an error reported inside an HTTP 200 stream: final when it names a 4xx
        assert isinstance(error, Fatal if expected.final else Retryable), error
        assert "mid-stream" in str(error) and expected.error in str(error), error


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_pinned_outcomes_are_what_the_recordings_hold(name: str) -> None:
    assert expected_from(recording(name)) == EXPECTED[name]


# Whole, in 97-byte pieces, and (the small ones: it is slow over a socket) a byte at a time.
SERVED = [
    (name, ending, piece)
    for name in sorted(EXPECTED)
    for ending in sorted(ENDINGS)
    for piece in (0, 97, 1)
    if piece != 1 or len(recording(name)) < 10_000
]


@pytest.mark.parametrize(("name", "ending", "piece"), SERVED)
def test_a_recorded_stream_reads_out_exactly(provider: str, name: str, ending: str, piece: int) -> None:
    outcome, error = read_from(f"{provider}/{name}/{ending}/{piece}/v1")
    check(outcome, error, EXPECTED[name])


@pytest.mark.parametrize(
    ("name", "kind", "words"),
    [
        ("err_groq_404.json", Fatal, "does not exist"),
        ("err_openai_400.json", Fatal, "Content blocks are expected"),
        ("err_openrouter_429.json", Retryable, "Provider returned error"),
    ],
)
def test_a_recorded_error_body_is_classified(provider: str, name: str, kind: type, words: str) -> None:
    outcome, error = read_from(f"{provider}/{name}/lf/0/v1")
    assert isinstance(error, kind) and words in str(error), error
    assert outcome.text == ""


def cut_points(body: bytes) -> list[int]:
    """Offsets where a cut is most likely to trip a reader: between "\\r" and "\\n", and inside a
    multi-byte UTF-8 character."""
    after_cr = [m.end() for m in re.finditer(rb"\r", body)]
    inside_char = [m.start() + 1 for m in re.finditer(rb"[\xc0-\xff]", body)]
    return after_cr + inside_char or [0]


class Pieces(httpx.AsyncByteStream):
    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece


# An in-memory transport: only it hands the reader exactly the pieces drawn (a socket merges them).
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_how_the_bytes_are_cut_never_changes_what_is_read(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(EXPECTED)), "recording")
    body = recording(name, data.draw(st.sampled_from(sorted(ENDINGS)), "line ending"))
    point = st.one_of(st.integers(0, len(body)), st.sampled_from(cut_points(body)))
    cuts = sorted({0, len(body), *data.draw(st.lists(point, max_size=60), "cuts")})
    pieces = [body[a:b] for a, b in itertools.pairwise(cuts) if b > a]

    def answer(_request: httpx.Request) -> httpx.Response:
        headers = {"content-type": SOURCES[name]["content_type"]}
        return httpx.Response(SOURCES[name]["status"], headers=headers, stream=Pieces(pieces))

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    settings_ = faq_settings("sqlite://", "http://provider.test/v1")
    outcome, error = asyncio.run(read_out(LlmClient(settings_, http)))
    check(outcome, error, EXPECTED[name])
