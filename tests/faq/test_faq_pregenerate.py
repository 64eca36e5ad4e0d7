"""Background pre-generation (COOLPAPERS_FAQ_PREGENERATE*): which papers get background FAQs, the
daily caps, its place behind readers' clicks, and the worker running it only when asked to."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.records import AnnouncementRecord, PaperRecord
from coolpapers.app.faq.prompts import prompt_for
from coolpapers.app.store import faqs as store
from coolpapers.app.store import llm_spend
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.models import Faq, LlmSpend, Paper
from coolpapers.app.store.papers import store_announcements, store_papers
from coolpapers.worker.context import WorkerContext
from coolpapers.worker.duties import duties_for
from coolpapers.worker.faq import pregenerate_once
from tests.fake_llm.server import FakeLlm
from tests.faq.live import LiveApp, faq_settings, wait_for

TODAY = dt.datetime.now(dt.UTC).date()
BG, READER = store.BACKGROUND_PRIORITY, store.READER_PRIORITY
_serial = iter(range(1, 100_000))


def list_papers(factory: sessionmaker[Session], *cats: tuple[str, ...], day: dt.date = TODAY) -> list[int]:
    """Store one paper per category tuple, announced on `day`: new in its primary category and
    cross-listed in the others, as a feed stores them. Returns the papers' row ids."""
    records = [
        PaperRecord(f"2406.{next(_serial):05d}", "A paper", ("A. Author",), "We study it.", c) for c in cats
    ]
    announced = [
        AnnouncementRecord(r.arxiv_id, cat, day, "new" if pos == 0 else "cross", n)
        for n, r in enumerate(records)
        for pos, cat in enumerate(r.categories)
    ]
    with session_scope(factory) as session:
        ids, _ = store_papers(session, records)
        store_announcements(session, announced, ids)
    return [ids[r.arxiv_id] for r in records]


def faqs(factory: sessionmaker[Session]) -> set[tuple[int, str, int]]:
    """Every FAQ row as (paper id, language, priority)."""
    with session_scope(factory) as session:
        return {(f.paper_id, f.language, f.priority) for f in session.scalars(select(Faq))}


def arxiv_id_of(factory: sessionmaker[Session], paper_id: int) -> str:
    with session_scope(factory) as session:
        return session.get_one(Paper, paper_id).arxiv_id


def done_count(factory: sessionmaker[Session]) -> int:
    with session_scope(factory) as session:
        return len(session.scalars(select(Faq.id).where(Faq.status == "done")).all())


def ask(factory: sessionmaker[Session], paper_id: int, lang: str = "en", priority: int = READER) -> int:
    row, _ = store.request_faq(factory, paper_id, lang, prompt_for(lang).version, priority)
    return row.id


