"""One generation: take a claimed row, read the paper, stream the LLM's answer to every viewer,
store it once. The same code runs in the Redis worker, the embedded worker and the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.client import ArxivClient, ArxivTooLarge, ArxivUnavailable
from coolpapers.app.faq.fulltext import NoText, cut_to_budget, extract_in_child
from coolpapers.app.faq.prompts import prompt_for
from coolpapers.app.faq.provider import NOT_CONFIGURED, Fatal, LlmClient, Retryable, Usage
from coolpapers.app.faq.request import CONFIG_ERROR_PREFIX
from coolpapers.app.faq.spend import BudgetSpent, charged, estimate
from coolpapers.app.queue.channels import FaqBus, stale_after
from coolpapers.app.settings import Settings
from coolpapers.app.store import faqs as store
from coolpapers.app.store.arxiv_pacing import instance_pacer
from coolpapers.app.store.db import TRANSIENT, error_line, patiently, session_scope
from coolpapers.app.store.models import Paper

log = logging.getLogger(__name__)


@dataclass
class ProviderLimiter:
    """Requests and tokens towards the provider per minute, within this process (0 = no limit).

    `tokens` is an estimate made before the call (prompt + room for the answer): the provider
    counts the same way when it admits a request. Waiting callers are served in turn."""

    requests_per_min: int
    tokens_per_min: int
    # The clock, the sleep and the length of "a minute" are injectable so the arithmetic can be
    # checked without waiting real minutes; production uses the defaults.
    window_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _requests: deque[float] = field(default_factory=deque)
    _tokens: deque[tuple[float, int]] = field(default_factory=deque)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def acquire(self, tokens: int) -> None:
        async with self._lock:
            while True:
                now = self.clock()
                expired = now - self.window_s  # an entry a full window old no longer counts
                while self._requests and self._requests[0] <= expired:
                    self._requests.popleft()
                while self._tokens and self._tokens[0][0] <= expired:
                    self._tokens.popleft()
                waits = []
                if self.requests_per_min and len(self._requests) >= self.requests_per_min:
                    waits.append(self._requests[0] + self.window_s - now)
                used = sum(n for _, n in self._tokens)
                # A single request larger than the whole cap goes alone once the window is empty,
                # rather than waiting forever.
                if self.tokens_per_min and self._tokens and used + tokens > self.tokens_per_min:
                    waits.append(self._tokens[0][0] + self.window_s - now)
                if not waits:
                    self._requests.append(now)
                    self._tokens.append((now, tokens))
                    return
                await self.sleep(max(0.001, min(waits)))


@dataclass
class FaqRuntime:
    settings: Settings
    session_factory: sessionmaker[Session]
    bus: FaqBus
    llm: LlmClient
    arxiv: ArxivClient
    worker_id: str
    limiter: ProviderLimiter
    inputs: OrderedDict[str, tuple[str, str]] = field(default_factory=OrderedDict)

    @classmethod
    def build(
        cls,
        settings: Settings,
        factory: sessionmaker[Session],
        bus: FaqBus,
        worker_id: str,
        arxiv: ArxivClient | None = None,
    ) -> FaqRuntime:
        """`arxiv`: the process's shared client, so PDF downloads queue behind the same pacer."""
        limiter = ProviderLimiter(settings.llm_requests_per_min, settings.llm_tokens_per_min)
        client = arxiv or ArxivClient(settings, pacer=instance_pacer(settings, factory))
        return cls(settings, factory, bus, LlmClient(settings), client, worker_id, limiter)

    async def aclose(self) -> None:
        await self.llm.aclose()
        await self.arxiv.aclose()


@dataclass(frozen=True)
class PaperInfo:
    arxiv_id: str
    title: str
    authors: list[str]
    abstract: str


def _paper(factory: sessionmaker[Session], paper_id: int) -> PaperInfo:
    with session_scope(factory) as session:
        p = session.get(Paper, paper_id)
        assert p is not None, "FAQ rows cascade with their paper"
        return PaperInfo(p.arxiv_id, p.title, list(p.authors), p.abstract)


async def input_text(rt: FaqRuntime, paper: PaperInfo) -> tuple[str, str]:
    """(text, input kind): the PDF's text when it can be had, else the abstract."""
    if paper.arxiv_id in rt.inputs:
        return rt.inputs[paper.arxiv_id]
    result = (f"Abstract: {paper.abstract}", "abstract")
    if rt.settings.faq_full_text:
        url = f"{rt.settings.arxiv_pdf_url}/{paper.arxiv_id}"
        try:
            resp = await rt.arxiv.get(url, max_bytes=int(rt.settings.faq_pdf_max_mb * 1024 * 1024))
            if resp.status != 200:
                raise NoText(f"HTTP {resp.status}")
            text = await extract_in_child(resp.body, rt.settings.faq_pdf_timeout_s)
            result = (cut_to_budget(text, rt.settings.faq_input_tokens), "full_text")
        except (ArxivUnavailable, ArxivTooLarge, NoText) as exc:
            log.info("FAQ for %s uses the abstract: full text unavailable (%s)", paper.arxiv_id, exc)
    rt.inputs[paper.arxiv_id] = result
    while len(rt.inputs) > 32:
        rt.inputs.popitem(last=False)
    return result


def backoff_s(settings: Settings, attempt: int) -> float:
    ceiling = min(settings.faq_retry_max_s, settings.faq_retry_base_s * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)  # jitter: retries of many jobs never line up


