"""Provider rate limits (COOLPAPERS_LLM_REQUESTS_PER_MIN / _TOKENS_PER_MIN): the limiter's sliding
minute on a fake clock, and the limits as a worker builds them, spacing real calls to the fake LLM."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from coolpapers.app.faq.fulltext import CHARS_PER_TOKEN
from coolpapers.app.faq.generate import FaqRuntime, ProviderLimiter, run_claim
from coolpapers.app.faq.prompts import prompt_for
from coolpapers.app.queue.channels import build_channels
from coolpapers.app.store import faqs as store
from coolpapers.app.store.db import make_engine, make_session_factory
from tests.fake_llm.server import FakeLlm
from tests.faq.live import add_papers, faq_settings


@dataclass
class FakeClock:
    """Time that passes only when the limiter sleeps, so a minute costs nothing."""

    now: float = 0.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)  # let other callers run, as a real sleep would


def limiter(requests: int, tokens: int, clock: FakeClock) -> ProviderLimiter:
    return ProviderLimiter(requests, tokens, clock=clock, sleep=clock.sleep)


async def acquire_at(lim: ProviderLimiter, clock: FakeClock, at: float, tokens: int = 1) -> float:
    """Acquire at time `at`; returns when the acquire went through."""
    clock.now = max(clock.now, at)
    await lim.acquire(tokens)
    return clock.now


def test_the_request_past_the_limit_waits_until_the_oldest_is_a_minute_old() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        lim = limiter(3, 0, clock)
        assert [await acquire_at(lim, clock, t) for t in (0, 10, 20)] == [0, 10, 20]
        assert clock.slept == []  # the first three go at once
        assert await acquire_at(lim, clock, 30) == 60  # the 4th: when the call at 0 is a minute old
        assert await acquire_at(lim, clock, 60) == 70  # now 10, 20 and 60 are in the minute
        assert await acquire_at(lim, clock, 200) == 200  # an idle minute frees every slot

    asyncio.run(scenario())


def test_an_acquire_that_would_pass_the_token_cap_waits() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        lim = limiter(0, 1000, clock)
        assert await acquire_at(lim, clock, 0, 600) == 0
        assert await acquire_at(lim, clock, 5, 300) == 5  # 900 of 1000
        assert await acquire_at(lim, clock, 10, 200) == 60  # 1100: waits for the 600 to expire
        assert await acquire_at(lim, clock, 60, 600) == 65  # 300 + 200 + 600: waits for the 300
        assert await acquire_at(lim, clock, 65, 200) == 65  # 200 + 600 + 200 fits exactly

    asyncio.run(scenario())


def test_a_request_larger_than_the_token_cap_goes_alone() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        lim = limiter(0, 1000, clock)
        assert await acquire_at(lim, clock, 0, 5000) == 0  # waiting could never help it
        assert await acquire_at(lim, clock, 1, 10) == 60  # but nothing shares its minute

    asyncio.run(scenario())


def test_zero_means_no_limit() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        lim = limiter(0, 0, clock)
        for _ in range(500):
            await lim.acquire(1_000_000)
        assert clock.slept == [] and clock.now == 0
        # Each limit applies on its own: a token cap alone does not limit the number of requests.
        lim = limiter(0, 10_000, clock)
        for _ in range(100):
            await lim.acquire(100)
        assert clock.slept == []

    asyncio.run(scenario())


def test_waiting_callers_are_served_in_turn() -> None:
    async def scenario() -> list[tuple[str, float]]:
        clock = FakeClock()
        lim = limiter(1, 0, clock)
        served: list[tuple[str, float]] = []

        async def caller(name: str) -> None:
            await lim.acquire(1)
            served.append((name, clock.now))

        await asyncio.gather(*(caller(name) for name in "abc"))
        return served

    assert asyncio.run(scenario()) == [("a", 0), ("b", 60), ("c", 120)]


def test_the_worker_runtime_takes_its_limits_from_the_settings(sqlite_url: str) -> None:
    s = faq_settings(sqlite_url, "http://127.0.0.1:9/v1", llm_requests_per_min=7, llm_tokens_per_min=9000)
    rt = FaqRuntime.build(s, make_session_factory(make_engine(sqlite_url)), build_channels(s).bus, "w")
    try:
        lim = rt.limiter
        assert (lim.requests_per_min, lim.tokens_per_min) == (7, 9000)
        assert lim.window_s == 60 and lim.clock is time.monotonic and lim.sleep is asyncio.sleep
    finally:
        asyncio.run(rt.aclose())


WINDOW_S = 1.0  # the runtime's "minute", shortened so the test waits one second, not sixty
ANSWER_TOKENS = 2000


@pytest.mark.parametrize(
    "limits",
    [
        {"llm_requests_per_min": 2},
        # Each call is estimated at its prompt (~400 tokens) plus max_tokens: two fit, three do not.
        {"llm_tokens_per_min": 6000, "llm_max_tokens": ANSWER_TOKENS},
    ],
    ids=["requests", "tokens"],
)
def test_limits_space_out_calls_to_the_provider(
    sqlite_url: str, fake_llm: tuple[FakeLlm, str], limits: dict[str, Any]
) -> None:
    llm, llm_url = fake_llm
    s = faq_settings(sqlite_url, llm_url, faq_languages="en", **limits)
    add_papers(sqlite_url, 3)
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    version = prompt_for("en").version
    for paper_id in (1, 2, 3):
        store.request_faq(factory, paper_id, "en", version, store.READER_PRIORITY)
    claims = [store.claim_next(factory, f"w{n}") for n in range(3)]

    async def run_all() -> list[str]:
        rt = FaqRuntime.build(s, factory, build_channels(s).bus, "w")
        rt.limiter.window_s = WINDOW_S
        try:
            return await asyncio.gather(*(run_claim(rt, c) for c in claims if c is not None))
        finally:
            await rt.aclose()

    try:
        assert asyncio.run(run_all()) == ["done"] * 3
    finally:
        engine.dispose()
    if "llm_tokens_per_min" in limits:  # the premise: two estimates fit the cap, three do not
        estimates = [len(p) // CHARS_PER_TOKEN + ANSWER_TOKENS for p in llm.prompts]
        assert sum(estimates[:2]) <= limits["llm_tokens_per_min"] < sum(estimates)
    first, second, third = sorted(llm.called_at)
    assert second - first < WINDOW_S / 2  # the first two were let through together
    # The third went only when the first was a window old (less the first call's own latency).
    assert third - first >= WINDOW_S - 0.1
