"""The arXiv pacer: its arithmetic, and the slot books (Redis, SQLite, PostgreSQL) it is kept in."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator

import pytest
from redis import Redis

from coolpapers.app.arxiv.pacing import (
    MIN_POLL_S,
    LocalPacer,
    SharedPacer,
    SlotBook,
    next_after_release,
    wait_for_turn,
)
from coolpapers.app.arxiv.pacing_redis import RedisSlotBook
from coolpapers.app.store.arxiv_pacing import DbSlotBook, instance_pacer
from coolpapers.app.store.db import make_engine
from tests.conftest import make_settings

# ---------------------------------------------------------------- arithmetic


def test_a_free_slot_waits_only_for_the_booked_moment() -> None:
    assert wait_for_turn(now=100.0, next_at=0.0, held_until=None, interval_s=3) == 0
    assert wait_for_turn(now=100.0, next_at=100.0, held_until=None, interval_s=3) == 0
    assert wait_for_turn(now=100.0, next_at=102.5, held_until=None, interval_s=3) == pytest.approx(2.5)
    # An expired lease (its holder died) does not hold the slot.
    assert wait_for_turn(now=100.0, next_at=99.0, held_until=99.5, interval_s=3) == 0


def test_a_held_slot_is_asked_again_after_one_interval_or_when_its_lease_ends() -> None:
    # The holder's release books the next turn an interval later, so asking sooner is pointless.
    assert wait_for_turn(now=100.0, next_at=0.0, held_until=115.0, interval_s=3) == 3
    # A lease ending sooner (a dead holder) frees the slot then.
    assert wait_for_turn(now=100.0, next_at=0.0, held_until=101.0, interval_s=3) == pytest.approx(1.0)
    # A tiny interval does not turn waiting into a busy loop.
    assert wait_for_turn(now=100.0, next_at=0.0, held_until=115.0, interval_s=0) == MIN_POLL_S


def test_the_next_turn_counts_from_the_end_of_a_request_and_never_moves_earlier() -> None:
    assert next_after_release(now=100.0, next_at=0.0, interval_s=3) == 103.0
    assert next_after_release(now=100.0, next_at=104.0, interval_s=3) == 104.0


def test_local_pacer_spaces_from_the_end_of_each_request() -> None:
    async def go() -> list[tuple[float, float]]:
        pacer, spans = LocalPacer(0.2), []
        for _ in range(3):
            async with pacer.turn():
                start = time.monotonic()
                await asyncio.sleep(0.05)  # the request itself
                spans.append((start, time.monotonic()))
        return spans

    spans = asyncio.run(go())
    assert all(b[0] - a[1] >= 0.2 for a, b in itertools.pairwise(spans))


# ---------------------------------------------------------------- slot books


@pytest.fixture(params=["redis", "sqlite", "postgres"])
def book(request: pytest.FixtureRequest) -> Iterator[SlotBook]:
    if request.param == "redis":
        redis = Redis.from_url(request.getfixturevalue("redis_url"))
        yield RedisSlotBook(redis, request.getfixturevalue("redis_prefix"), MIN_POLL_S)
        redis.close()
        return
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    yield DbSlotBook(engine)
    engine.dispose()


def test_a_turn_is_exclusive_until_given_back_then_spaced(book: SlotBook) -> None:
    assert book.try_take("a", 60, 30) == 0
    assert book.try_take("b", 60, 30) > 0  # held by a
    assert book.renew("a", 30) and not book.renew("b", 30)
    book.give_back("a", 60)
    wait = book.try_take("b", 60, 30)  # free, but not before a's end + 60 s
    assert 50 < wait <= 60
    assert not book.renew("a", 30)


def test_a_dead_holders_lease_expires(book: SlotBook) -> None:
    assert book.try_take("dead", 0, 0.3) == 0  # takes its turn, then never gives it back
    assert book.try_take("alive", 0, 30) > 0
    deadline = time.monotonic() + 10
    while (wait := book.try_take("alive", 0, 30)) > 0:  # free once the lease runs out
        assert time.monotonic() < deadline, "the dead holder's lease never expired"
        time.sleep(wait)
    assert not book.renew("dead", 30) and book.renew("alive", 30)


def test_shared_pacer_spaces_two_pacers_on_one_book(book: SlotBook) -> None:
    """Two pacers (as two processes would hold) take turns in the same slot."""
    spans: list[tuple[float, float]] = []

    async def burst(pacer: SharedPacer) -> None:
        for _ in range(2):
            async with pacer.turn():
                start = time.monotonic()
                await asyncio.sleep(0.05)
                spans.append((start, time.monotonic()))

    async def go() -> None:
        await asyncio.gather(burst(SharedPacer(book, 0.2)), burst(SharedPacer(book, 0.2)))

    asyncio.run(go())
    spans.sort()
    assert len(spans) == 4
    assert all(b[0] - a[1] >= 0.2 - 0.005 for a, b in itertools.pairwise(spans))


def test_instance_pacer_chooses_by_configuration(sqlite_url: str, redis_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        on_redis = instance_pacer(make_settings(database_url=sqlite_url, redis_url=redis_url), engine)
        on_db = instance_pacer(make_settings(database_url=sqlite_url, arxiv_min_interval_s=1), engine)
        unpaced = instance_pacer(make_settings(database_url=sqlite_url, arxiv_min_interval_s=0), engine)
    finally:
        engine.dispose()
    assert isinstance(on_redis, SharedPacer) and isinstance(on_redis.book, RedisSlotBook)
    assert isinstance(on_db, SharedPacer) and isinstance(on_db.book, DbSlotBook)
    assert isinstance(unpaced, LocalPacer)
    memory = make_engine("sqlite:///:memory:")
    assert isinstance(instance_pacer(make_settings(arxiv_min_interval_s=1), memory), LocalPacer)
    memory.dispose()
