"""The polite arXiv client against the fake arXiv: pacing, User-Agent, Retry-After, backoff, caps."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import TypedDict, TypeVar, Unpack

import pytest

from coolpapers.app.arxiv.client import ArxivClient, ArxivTooLarge, ArxivUnavailable
from tests.conftest import make_settings
from tests.fake_arxiv.server import FakeArxiv

T = TypeVar("T")


class ClientOptions(TypedDict, total=False):
    """The ArxivClient knobs a test may turn; the rest keep their defaults."""

    max_attempts: int
    timeout_s: float
    backoff_base_s: float
    max_bytes: int


def run(
    fake: FakeArxiv,
    use: Callable[[ArxivClient], Awaitable[T]],
    interval: float = 0,
    **kw: Unpack[ClientOptions],
) -> T:
    settings = make_settings(**{**fake.settings_overrides(), "arxiv_min_interval_s": interval},
                             contact_email="lab@example.org")  # fmt: skip

    async def go() -> T:
        client = ArxivClient(settings, **kw)
        try:
            return await use(client)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_requests_are_paced_and_name_a_contact(fake_arxiv: FakeArxiv) -> None:
    async def three(c: ArxivClient) -> None:
        await asyncio.gather(*(c.get(f"{fake_arxiv.url}/rss/cs.CL") for _ in range(3)))

    run(fake_arxiv, three, interval=0.3)
    times = [r.at for r in fake_arxiv.requests]
    assert len(times) == 3 and all(b - a >= 0.3 for a, b in itertools.pairwise(times))
    assert "mailto:lab@example.org" in fake_arxiv.requests[0].headers["User-Agent"]


def test_retry_after_is_honoured_then_success(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.fail("/rss", "503", retry_after=1)
    resp = run(fake_arxiv, lambda c: c.get(f"{fake_arxiv.url}/rss/cs.CL"), backoff_base_s=0.01)
    assert resp.status == 200
    first, second = (r.at for r in fake_arxiv.requests)
    assert second - first >= 0.95


def test_5xx_backs_off_and_gives_up_after_the_attempt_cap(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.fail("/rss", "500", times=10)
    with pytest.raises(ArxivUnavailable) as err:
        run(fake_arxiv, lambda c: c.get(f"{fake_arxiv.url}/rss/cs.CL"), backoff_base_s=0.01, max_attempts=3)
    assert "HTTP 500 after 3 attempts" in str(err.value) and err.value.url.endswith("/rss/cs.CL")
    assert len(fake_arxiv.requests) == 3


def test_timeouts_are_retried(fake_arxiv: FakeArxiv) -> None:
    # The first answer would take a minute: a second request is only made if the first timed out.
    fake_arxiv.fail("/rss", "slow", delay_s=60)
    resp = run(fake_arxiv, lambda c: c.get(f"{fake_arxiv.url}/rss/cs.CL"), timeout_s=0.3, backoff_base_s=0.01)
    assert resp.status == 200 and len(fake_arxiv.requests) == 2


def test_oversized_response_is_refused(fake_arxiv: FakeArxiv) -> None:
    with pytest.raises(ArxivTooLarge):
        run(fake_arxiv, lambda c: c.get(f"{fake_arxiv.url}/rss/cs.CL", max_bytes=1000))


def test_pdf_is_served(fake_arxiv: FakeArxiv) -> None:
    resp = run(fake_arxiv, lambda c: c.get(f"{fake_arxiv.url}/pdf/2606.10376v2"))
    assert resp.status == 200 and resp.body.startswith(b"%PDF-1.4") and resp.body.rstrip().endswith(b"%%EOF")


def test_a_redirect_leads_only_to_an_arxiv_host(fake_arxiv: FakeArxiv) -> None:
    settings = make_settings(**fake_arxiv.settings_overrides())
    elsewhere = fake_arxiv.url.replace("127.0.0.1", "localhost")  # the same server, another host name
    fake_arxiv.fail("/pdf/", "redirect", location=f"{elsewhere}/pdf/2606.10376")
    fake_arxiv.fail("/api/", "redirect", location=f"{fake_arxiv.url}/pdf/2606.10376")  # on arXiv: followed

    async def run() -> None:
        client = ArxivClient(settings, backoff_base_s=0.01)
        try:
            with pytest.raises(ArxivUnavailable, match="redirect to localhost refused"):
                await client.get(f"{fake_arxiv.url}/pdf/2606.10376")
            followed = await client.get(f"{fake_arxiv.url}/api/query?id_list=2606.10376")
            assert followed.status == 200 and followed.body.startswith(b"%PDF")
        finally:
            await client.aclose()

    asyncio.run(run())
    assert not [p for p in fake_arxiv.paths() if "localhost" in p]
    assert (
        len(fake_arxiv.paths("/pdf/")) == 2
    )  # the refused redirect was not retried, the allowed one followed


def test_a_trickling_transfer_ends_at_its_deadline_and_frees_the_turn(fake_arxiv: FakeArxiv) -> None:
    settings = make_settings(**fake_arxiv.settings_overrides())
    fake_arxiv.fail("/pdf/", "trickle", delay_s=0.2)

    async def run() -> None:
        client = ArxivClient(settings, deadline_s=1.0, timeout_s=5.0)  # each byte beats the read timeout
        try:
            with pytest.raises(ArxivUnavailable, match="no complete answer within 1 s"):
                await client.get(f"{fake_arxiv.url}/pdf/2606.10376")
            after = await client.get(f"{fake_arxiv.url}/pdf/2606.10376")  # the next request goes ahead
            assert after.status == 200
        finally:
            await client.aclose()

    asyncio.run(run())
    assert len(fake_arxiv.paths("/pdf/")) == 2  # not retried
