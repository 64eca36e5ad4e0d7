"""The provider client reads event streams as the SSE format defines them, in the corners no recording
in tests/data/sse/ happens to show: multi-line data, fields without data, raw U+2028 in JSON, usage
inside a choice, an event cut before its blank line, a body that is not an event stream."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coolpapers.app.faq.provider import Retryable
from tests.fake_llm.server import ServerThread
from tests.faq.test_provider_recordings import Outcome, read_from


def chunk(content: str, **extra: object) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": {"content": content}}], **extra}, ensure_ascii=False)


USAGE = {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
DONE = "data: [DONE]\n\n"
ODD_BREAKS = "a\u2028b\u0085c"  # line breaks to str.splitlines(), never to the SSE format
# name: (body, expected text, expected usage)
READS = {
    # One event's data over two `data:` lines is joined with "\n" before it is parsed.
    "multi_line_data": ('data: {"choices": [{"delta":\ndata: {"content": "ab"}}]}\n\n' + DONE, "ab", None),
    # `retry:` and `id:` alone make events without data; `event:` names one; none is a chunk.
    "fields_without_data": (
        f"retry: 3000\n\nid: 7\n\nevent: message\ndata: {chunk('x')}\n\n" + DONE,
        "x",
        None,
    ),
    # Only CR and LF end lines: U+2028 and U+0085 raw inside a JSON string are text.
    "unicode_line_separators": ("data: " + chunk(ODD_BREAKS) + "\n\n" + DONE, ODD_BREAKS, None),
    "no_space_after_colon": (f"data:{chunk('y')}\n\ndata:[DONE]\n\n", "y", None),
    "comments_anywhere": (f": hello\n\ndata: {chunk('z')}\n: inside an event\n\n: bye\n\n" + DONE, "z", None),
    # Moonshot reports usage inside the last choice rather than beside it.
    "usage_in_choice": (
        f"data: {chunk('k')}\n\n"
        + "data: "
        + json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop", "usage": USAGE}]})
        + "\n\n"
        + DONE,
        "k",
        (7, 3),
    ),
    "usage_beside_choices": (
        f"data: {chunk('k')}\n\ndata: {json.dumps({'choices': [], 'usage': USAGE})}\n\n" + DONE,
        "k",
        (7, 3),
    ),
}
# name: (body, content type, what the Retryable says)
FAILS = {
    # The last event never got its blank line: the stream was cut, even if it said [DONE].
    "done_without_blank_line": (f"data: {chunk('a')}\n\ndata: [DONE]", "text/event-stream", "ended before"),
    "cut_mid_answer": (f"data: {chunk('a')}\n\n", "text/event-stream", "ended before"),
    "bad_json": ('data: {"choices": [{"delta": {"content": "bro\n\n', "text/event-stream", "malformed chunk"),
    "error_event_not_json": (
        "event: error\ndata: upstream overloaded\n\n",
        "text/event-stream",
        "overloaded",
    ),
    "error_object": (f"data: {json.dumps({'error': {'message': 'boom'}})}\n\n", "text/event-stream", "boom"),
    "not_an_event_stream": ('{"choices": []}', "application/json", "did not answer with an event stream"),
}


async def serve_case(request: Request) -> Response:
    name = request.path_params["name"]
    await request.body()
    if name in READS:
        return Response(READS[name][0], media_type="text/event-stream")
    body, media_type, _ = FAILS[name]
    return Response(body, media_type=media_type)


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    app = Starlette(routes=[Route("/{name}/v1/chat/completions", serve_case, methods=["POST"])])
    with ServerThread(app) as server:
        yield server.url


@pytest.mark.parametrize("name", sorted(READS))
def test_what_the_format_allows_is_read(provider: str, name: str) -> None:
    _, text, usage = READS[name]
    outcome, error = read_from(f"{provider}/{name}/v1")
    assert error is None, error
    assert outcome == Outcome(text, usage or (None, None))


@pytest.mark.parametrize("name", sorted(FAILS))
def test_a_broken_stream_is_retried(provider: str, name: str) -> None:
    _, error = read_from(f"{provider}/{name}/v1")
    assert isinstance(error, Retryable) and FAILS[name][2] in str(error), error
