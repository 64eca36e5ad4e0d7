"""The FAQ event stream: status and queue position, the text so far for late joiners, then
deltas as the model writes, and the finished FAQ (or the error) at the end."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterable
from typing import Protocol

from sse_starlette import ServerSentEvent

from coolpapers.app.faq.provider import NOT_CONFIGURED
from coolpapers.app.faq.request import FaqRefused, FaqService, FaqView
from coolpapers.app.queue.channels import ChannelUnavailable, StreamEvent
from coolpapers.app.web.faq_watch import Watch, WatchHub
from coolpapers.app.web.schemas.faq import faq_out

RECHECK_S = 1.0  # how often a FAQ's watch re-reads the row (status, position) without a stream event
MAX_STREAM_S = 15 * 60  # then the stream ends, retryable: no connection is held forever
# How long a stream may take to say goodbye once the server stops: it notices after at most one
# read of the bus (RECHECK_S) and one reload of the row, with room to spare on a loaded host.
STOP_NOTICE_S = 3 * RECHECK_S
# Lines end in "\n" alone, as they always have here (sse-starlette's default is "\r\n").
SEP = "\n"


def sse(event: str, data: object) -> ServerSentEvent:
    # JSON escapes line breaks inside strings, so every event is one `event:` and one `data:` line.
    return ServerSentEvent(json.dumps(data, ensure_ascii=False, default=str), event=event, sep=SEP)


def keepalive() -> ServerSentEvent:
    """The comment sse-starlette sends every COOLPAPERS_FAQ_KEEPALIVE_S so proxies keep the stream."""
    return ServerSentEvent(comment="keep-alive", sep=SEP)


class Flag(Protocol):
    def is_set(self) -> bool: ...


def _error(code: str, message: str, retryable: bool) -> ServerSentEvent:
    return sse("error", {"code": code, "message": message, "retryable": retryable})


def _terminal(view: FaqView) -> ServerSentEvent | None:
    if view.status == "done":
        return sse("done", faq_out(view).model_dump(mode="json"))
    if view.status == "failed":
        return _error("failed", view.message or "the FAQ could not be written", view.retryable)
    if view.status == "unconfigured" or (view.message == NOT_CONFIGURED and view.status != "running"):
        return _error("unconfigured", NOT_CONFIGURED, False)
    if view.status == "absent":
        return _error("not_requested", "No FAQ has been requested for this paper yet: POST to this "
                      "FAQ's URL first.", True)  # fmt: skip
    return None


def _text_of_current_attempt(history: list[StreamEvent]) -> str:
    starts = [i for i, e in enumerate(history) if e.kind == "start"]
    tail = history[starts[-1] + 1 :] if starts else history
    if any(e.kind == "end" for e in tail):
        return ""  # that attempt is over (a retry is waiting): its partial text is stale
    return "".join(e.text for e in tail if e.kind == "text")


RESTARTING = "The server is restarting; try again in a moment."


async def faq_stream(
    service: FaqService, hub: WatchHub, arxiv_id: str, lang: str, client: str, stopping: Iterable[Flag] = ()
) -> AsyncIterator[ServerSentEvent]:
    """`stopping`: flags set when the server is asked to stop; the stream then ends with a
    retryable error rather than being cut off when the server's grace period is over.
    Keep-alive comments are the response's (sse-starlette's ping), not this generator's."""
    flags = tuple(stopping)
    try:
        view = await service.view(arxiv_id, lang)
    except FaqRefused as exc:
        yield _error("not_found" if exc.reason == "not_found" else "bad_request", exc.message, False)
        return
    if (end := _terminal(view)) is not None or view.faq_id is None:
        yield end or _error("internal_error", "no FAQ row", True)
        return
    if (busy := hub.refusal(client)) is not None:
        yield _error("busy", busy, True)
        return
    try:
        async with hub.watching(view.faq_id, lang, client) as watch:
            async for event in _follow(watch, view, flags):
                yield event
    except ChannelUnavailable as exc:
        yield _error("unavailable", str(exc), True)


async def _follow(watch: Watch, view: FaqView, flags: tuple[Flag, ...]) -> AsyncIterator[ServerSentEvent]:
    history = list(watch.events)
    cursor = len(history)
    status = (view.status, view.position)
    yield sse("status", {"status": view.status, "position": view.position})
    # The history, not the row read a moment earlier, says what was written: an attempt may have
    # started (and streamed) between the two reads.
    yield sse("text", {"text": _text_of_current_attempt(history), "replace": True})
    ends_at = time.monotonic() + MAX_STREAM_S
    while True:
        if any(flag.is_set() for flag in flags):
            yield _error("unavailable", RESTARTING, True)
            return
        if time.monotonic() > ends_at:
            yield _error("timeout", "This stream has been open a long time; reconnect to follow it.", True)
            return
        seen = watch.version
        for event in watch.events[cursor:]:
            if event.kind == "text":
                yield sse("text", {"text": event.text})
            elif event.kind == "start":
                # A new attempt: its text replaces whatever an earlier, failed attempt streamed.
                if status != ("running", 0):
                    status = ("running", 0)
                    yield sse("status", {"status": "running", "position": 0})
                yield sse("text", {"text": "", "replace": True})
        cursor = len(watch.events)
        if watch.broken is not None:
            yield _error("unavailable", watch.broken, True)
            return
        if watch.view is not None:
            if (end := _terminal(watch.view)) is not None:
                yield end
                return
            if (watch.view.status, watch.view.position) != status:
                status = (watch.view.status, watch.view.position)
                yield sse("status", {"status": status[0], "position": status[1]})
        await watch.wait(seen, RECHECK_S)