def generate(factory: sessionmaker[Session], tokens: int, only_id: int | None = None) -> bool:
    """Do a worker's part for the next waiting row (or row `only_id`): it used `tokens` tokens."""
    claim = store.claim_next(factory, "w", only_id)
    if claim is None:
        return False
    today = dt.datetime.now(dt.UTC).date()
    assert llm_spend.reserve(factory, today, tokens, 0, claim.priority < store.READER_PRIORITY)  # as charged
    assert store.finish_done(factory, claim, markdown="x", model="m", input_kind="abstract",
                             prompt_tokens=tokens // 2, completion_tokens=tokens - tokens // 2)  # fmt: skip
    return True


def generate_all(factory: sessionmaker[Session], tokens: int) -> None:
    while generate(factory, tokens):
        pass


def make_yesterdays(factory: sessionmaker[Session]) -> None:
    """Move every row's creation and finish a day back: they no longer count against today's caps."""
    day = dt.timedelta(days=1)
    with session_scope(factory) as session:
        session.execute(delete(LlmSpend))  # what today was charged is yesterday's now
        for row in session.scalars(select(Faq)):
            row.created_at -= day
            if row.finished_at is not None:
                row.finished_at -= day


@pytest.fixture
def pregenerate(database_url: str) -> Iterator[Any]:
    """Runs `pregenerate_once` in a worker context built from the given settings."""
    contexts: list[WorkerContext] = []

    def run(**overrides: Any) -> int:
        values = {"faq_pregenerate": True, "faq_languages": "en,zh", "llm_concurrency": 10, **overrides}
        ctx = WorkerContext.build(faq_settings(database_url, **values))
        contexts.append(ctx)
        return asyncio.run(pregenerate_once(ctx))

    yield run
    for ctx in contexts:
        ctx.close()


def test_new_papers_of_the_chosen_categories_get_background_faqs_in_every_language(
    session_factory: sessionmaker[Session], pregenerate: Any
) -> None:
    cats = [("cs.CL",), ("cs.LG", "cs.CL"), ("math.AG",), ("cs.CL",)]
    new, crossed, other, asked = list_papers(session_factory, *cats)
    (old,) = list_papers(session_factory, ("cs.CL",), day=TODAY - dt.timedelta(days=5))
    # Stored today but never announced: an imported or looked-up paper is not new.
    with session_scope(session_factory) as session:
        ids, _ = store_papers(session, [PaperRecord("1706.03762", "Old", ("A",), "Old.", ("cs.CL",))])
        # A new version of an old paper is listed too, as a replacement: it is not a new paper.
        replaced = PaperRecord("1512.03385", "Replaced", ("A",), "v2.", ("cs.CL",), version=2)
        ids.update(store_papers(session, [replaced])[0])
        store_announcements(
            session, [AnnouncementRecord(replaced.arxiv_id, "cs.CL", TODAY, "replace", 9)], ids
        )
    ask(session_factory, asked, "en")  # a reader already asked for this one in English
    assert pregenerate(faq_pregenerate_categories="cs.CL") == 5
    expected = {(p, lang, BG) for p in (new, crossed) for lang in ("en", "zh")}
    expected |= {(asked, "en", READER), (asked, "zh", BG)}
    assert faqs(session_factory) == expected
    assert not {other, old, *ids.values()} & {p for p, _, _ in faqs(session_factory)}
    # Running again queues nothing more: no row is ever duplicated.
    assert pregenerate(faq_pregenerate_categories="cs.CL") == 0
    assert faqs(session_factory) == expected


def test_an_archive_or_no_category_selects_every_matching_category(
    session_factory: sessionmaker[Session], pregenerate: Any
) -> None:
    cl, math = list_papers(session_factory, ("cs.CL",), ("math.AG",))
    assert pregenerate(faq_pregenerate_categories="cs", faq_languages="en") == 1
    assert faqs(session_factory) == {(cl, "en", BG)}
    assert pregenerate(faq_languages="en") == 1  # empty: every category
    assert faqs(session_factory) == {(cl, "en", BG), (math, "en", BG)}


def test_the_daily_paper_cap_counts_papers_each_in_every_language(
    session_factory: sessionmaker[Session], pregenerate: Any
) -> None:
    papers = sorted(list_papers(session_factory, *[("cs.LG",)] * 5), reverse=True)
    caps = {"faq_pregenerate_daily_papers": 3, "llm_concurrency": 2}
    assert pregenerate(**caps) == 4  # a batch of two papers, newest first, each in en and zh
    assert faqs(session_factory) == {(p, lang, BG) for p in papers[:2] for lang in ("en", "zh")}
    generate_all(session_factory, tokens=10)
    assert pregenerate(**caps) == 2  # four FAQs so far, but two papers: one more is allowed
    assert {(papers[2], "en", BG), (papers[2], "zh", BG)} <= faqs(session_factory)
    generate_all(session_factory, tokens=10)
    assert pregenerate(**caps) == 0  # today's cap is reached
    make_yesterdays(session_factory)
    assert pregenerate(**caps) == 4  # a new day, a new cap
    assert len(faqs(session_factory)) == 10


def test_the_daily_token_cap_counts_background_usage_only(
    session_factory: sessionmaker[Session], pregenerate: Any
) -> None:
    first, second = list_papers(session_factory, ("cs.LG",), ("cs.LG",))
    # Readers spent far more than the background cap today: that does not stop background work.
    generate(session_factory, 50_000, ask(session_factory, first, "en"))
    generate(session_factory, 50_000, ask(session_factory, first, "zh"))
    caps = {"faq_pregenerate_daily_tokens": 1000, "faq_daily_token_budget": 0}
    assert pregenerate(**caps) == 2
    assert faqs(session_factory) >= {(second, "en", BG), (second, "zh", BG)}
    generate_all(session_factory, tokens=600)  # background: 2 × 600 = 1200 of 1000
    (third,) = list_papers(session_factory, ("cs.LG",))
    assert pregenerate(**caps) == 0
    make_yesterdays(session_factory)
    assert pregenerate(**caps) == 2
    assert {(third, "en", BG), (third, "zh", BG)} <= faqs(session_factory)


def test_nothing_is_queued_once_the_sites_daily_budget_is_spent(
    session_factory: sessionmaker[Session], pregenerate: Any
) -> None:
    first, _ = list_papers(session_factory, ("cs.LG",), ("cs.LG",))
    generate(session_factory, 5000, ask(session_factory, first, "en"))
    # Readers are refused past the site's budget: background work stops there too.
    assert pregenerate(faq_daily_token_budget=5000) == 0
    assert pregenerate(faq_daily_token_budget=5001) == 3


def test_background_work_is_queued_a_batch_at_a_time_so_the_token_cap_holds(
    session_factory: sessionmaker[Session], pregenerate: Any
) -> None:
    list_papers(session_factory, *[("cs.LG",)] * 6)
    # Queuing the whole day at once would spend it all before any usage could be counted.
    assert pregenerate(llm_concurrency=3) == 6  # 3 papers, each in en and zh
    assert pregenerate(llm_concurrency=3) == 0  # all still waiting: no more
    generate(session_factory, 10)
    generate(session_factory, 10)  # the newest paper is done in both languages
    assert pregenerate(llm_concurrency=3) == 2  # room for one paper more
    generate_all(session_factory, tokens=400)  # 20 + 6 × 400 tokens spent: past the cap of 1000
    assert pregenerate(llm_concurrency=3, faq_pregenerate_daily_tokens=1000) == 0


def test_a_readers_click_is_claimed_before_background_rows(
    session_factory: sessionmaker[Session], pregenerate: Any
) -> None:
    first, second, clicked = list_papers(session_factory, ("cs.LG",), ("cs.LG",), ("math.AG",))
    assert pregenerate(faq_pregenerate_categories="cs.LG", faq_languages="en") == 2
    ask(session_factory, clicked)  # queued after the background rows
    ask(session_factory, first)  # a reader opens a paper whose FAQ waits in the background
    order = [store.claim_next(session_factory, f"w{n}") for n in range(4)]
    assert [claim.paper_id if claim else None for claim in order] == [first, clicked, second, None]


def test_the_worker_pregenerates_only_when_enabled(sqlite_url: str, fake_llm: tuple[FakeLlm, str]) -> None:
    enabled = faq_settings(sqlite_url, fake_llm[1], faq_pregenerate=True, faq_languages="en")
    assert "faq-pregenerator" in dict(duties_for(enabled))
    assert "faq-pregenerator" in dict(duties_for(enabled, frozenset({"faq"})))
    assert "faq-pregenerator" not in dict(duties_for(enabled, frozenset({"feeds", "search"})))
    disabled = faq_settings(sqlite_url, fake_llm[1], faq_languages="en")
    assert "faq-pregenerator" not in dict(duties_for(disabled))
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    try:
        paper, other = list_papers(factory, ("cs.LG",), ("math.AG",))
        with LiveApp(disabled) as live:
            # A reader's FAQ is written: the worker's duties are running, and none queued background work.
            assert httpx.post(f"{live.url}/api/papers/{arxiv_id_of(factory, other)}/faq").status_code == 200
            wait_for(lambda: done_count(factory) == 1, what="the reader's FAQ")
        assert faqs(factory) == {(other, "en", READER)} and fake_llm[0].completed == 1
        with LiveApp(enabled):
            wait_for(lambda: done_count(factory) == 2, what="the background FAQ")
        assert faqs(factory) == {(other, "en", READER), (paper, "en", BG)} and fake_llm[0].completed == 2
    finally:
        engine.dispose()
