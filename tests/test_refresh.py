"""Daily listings end to end: the refresh use case against the fake arXiv, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.client import ArxivClient
from coolpapers.app.arxiv.schedule import OVERDUE_POLL_INTERVAL, feed_available_at, next_feed_date, poll_again
from coolpapers.app.ingest.refresh import FeedReport, refresh_feeds
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.models import Announcement, ArxivFeed, Paper
from coolpapers.app.store.stats import table_counts
from tests.conftest import make_settings
from tests.fake_arxiv.render import feed_items
from tests.fake_arxiv.server import FakeArxiv

DAY = dt.date(2026, 6, 10)


def refresh(
    factory: sessionmaker[Session],
    arxiv: FakeArxiv,
    cats: str,
    *,
    force: bool = False,
    owner: str = "w1",
) -> list[FeedReport]:
    settings = make_settings(categories=cats, **arxiv.settings_overrides())

    async def run() -> list[FeedReport]:
        client = ArxivClient(settings, backoff_base_s=0.01)
        try:
            return await refresh_feeds(
                factory,
                client,
                settings.arxiv_rss_url,
                settings.categories,
                owner=owner,
                force=force,
                feed_cap=arxiv.item_cap,
            )
        finally:
            await client.aclose()

    return asyncio.run(run())


def listing(factory: sessionmaker[Session], category: str, day: dt.date) -> list[tuple[str, str]]:
    with session_scope(factory) as s:
        rows = s.execute(
            select(Paper.arxiv_id, Announcement.type)
            .join(Paper, Paper.id == Announcement.paper_id)
            .where(Announcement.category == category, Announcement.date == day)
            .order_by(Announcement.position)
        )
        return [(a, t) for a, t in rows]


def row(factory: sessionmaker[Session], query: str) -> ArxivFeed:
    with session_scope(factory) as s:
        return s.scalars(select(ArxivFeed).where(ArxivFeed.query == query)).one()


def test_one_day_listing_is_exactly_the_feed_and_a_second_pass_changes_nothing(
    session_factory: sessionmaker[Session], fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.day = DAY
    [report] = refresh(session_factory, fake_arxiv, "cs.CL")
    assert (report.outcome, report.date, report.skipped) == ("stored", DAY, 0)
    expected = [
        (p.arxiv_id, kind) for p, kind in feed_items(fake_arxiv.papers_on(DAY), {"cs.CL"})
    ]  # the fake server's own feed, in feed order
    assert len(expected) == 73
    assert listing(session_factory, "cs.CL", DAY) == expected
    assert {k for _, k in expected} == {"new", "cross"}
    with session_scope(session_factory) as s:
        before = table_counts(s)
    [again] = refresh(session_factory, fake_arxiv, "cs.CL", force=True)
    assert again.outcome in ("not-modified", "same-day") and again.announcements_added == 0
    with session_scope(session_factory) as s:
        assert table_counts(s) == before
    state = row(session_factory, "cs.CL")
    assert state.last_announced_date == DAY and state.error_count == 0 and state.lease_owner is None
    assert state.next_check_at is not None


def test_replacements_are_flagged_and_keep_earlier_announcements(
    session_factory: sessionmaker[Session], fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.day = DAY
    refresh(session_factory, fake_arxiv, "cs.AI")
    fake_arxiv.day = DAY + dt.timedelta(days=1)  # 2606.10376 comes back as v2 (a changed feed)
    [report] = refresh(session_factory, fake_arxiv, "cs.AI", force=True)
    assert report.outcome == "stored" and report.papers_updated >= 1
    later = listing(session_factory, "cs.AI", DAY + dt.timedelta(days=1))
    assert ("2606.10376", "replace") in later
    kinds = [k for _, k in later]
    assert kinds == sorted(kinds, key=["new", "cross", "replace", "replace-cross"].index)
    with session_scope(session_factory) as s:
        paper = s.scalars(select(Paper).where(Paper.arxiv_id == "2606.10376")).one()
        assert paper.version == 2
        dates = s.scalars(select(Announcement.date).where(Announcement.paper_id == paper.id)).all()
        assert set(dates) == {DAY, DAY + dt.timedelta(days=1)}


def test_archive_feed_derives_each_categorys_own_type(
    session_factory: sessionmaker[Session], fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.day = DAY
    refresh(session_factory, fake_arxiv, "cs")
    for cat in ("cs.CL", "cs.AI", "cs.CV"):
        arxiv_types = [(p.arxiv_id, k) for p, k in feed_items(fake_arxiv.papers_on(DAY), {cat})]
        assert listing(session_factory, cat, DAY) == arxiv_types, cat


def test_full_feed_is_split_and_asked_again(
    session_factory: sessionmaker[Session], fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.day = DAY
    fake_arxiv.item_cap = 150  # the cs feed that day has more: the fake cuts it like arXiv does at 2,000
    reports = refresh(session_factory, fake_arxiv, "cs")
    outcomes = {r.query: r.outcome for r in reports}
    assert outcomes["cs"] == "split"
    assert all(r.items < 150 for r in reports if r.outcome == "stored")
    arxiv_types = [(p.arxiv_id, k) for p, k in feed_items(fake_arxiv.papers_on(DAY), {"cs.CV"})]
    assert listing(session_factory, "cs.CV", DAY) == arxiv_types
    # The split is remembered on the rows: the next pass asks for the halves only.
    fake_arxiv.requests.clear()
    refresh(session_factory, fake_arxiv, "cs", force=True)
    assert "/rss/cs" not in fake_arxiv.paths()


def test_malformed_or_truncated_feed_stores_nothing_and_records_the_error(
    session_factory: sessionmaker[Session], fake_arxiv: FakeArxiv
) -> None:
    for fault in ("truncated", "malformed"):
        fake_arxiv.fail("/rss/", fault)
        [report] = refresh(session_factory, fake_arxiv, "cs.CL", force=True)
        assert report.outcome == "error"
        with session_scope(session_factory) as s:
            assert table_counts(s)["papers"] == 0 and table_counts(s)["announcements"] == 0
        state = row(session_factory, "cs.CL")
        assert state.last_error and "well-formed" in state.last_error
        assert state.last_error_url == f"{fake_arxiv.url}/rss/cs.CL"
        assert state.next_check_at is not None and state.lease_owner is None
    assert row(session_factory, "cs.CL").error_count == 2
    [report] = refresh(session_factory, fake_arxiv, "cs.CL", force=True)  # retried: now it works
    assert report.outcome == "stored" and row(session_factory, "cs.CL").error_count == 0


def test_arxivs_error_feed_is_recorded_as_its_message(
    session_factory: sessionmaker[Session], fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.fail("/rss/", "error-feed")  # the real answer to a bad archive, with HTTP 400
    [report] = refresh(session_factory, fake_arxiv, "cs.CL", force=True)
    assert report.outcome == "error"
    expected = "HTTP 400: arXiv rejected the query: Bad archive 'astroph'. Valid archive names are: astro-ph,"
    assert report.error is not None and report.error.startswith(expected)
    state = row(session_factory, "cs.CL")
    assert state.last_error == report.error and "<" not in state.last_error  # no raw XML


def test_one_bad_item_is_skipped_and_counted(
    session_factory: sessionmaker[Session], fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.fail("/rss/", "bad-item")
    [report] = refresh(session_factory, fake_arxiv, "cs.CL")
    assert report.outcome == "stored" and report.skipped == 1 and report.items == 72
    assert len(listing(session_factory, "cs.CL", DAY)) == 72
    assert row(session_factory, "cs.CL").last_skipped == 1


def test_holiday_feed_records_no_announcement(
    session_factory: sessionmaker[Session], fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.day = dt.date(2026, 6, 19)  # no sample data that day: an empty feed, HTTP 200
    [report] = refresh(session_factory, fake_arxiv, "cs.CL")
    assert report.outcome == "no-announcement"
    state = row(session_factory, "cs.CL")
    assert state.last_outcome == "no-announcement" and state.last_announced_date == dt.date(2026, 6, 19)
    assert state.next_check_at is not None and state.next_check_at.date() >= dt.date(2026, 6, 22)


def test_stale_feed_keeps_polling_and_stores_nothing(
    session_factory: sessionmaker[Session], fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.day = DAY
    refresh(session_factory, fake_arxiv, "cs.CL")
    fake_arxiv.day = DAY + dt.timedelta(days=1)
    fake_arxiv.days[fake_arxiv.day] = fake_arxiv.days[DAY]  # yesterday's batch under today's date
    [report] = refresh(session_factory, fake_arxiv, "cs.CL", force=True)
    assert report.outcome == "stale"
    assert listing(session_factory, "cs.CL", fake_arxiv.day) == []
    state = row(session_factory, "cs.CL")
    assert state.last_announced_date == DAY
    assert state.next_check_at is not None and state.last_success_at is not None
    # It keeps polling; the sample day is months ago, so the awaited day is long overdue: every 2 h.
    assert state.next_check_at - state.last_success_at == OVERDUE_POLL_INTERVAL


def test_a_day_that_is_due_is_polled_every_half_hour_and_less_once_it_is_late() -> None:
    monday = dt.date(2026, 6, 8)
    due = feed_available_at(next_feed_date(monday))  # Tuesday's feed, just after midnight Eastern
    assert due == dt.datetime(2026, 6, 9, 4, 20, tzinfo=dt.UTC)
    assert poll_again(due + dt.timedelta(minutes=5), monday) - due == dt.timedelta(minutes=35)
    assert poll_again(due + dt.timedelta(hours=5), monday) - due == dt.timedelta(hours=5, minutes=30)
    late = due + dt.timedelta(hours=7)
    assert poll_again(late, monday) == late + dt.timedelta(hours=2)
    friday = dt.date(2026, 6, 12)  # the next feed with news is Monday's, not Saturday's
    assert poll_again(dt.datetime(2026, 6, 14, 12, tzinfo=dt.UTC), friday) - dt.datetime(
        2026, 6, 14, 12, tzinfo=dt.UTC
    ) == dt.timedelta(minutes=30)
    assert poll_again(late, None) == late + dt.timedelta(minutes=30)  # nothing stored yet: keep asking


def test_conditional_get_and_leases(session_factory: sessionmaker[Session], fake_arxiv: FakeArxiv) -> None:
    refresh(session_factory, fake_arxiv, "cs.CL")
    # Not due yet: an unforced pass asks nothing.
    fake_arxiv.requests.clear()
    assert refresh(session_factory, fake_arxiv, "cs.CL") == []
    assert fake_arxiv.paths() == []
    # Forced: sent with the ETag, answered 304.
    [report] = refresh(session_factory, fake_arxiv, "cs.CL", force=True)
    assert report.outcome == "not-modified"
    assert fake_arxiv.requests[-1].headers.get("If-None-Match", "").startswith('"')
    # A row leased by another worker is not fetched.
    with session_scope(session_factory) as s:
        s.execute(
            update(ArxivFeed).values(
                lease_owner="w2", lease_until=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
            )
        )
    assert refresh(session_factory, fake_arxiv, "cs.CL", force=True, owner="w1") == []


def test_cli_fetch_end_to_end(sqlite_url: str, fake_arxiv: FakeArxiv) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
    env.update({"COOLPAPERS_DATABASE_URL": sqlite_url, "COOLPAPERS_ARXIV_RSS_URL": fake_arxiv.url,
                "COOLPAPERS_ARXIV_MIN_INTERVAL_S": "0"})  # fmt: skip
    cli = [sys.executable, "-m", "coolpapers.cli.main", "fetch", "--cats", "cs.CL"]
    out = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "cs.CL [2026-06-10] stored: 73 items, 73 papers added" in out.stdout
    again = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0
    assert "0 listing entries added" in again.stdout or "not-modified" in again.stdout
    fake_arxiv.fail("/rss/", "truncated")
    bad = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "cs.CL [-] error: " in bad.stdout and "error: error" not in bad.stdout
