"""An OpenAI-compatible `POST /chat/completions` streaming server on 127.0.0.1.

It streams exactly as the chat-completions API does (a role chunk, content deltas, a chunk with
finish_reason, a usage chunk when `stream_options.include_usage`, then `data: [DONE]`), counts
calls, and injects faults on demand: a scripted list of faults for the next calls, a default mode,
or random failures at a given rate."""

from __future__ import annotations

import asyncio
import json
import random
import re
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

FAULTS = ("429", "500", "hang", "cut", "badjson", "401")
RANDOM_FAULTS = ("429", "500", "hang", "cut", "badjson")


def answer_for(prompt: str) -> str:
    """A deterministic six-part answer naming the paper, so each FAQ's text is checkable."""
    title = re.search(r"^(?:Title|标题)[:：] ?(.*)$", prompt, re.MULTILINE)
    name = title.group(1).strip() if title else "unknown"
    parts = [f"## Q{i}: about {name}\n\nPart {i} of the answer, with $x_{i}^2$ math.\n" for i in range(1, 7)]
    return "\n".join(parts)


# Errors inside an HTTP 200 stream, shaped as SGLang (context length) and OpenRouter (rate) send them.
STREAM_ERRORS: dict[str, dict[str, Any]] = {
    "stream400": {"object": "error", "type": "BadRequestError", "param": None, "code": 400,
                  "message": "Requested token count exceeds the model's maximum context length."},
    "stream429": {"code": 429, "message": "Rate limit exceeded: free-models-per-min."},
}  # fmt: skip


@dataclass
class FakeLlm:
    mode: str = "ok"  # ok, one of FAULTS, or "random"
    script: list[str] = field(default_factory=list)  # faults for the next calls, then `mode`
    failure_rate: float = 0.3
    chunk_delay_s: float = 0.0
    chunk_chars: int = 12
    first_token_delay_s: float = 0.0
    hang_s: float = 30.0
    retry_after: str = "1"
    api_key: str | None = None
    calls: int = 0
    completed: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    prompts: list[str] = field(default_factory=list)
    first_token_at: list[float] = field(default_factory=list)  # time.monotonic() of first deltas
    called_at: list[float] = field(default_factory=list)  # time.monotonic() each request arrived
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _fault(self) -> str:
        with self.lock:
            self.calls += 1
            self.called_at.append(time.monotonic())
            if self.script:
                return self.script.pop(0)
        if self.mode == "random":
            return random.choice(RANDOM_FAULTS) if random.random() < self.failure_rate else "ok"
        return self.mode

    async def handle(self, request: Request) -> Response:
        fault = self._fault()
        body = await request.json()
        if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
            fault = "401"
        if fault == "401":
            return JSONResponse({"error": {"message": "Incorrect API key provided", "type": "auth"}}, 401)
        if fault == "401echo":  # a provider that quotes the credential it refused, as some do
            said = f"Invalid authorization header: {request.headers.get('authorization')}"
            return JSONResponse({"error": {"message": said, "type": "auth"}}, 401)
        if fault == "429":
            return JSONResponse({"error": {"message": "Rate limit reached"}}, 429,
                                headers={"Retry-After": self.retry_after})  # fmt: skip
        if fault == "500":
            return JSONResponse({"error": {"message": "The server had an error"}}, 500)
        if fault == "hang":
            await asyncio.sleep(self.hang_s)
            return JSONResponse({"error": {"message": "too late"}}, 504)
        prompt = body["messages"][-1]["content"]
        with self.lock:
            self.prompts.append(prompt)
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chunks = self._stream(body["model"], prompt, fault, usage)
        return StreamingResponse(chunks, media_type="text/event-stream")

    async def _stream(self, model: str, prompt: str, fault: str, usage: bool) -> AsyncIterator[bytes]:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            text = answer_for(prompt)
            base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                    "model": model}  # fmt: skip

            def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
                data = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                return f"data: {json.dumps(data)}\n\n".encode()

            yield chunk({"role": "assistant", "content": ""})
            if self.first_token_delay_s:
                await asyncio.sleep(self.first_token_delay_s)
            pieces = [text[i : i + self.chunk_chars] for i in range(0, len(text), self.chunk_chars)]
            for n, piece in enumerate(pieces):
                if n == 0:
                    self.first_token_at.append(time.monotonic())
                if fault == "cut" and n == len(pieces) // 2:
                    return  # the connection ends mid-answer, without [DONE]
                if fault in STREAM_ERRORS and n == len(pieces) // 2:
                    yield f"data: {json.dumps({'error': STREAM_ERRORS[fault]})}\n\n".encode()
                    return  # as providers do: the error event, then the end of the stream
                if fault == "badjson" and n == len(pieces) // 2:
                    yield b'data: {"choices": [{"delta": {"content": "bro\n\n'
                    return
                yield chunk({"content": piece})
                if self.chunk_delay_s:
                    await asyncio.sleep(self.chunk_delay_s)
            yield chunk({}, "stop")
            if usage:
                tokens = {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(text) // 4}
                tokens["total_tokens"] = tokens["prompt_tokens"] + tokens["completion_tokens"]
                yield f"data: {json.dumps({**base, 'choices': [], 'usage': tokens})}\n\n".encode()
            yield b"data: [DONE]\n\n"
            with self.lock:
                self.completed += 1
        finally:
            with self.lock:
                self.in_flight -= 1

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self.handle, methods=["POST"])])


class ServerThread:
    """Runs an ASGI app under uvicorn on a free 127.0.0.1 port in a background thread.

    It stops at once: uvicorn's own stop notices `should_exit` at its next tick (0.1 s), pauses
    0.1 s more, then waits for open responses; a fake provider has nothing to finish, and a
    hanging or streaming answer must not hold a test's teardown."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        config.load()
        self.server = uvicorn.Server(config)
        self.server.lifespan = config.lifespan_class(config)
        self._started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        await self.server.startup(sockets=[self.sock])
        self._started.set()
        await self._stop.wait()
        for listener in self.server.servers:
            listener.close()
        for connection in list(self.server.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.abort()
        tasks = list(self.server.server_state.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        if not self._started.wait(10):
            raise RuntimeError("test server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(timeout=5)
        self.sock.close()