async def _publish(rt: FaqRuntime, faq_id: int, kind: str, text: str = "") -> None:
    try:
        await rt.bus.publish(faq_id, kind, text)
    except Exception as exc:  # streaming is best effort: the stored answer is what counts
        log.warning("FAQ %d: could not publish %s event: %s", faq_id, kind, exc)


async def _generate(rt: FaqRuntime, claim: store.Claim) -> str:
    s = rt.settings
    paper = await asyncio.to_thread(_paper, rt.session_factory, claim.paper_id)
    text, kind = await input_text(rt, paper)
    prompt = prompt_for(claim.language).render(
        title=paper.title, authors=paper.authors, text=text, input_kind=kind
    )
    tokens = estimate(prompt, s)
    await rt.limiter.acquire(tokens)
    usage = Usage()
    parts: list[str] = []
    background = claim.priority < store.READER_PRIORITY
    async with charged(rt.session_factory, s, tokens, usage, background):
        async for delta in rt.llm.stream(prompt, usage):
            parts.append(delta)
            await _publish(rt, claim.faq_id, "text", delta)
    markdown = "".join(parts)
    if not markdown.strip():
        raise Retryable("the LLM provider returned an empty answer")
    # The answer is in hand and paid for: a database briefly locked (a long import on SQLite) or
    # restarting is waited out, within the lease (a lost lease makes the guarded write a no-op).
    stored = await asyncio.to_thread(patiently, lambda: store.finish_done(
        rt.session_factory, claim, markdown=markdown, model=s.llm_model, input_kind=kind,
        prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
    ), stale_after(s).total_seconds())  # fmt: skip
    return "done" if stored else "lost"


async def _keep_lease(rt: FaqRuntime, claim: store.Claim, work: asyncio.Task[str]) -> None:
    """Renew the claim every heartbeat. A beat that fails (the database briefly away) is logged
    and tried again; once no beat has landed for almost the stale window, the sweep of another
    worker may hand the row on, so this attempt is abandoned before two could run at once."""
    loop = asyncio.get_running_loop()
    beat = rt.settings.faq_heartbeat_s
    give_up_s = stale_after(rt.settings).total_seconds() - beat
    last_held = loop.time()
    while not work.done():
        await asyncio.sleep(beat)
        try:
            held = await asyncio.to_thread(store.heartbeat, rt.session_factory, claim)
        except TRANSIENT as exc:
            if loop.time() - last_held < give_up_s:
                log.warning("FAQ %d: heartbeat failed (%s); trying again", claim.faq_id, error_line(exc))
                continue
            log.warning("FAQ %d: no heartbeat for %.0f s (%s); abandoning this attempt",
                        claim.faq_id, loop.time() - last_held, error_line(exc))  # fmt: skip
            work.cancel()
            return
        if not held:
            if work.done():
                return  # the attempt ended (and stored its answer) while this beat was on its way
            log.warning("FAQ %d: lease lost, abandoning this attempt", claim.faq_id)
            work.cancel()
            return
        last_held = loop.time()


def hand_back(factory: sessionmaker[Session], claim: store.Claim, max_attempts: int) -> None:
    """Shutting down: the row goes back now rather than after its lease goes stale. Its claim
    counted as an attempt; with none left the row ends failed, as a stale one does, so workers
    stopped mid-generation time after time cannot keep one row going forever."""
    if claim.attempt >= max_attempts:
        store.finish_failed(factory, claim, store.gave_up_error(max_attempts))
    else:
        store.retry_later(factory, claim, "worker stopped", 0)


async def run_claim(rt: FaqRuntime, claim: store.Claim) -> str:
    """Generate the claimed row; returns its new state (done, failed, pending, lost)."""
    factory, s = rt.session_factory, rt.settings
    await _publish(rt, claim.faq_id, "start")
    try:
        if not s.llm_configured:
            await asyncio.to_thread(store.finish_failed, factory, claim, CONFIG_ERROR_PREFIX + NOT_CONFIGURED)
            return "failed"
        work = asyncio.create_task(_generate(rt, claim))
        lease = asyncio.create_task(_keep_lease(rt, claim, work))
        try:
            return await work
        except asyncio.CancelledError:
            if lease.done():
                return "lost"
            await asyncio.to_thread(hand_back, factory, claim, s.faq_max_attempts)
            raise
        except BudgetSpent as exc:
            await asyncio.to_thread(store.postpone, factory, claim, exc.retry_in_s, str(exc))
            log.warning("FAQ %d waits: the daily token budget is used up for now", claim.faq_id)
            return "pending"
        except Fatal as exc:
            why = s.redact(str(exc))
            await asyncio.to_thread(store.finish_failed, factory, claim, CONFIG_ERROR_PREFIX + why)
            log.error("FAQ %d failed: %s", claim.faq_id, why)
            return "failed"
        except Exception as exc:  # Retryable, and anything unforeseen: retry within the budget
            if claim.attempt >= s.faq_max_attempts:
                reason = f"{s.redact(str(exc))} (gave up after {claim.attempt} attempts)"
                await asyncio.to_thread(store.finish_failed, factory, claim, reason)
                log.error("FAQ %d failed: %s", claim.faq_id, reason)
                return "failed"
            retry_after = exc.retry_after if isinstance(exc, Retryable) else None
            delay = retry_after if retry_after is not None else backoff_s(s, claim.attempt)
            why = s.redact(str(exc))
            await asyncio.to_thread(store.retry_later, factory, claim, why, delay)
            log.warning("FAQ %d attempt %d: %s; retry in %.1f s", claim.faq_id, claim.attempt, why, delay)
            return "pending"
        finally:
            lease.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lease
    finally:
        await _publish(rt, claim.faq_id, "end")
