"""The one way to talk to arXiv: polite, patient, and honest about failure.

arXiv asks for at most one request every few seconds over a single connection. Every
request (feeds, API lookups, PDFs) goes through an `ArxivClient`, which serialises its
requests, waits for the instance-wide turn of its `Pacer` (app/arxiv/pacing.py), names us in
the User-Agent, and through tenacity honours Retry-After and backs off with jitter on 429,
5xx and timeouts.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from dataclasses import dataclass, field

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_base, wait_random_exponential

from coolpapers.app.arxiv.pacing import LocalPacer, Pacer, PacerUnavailable
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


class _Transient(Exception):
    """One attempt that may succeed if tried again: a timeout, a lost connection, 429 or 5xx."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class _RetryAfterOrJitter(wait_base):
    """arXiv's Retry-After when it sent one (capped on parsing), else exponential backoff with
    full jitter, so many clients never retry in step."""

    def __init__(self, base_s: float) -> None:
        self.jitter = wait_random_exponential(multiplier=base_s)

    def __call__(self, retry_state: RetryCallState) -> float:
        failed = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(failed, _Transient) and failed.retry_after is not None:
            return failed.retry_after
        return float(self.jitter(retry_state))


class ArxivRefused(ArxivUnavailable):
    """Not retried: arXiv's answer pointed elsewhere, or the transfer outlasted its deadline."""


def arxiv_hosts(settings: Settings) -> frozenset[str]:
    """The hosts of the configured arXiv URLs: the only places a redirect may lead."""
    urls = (settings.arxiv_rss_url, settings.arxiv_api_url, settings.arxiv_pdf_url)
    return frozenset(h for h in (httpx.URL(u).host for u in urls) if h)


@dataclass
class ArxivClient:
    settings: Settings
    max_attempts: int = 4
    timeout_s: float = 30.0  # for each read: a silent server
    deadline_s: float = 120.0  # for a whole transfer: a server trickling a byte now and then
    backoff_base_s: float = 2.0
    max_bytes: int = 50 * 1024 * 1024
    # Whose turn it is across the instance (store.arxiv_pacing.instance_pacer); on its own a
    # client spaces only its own requests.
    pacer: Pacer | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _http: httpx.AsyncClient | None = None

    def __post_init__(self) -> None:
        if self.pacer is None:
            self.pacer = LocalPacer(self.settings.arxiv_min_interval_s)

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            allowed = arxiv_hosts(self.settings)

            async def stay_on_arxiv(resp: httpx.Response) -> None:
                # Hooks run before httpx builds the next request: read where it would go.
                location = resp.headers.get("location") if resp.is_redirect else None
                target = resp.url.join(location) if location else None
                if target is not None and target.host not in allowed:
                    refused = f"redirect to {target.host} refused (not an arXiv host)"
                    raise ArxivRefused(refused, str(resp.url))

            self._http = httpx.AsyncClient(
                timeout=self.timeout_s,
                follow_redirects=True,
                max_redirects=5,
                event_hooks={"response": [stay_on_arxiv]},
                headers={"User-Agent": user_agent(self.settings)},
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def get(
        self, url: str, *, headers: dict[str, str] | None = None, max_bytes: int | None = None
    ) -> Response:
        """GET with politeness and retries. 2xx, 304 and 4xx (other than 429) are returned as is."""
        limit = max_bytes or self.max_bytes
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=_RetryAfterOrJitter(self.backoff_base_s),
            retry=retry_if_exception_type(_Transient),
            before_sleep=lambda state: _log_retry(url, state),
            reraise=True,
        )
        try:
            return await retrying(self._attempt, url, headers or {}, limit)
        except _Transient as exc:
            raise ArxivUnavailable(
                f"{exc.reason} after {self.max_attempts} attempts", url, exc.status
            ) from None

    async def _attempt(self, url: str, headers: dict[str, str], limit: int) -> Response:
        assert self.pacer is not None
        try:
            async with self._lock, self.pacer.turn():  # one request at a time, instance-wide
                resp = await self._fetch(url, headers, limit)
        except httpx.TimeoutException:
            raise _Transient(f"timed out after {self.timeout_s:.0f} s") from None
        except httpx.TransportError as exc:
            raise _Transient(f"connection failed: {exc}") from None
        except PacerUnavailable as exc:
            raise _Transient(f"pacing unavailable: {exc}") from None
        if resp.status in RETRY_STATUSES:
            delay = retry_after_seconds(resp.headers.get("retry-after"))
            raise _Transient(f"HTTP {resp.status}", resp.status, delay)
        return resp

    async def _fetch(self, url: str, headers: dict[str, str], limit: int) -> Response:
        try:
            async with asyncio.timeout(self.deadline_s):
                return await self._read(url, headers, limit)
        except TimeoutError:
            # Not retried: a server that slow would hold the instance's one arXiv turn again.
            raise ArxivRefused(f"no complete answer within {self.deadline_s:.0f} s", url) from None

    async def _read(self, url: str, headers: dict[str, str], limit: int) -> Response:
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


def _log_retry(url: str, state: RetryCallState) -> None:
    failed = state.outcome.exception() if state.outcome else None
    pause = state.next_action.sleep if state.next_action else 0.0
    log.warning("arXiv %s: %s; retry %d in %.1f s", url, failed, state.attempt_number, pause)


class ArxivTooLarge(Exception):
    def __init__(self, url: str, size: int, limit: int) -> None:
        super().__init__(f"{url}: response larger than {limit} bytes ({size}+)")
        self.url = url
