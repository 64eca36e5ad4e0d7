"""The refresh use case: check the followed RSS feeds and store any new announcement day.

One function, `refresh_feeds`, serves both the scheduler duty and `coolpapers fetch`.
Everything it knows between runs is on the feed rows (ETag, last day stored, next
check, errors, leases), so a restarted or second worker picks up where it should.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.client import ArxivClient, ArxivTooLarge, ArxivUnavailable
from coolpapers.app.arxiv.feedplan import base_queries, covered_categories, split_query
from coolpapers.app.arxiv.rss import FEED_ITEM_CAP, FeedDay, FeedError, parse_feed
from coolpapers.app.arxiv.schedule import check_after_day, poll_again, retry_after_error
from coolpapers.app.ingest.day import day_announcements, store_day
from coolpapers.app.store import feeds
from coolpapers.app.store.bulk import ConcurrentWrite
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.models import utcnow

log = logging.getLogger("coolpapers.refresh")
LEASE = dt.timedelta(minutes=10)
MAX_ROUNDS = 8  # split feeds are fetched in the same pass; this bounds the depth


@dataclass
class FeedReport:
    query: str
    url: str
    outcome: str  # stored, same-day, stale, no-announcement, not-modified, split, error
    date: dt.date | None = None
    items: int = 0
    announcements_added: int = 0
    papers_added: int = 0
    papers_updated: int = 0
    skipped: int = 0
    error: str | None = None


def effective_queries(session: Session, planned: list[str]) -> list[str]:
    """The planned feeds, with each feed that was split replaced by its halves (recursively)."""
    out: list[str] = []
    todo = list(planned)
    feeds.ensure_feeds(session, todo)
    while todo:
        state = feeds.outcomes(session, todo)
        nxt: list[str] = []
        for query in todo:
            halves = split_query(query) if state.get(query) == "split" else None
            if halves:
                feeds.ensure_feeds(session, halves)
                nxt.extend(halves)
            else:
                out.append(query)
        todo = nxt
    return out


async def refresh_feeds(
    factory: sessionmaker[Session],
    client: ArxivClient,
    rss_url: str,
    categories: list[str],
    *,
    owner: str,
    force: bool = False,
    feed_cap: int = FEED_ITEM_CAP,
) -> list[FeedReport]:
    """Fetch every due feed for `categories` once (all of them with `force`) and store what is new."""
    reports: list[FeedReport] = []
    done: set[str] = set()
    for _ in range(MAX_ROUNDS):
        claims = await asyncio.to_thread(_claim_due, factory, categories, done, owner, force)
        if not claims:
            break
        for claim in claims:
            done.add(claim.query)
            reports.append(await refresh_one(factory, client, rss_url, claim, owner, feed_cap))
    return reports


def _claim_due(
    factory: sessionmaker[Session], categories: list[str], done: set[str], owner: str, force: bool
) -> list[feeds.Claim]:
    with session_scope(factory) as session:
        queries = [q for q in effective_queries(session, base_queries(categories)) if q not in done]
        return feeds.claim_due(session, queries, owner, utcnow(), LEASE, force=force) if queries else []


async def refresh_one(
    factory: sessionmaker[Session],
    client: ArxivClient,
    rss_url: str,
    claim: feeds.Claim,
    owner: str,
    feed_cap: int = FEED_ITEM_CAP,
) -> FeedReport:
    url = f"{rss_url}/rss/{claim.query}"
    headers = {}
    if claim.etag:
        headers["If-None-Match"] = claim.etag
    if claim.last_modified:
        headers["If-Modified-Since"] = claim.last_modified
    try:
        resp = await client.get(url, headers=headers)
        if resp.status == 304:
            report = FeedReport(claim.query, url, "not-modified")
            return await asyncio.to_thread(_finish, factory, claim, owner, report)
        if resp.status != 200:
            raise FeedError(f"HTTP {resp.status}: {await asyncio.to_thread(_error_text, resp.body)}")
        # Parsing and storing a day take seconds: in a thread, so that in `serve --with-worker`
        # the pages keep answering meanwhile.
        feed = await asyncio.to_thread(parse_feed, resp.body)
    except (ArxivUnavailable, ArxivTooLarge, FeedError) as exc:
        return await asyncio.to_thread(_fail, factory, claim, owner, url, str(exc))
    except asyncio.CancelledError:
        # Stopped while waiting on arXiv: give the row back so the next start asks at once
        # instead of waiting out the lease. (Storing, below, is not interrupted: its thread
        # finishes the transaction and the row.) Shielded: a second cancel must not lose it.
        await asyncio.shield(asyncio.to_thread(_give_back, factory, claim, owner))
        raise
    etag, modified = resp.headers.get("etag"), resp.headers.get("last-modified")
    full = feed.raw_item_count >= feed_cap
    try:
        return await asyncio.to_thread(_store_day, factory, claim, owner, url, feed, etag, modified, full)
    except ConcurrentWrite as exc:  # SQLite: another process stored some of these papers meanwhile
        return await asyncio.to_thread(_fail, factory, claim, owner, url, str(exc))
    except SQLAlchemyError:
        # The database stayed locked or went away: the caller retries shortly. The row goes back
        # (when it can be written) so that retry fetches the day again, not the lease's end.
        with contextlib.suppress(SQLAlchemyError):
            await asyncio.to_thread(_give_back, factory, claim, owner)
        raise


def _error_text(body: bytes) -> str:
    """What an error answer says: arXiv's error feed (sent with HTTP 400 for a bad query) gives its
    message; anything else, the start of the body."""
    try:
        parse_feed(body)
    except FeedError as exc:
        if str(exc).startswith("arXiv rejected the query"):
            return str(exc)
    return body[:200].decode("utf-8", "replace").strip() or "(empty body)"


def _give_back(factory: sessionmaker[Session], claim: feeds.Claim, owner: str) -> None:
    with session_scope(factory) as session:
        feeds.finish(session, claim, owner)


def _fail(factory: sessionmaker[Session], claim: feeds.Claim, owner: str, url: str, error: str) -> FeedReport:
    now = utcnow()
    log.warning("feed %s failed: %s", url, error)
    with session_scope(factory) as session:
        feeds.record_failure(
            session, claim, owner, error=error, url=url, now=now,
            next_check=retry_after_error(now, claim.error_count + 1),
        )  # fmt: skip
    return FeedReport(claim.query, url, "error", error=error)


def _finish(
    factory: sessionmaker[Session], claim: feeds.Claim, owner: str, report: FeedReport, **values: object
) -> FeedReport:
    now = utcnow()
    if report.outcome in ("not-modified", "stale"):
        values.setdefault("next_check_at", poll_again(now, claim.last_announced_date))
    with session_scope(factory) as session:
        feeds.finish(session, claim, owner, last_outcome=report.outcome, error_count=0,
                        last_success_at=now, **values)  # fmt: skip
    return report


def _store_day(
    factory: sessionmaker[Session], claim: feeds.Claim, owner: str, url: str, feed: FeedDay,
    etag: str | None, modified: str | None, full: bool,
) -> FeedReport:  # fmt: skip
    now = utcnow()
    report = FeedReport(claim.query, url, "stored", feed.date, len(feed.items), skipped=feed.skipped)
    seen = {"etag": etag, "last_modified": modified, "last_item_count": len(feed.items),
            "last_skipped": feed.skipped}  # fmt: skip
    if full and (halves := split_query(claim.query)):
        report.outcome = "split"
        log.info("feed %s is full (%d items): splitting into %s", url, feed.raw_item_count, halves)
        with session_scope(factory) as session:
            feeds.ensure_feeds(session, halves)
        return _finish(factory, claim, owner, report, next_check_at=now, etag=None, last_modified=None)
    if claim.last_announced_date and feed.date < claim.last_announced_date:
        report.outcome = "stale"
        return _finish(factory, claim, owner, report, **seen)
    if not feed.items and not feed.skipped:
        report.outcome = "no-announcement"  # weekend or holiday: arXiv still serves the empty feed
        return _finish(factory, claim, owner, report, last_announced_date=feed.date,
                       next_check_at=check_after_day(feed.date, now), **seen)  # fmt: skip
    covered = covered_categories(claim.query)
    with session_scope(factory) as session:
        if claim.last_announced_date != feed.date:
            announced = day_announcements(feed.date, feed.items, covered)
            listed = [(a.arxiv_id, a.category) for a in announced if a.type in ("new", "cross")]
            if feeds.all_listed_before(session, feed.date, listed):
                report.outcome = "stale"  # yesterday's batch under a new date: keep polling
        if report.outcome == "stored":
            stored = store_day(session, feed.date, feed.items, covered)
            report.announcements_added = stored.announcements_added
            report.papers_added, report.papers_updated = stored.papers.inserted, stored.papers.updated
            if claim.last_announced_date == feed.date and not report.announcements_added:
                report.outcome = "same-day"
            extra: dict[str, object] = {"last_announced_date": feed.date}
            extra["next_check_at"] = check_after_day(feed.date, now)
            if full:
                extra["last_error"] = (
                    f"feed has {feed.raw_item_count} items (arXiv's cap) and cannot be split"
                )
            feeds.finish(session, claim, owner, last_outcome=report.outcome, error_count=0,
                            last_success_at=now, **seen, **extra)  # fmt: skip
            return report
    return _finish(factory, claim, owner, report, **seen)
