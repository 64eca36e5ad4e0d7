"""A streaming client for any OpenAI-compatible chat-completions endpoint.

It yields the answer's text as it arrives and classifies every failure: `Retryable` (429, 5xx,
timeouts, a stream cut before [DONE], a malformed chunk) or `Fatal` (bad key, unknown model)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from httpx_sse import EventSource, SSEError

from coolpapers.app.arxiv.client import retry_after_seconds
from coolpapers.app.settings import Settings


class LlmError(Exception):
    pass


class Retryable(LlmError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Fatal(LlmError):
    """Retrying cannot help: the configuration or the request is wrong."""


@dataclass
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


NOT_CONFIGURED = (
    "No LLM is configured: set COOLPAPERS_LLM_BASE_URL, COOLPAPERS_LLM_MODEL (and COOLPAPERS_LLM_API_KEY)"
)


def _body_excerpt(body: bytes) -> str:
    try:
        data = json.loads(body)
        message = data.get("error", {}).get("message") if isinstance(data, dict) else None
        if isinstance(message, str):
            return message[:300]
    except (ValueError, AttributeError):
        pass
    return body[:300].decode("utf-8", "replace").strip()


class LlmClient:
    def __init__(self, settings: Settings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        timeout = httpx.Timeout(connect=10.0, read=settings.llm_timeout_s, write=30.0, pool=None)
        self._http = http or httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_connections=None))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def stream(self, prompt: str, usage: Usage) -> AsyncIterator[str]:
        """Yield content deltas; fill `usage` from the usage chunk. Ends only after [DONE]."""
        s = self.settings
        payload: dict[str, object] = {
            "model": s.llm_model,
            "messages": [{"role": "user", "content": prompt}],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if s.llm_max_tokens:
            payload["max_tokens"] = s.llm_max_tokens
        headers = {"Authorization": f"Bearer {s.llm_api_key}"} if s.llm_api_key else {}
        url = f"{s.llm_base_url}/chat/completions"
        try:
            async with self._http.stream("POST", url, json=payload, headers=headers) as resp:
                if resp.status_code != 200:
                    await self._raise_for(resp)
                async for delta in self._parse(resp, usage):
                    yield delta
        except httpx.TimeoutException:
            raise Retryable(f"the LLM provider did not answer within {s.llm_timeout_s:g} s") from None
        except httpx.TransportError as exc:
            raise Retryable(f"connection to the LLM provider failed: {exc!r}") from None

    async def _raise_for(self, resp: httpx.Response) -> None:
        body = await resp.aread()
        status = resp.status_code
        detail = _body_excerpt(body)
        if status in (401, 403):
            raise Fatal(
                f"the LLM provider refused the API key (HTTP {status}: {detail}); "
                "check COOLPAPERS_LLM_API_KEY and COOLPAPERS_LLM_BASE_URL"
            )
        if status == 429 or status >= 500 or status == 408:
            raise Retryable(
                f"LLM provider HTTP {status}: {detail}", retry_after_seconds(resp.headers.get("retry-after"))
            )
        raise Fatal(
            f"the LLM provider rejected the request (HTTP {status}: {detail}); check COOLPAPERS_LLM_MODEL"
        )

    async def _parse(self, resp: httpx.Response, usage: Usage) -> AsyncIterator[str]:
        # httpx-sse splits lines on \r\n, \r and \n only (httpx's own line reader also splits on
        # U+2028 and the like, which may sit raw inside a JSON string), joins multi-line data and
        # drops comments (OpenRouter's ": OPENROUTER PROCESSING"). An event is only dispatched at
        # its blank line: a stream cut inside one never counts as [DONE].
        try:
            async for event in EventSource(resp).aiter_sse():
                if not event.data:
                    continue  # an event without data (a lone `retry:` or `id:` field)
                if event.data == "[DONE]":
                    return
                for delta in _read_chunk(event.event, event.data, usage):
                    yield delta
        except SSEError as exc:  # not an event stream at all (say, a JSON body despite "stream")
            raise Retryable(f"the LLM provider did not answer with an event stream: {exc}") from None
        raise Retryable("the LLM provider's stream ended before [DONE]")


def _error_status(error: object) -> int | None:
    """The HTTP status an in-stream error object names: `code` (OpenRouter, SGLang) or
    `status_code` (Groq), as a number or numeric text; None when it names none."""
    if not isinstance(error, dict):
        return None
    for key in ("status_code", "code", "status"):
        value = error.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 100 <= value < 600:
            return value
        if isinstance(value, str) and value.isdigit() and 100 <= int(value) < 600:
            return int(value)
    return None


def _stream_error(error: object) -> LlmError:
    """An error inside an HTTP 200 stream is as final as the same status outside one: a 4xx (the
    context is too long, the request is invalid) is not retried; 408, 429, 5xx and errors that name
    no status are."""
    message = error.get("message", error) if isinstance(error, dict) else error
    status = _error_status(error)
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        return Fatal(f"the LLM provider rejected the request mid-stream (HTTP {status}: {message})")
    return Retryable(f"the LLM provider reported an error mid-stream: {error}")


def _read_chunk(event: str, data: str, usage: Usage) -> list[str]:
    """One chat-completion chunk's content deltas; fills `usage` when the chunk carries it."""
    try:
        chunk = json.loads(data)
        if event == "error" or chunk.get("error"):  # Groq sends `event: error`, others an error object
            raise _stream_error(chunk.get("error", chunk))
        choices = chunk.get("choices") or []
        # Most providers send usage at the top level; some (Moonshot) inside the last choice.
        counts = chunk.get("usage") or next((c["usage"] for c in choices if c.get("usage")), None)
        if counts:
            usage.prompt_tokens = counts.get("prompt_tokens")
            usage.completion_tokens = counts.get("completion_tokens")
        return [str(content) for c in choices if (content := (c.get("delta") or {}).get("content"))]
    except (ValueError, AttributeError, TypeError, KeyError) as exc:
        if event == "error":
            raise Retryable(f"the LLM provider reported an error mid-stream: {data[:300]}") from None
        raise Retryable(f"the LLM provider sent a malformed chunk: {exc}") from None
