"""The one way to talk to arXiv: polite, patient, and honest about failure.

arXiv asks for at most one request every few seconds over a single connection. Every
request from this process (feeds, API lookups, PDFs) goes through one `ArxivClient`,
which serialises requests, spaces them by `ARXIV_MIN_INTERVAL_S`, names us in the
User-Agent, honours Retry-After and backs off with jitter on 5xx and timeouts.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from dataclasses import dataclass, field

import httpx

from coolpapers.app.settings import Settings

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER_S = 600.0


class ArxivUnavailable(Exception):
    """arXiv did not give a usable answer within the attempt budget."""

    def __init__(self, message: str, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


@dataclass
class Response:
    status: int
    body: bytes
    headers: httpx.Headers
    url: str


def user_agent(settings: Settings) -> str:
    contact = f"; mailto:{settings.contact_email}" if settings.contact_email else ""
    return f"coolpapers/0.1 (self-hosted arXiv reader{contact})"


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, min(when.timestamp() - time.time(), MAX_RETRY_AFTER_S))


@dataclass
class ArxivClient:
    settings: Settings
    max_attempts: int = 4
    timeout_s: float = 30.0
    backoff_base_s: float = 2.0
    max_bytes: int = 50 * 1024 * 1024
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _last_request: float = 0.0
    _http: httpx.AsyncClient | None = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=self.timeout_s,
                follow_redirects=True,
                headers={"User-Agent": user_agent(self.settings)},
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _pace(self) -> None:
        wait = self._last_request + self.settings.arxiv_min_interval_s - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        # Exponential with full jitter, so many clients never retry in step.
        return random.uniform(0, self.backoff_base_s * 2 ** (attempt - 1))

    async def get(
        self, url: str, *, headers: dict[str, str] | None = None, max_bytes: int | None = None
    ) -> Response:
        """GET with politeness and retries. 2xx, 304 and 4xx (other than 429) are returned as is."""
        limit = max_bytes or self.max_bytes
        last_error = "no attempt made"
        status: int | None = None
        for attempt in range(1, self.max_attempts + 1):
            delay: float | None = None
            async with self._lock:  # one request at a time across the process
                await self._pace()
                try:
                    resp = await self._fetch(url, headers or {}, limit)
                except httpx.TimeoutException:
                    last_error, status = f"timed out after {self.timeout_s:.0f} s", None
                except httpx.TransportError as exc:
                    last_error, status = f"connection failed: {exc}", None
                else:
                    if resp.status not in RETRY_STATUSES:
                        return resp
                    status = resp.status
                    last_error = f"HTTP {resp.status}"
                    delay = retry_after_seconds(resp.headers.get("retry-after"))
                finally:
                    # Spacing counts from the end of a request: connection set-up and a slow
                    # answer never squeeze two requests closer together at arXiv's end.
                    self._last_request = time.monotonic()
            if attempt == self.max_attempts:
                break
            pause = delay if delay is not None else self._backoff(attempt)
            log.warning("arXiv %s: %s; retry %d in %.1f s", url, last_error, attempt, pause)
            await asyncio.sleep(pause)
        raise ArxivUnavailable(f"{last_error} after {self.max_attempts} attempts", url, status)

    async def _fetch(self, url: str, headers: dict[str, str], limit: int) -> Response:
        async with self._client().stream("GET", url, headers=headers) as resp:
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise ArxivTooLarge(url, int(declared), limit)
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise ArxivTooLarge(url, size, limit)
                chunks.append(chunk)
            return Response(resp.status_code, b"".join(chunks), resp.headers, str(resp.url))


class ArxivTooLarge(Exception):
    def __init__(self, url: str, size: int, limit: int) -> None:
        super().__init__(f"{url}: response larger than {limit} bytes ({size}+)")
        self.url = url
