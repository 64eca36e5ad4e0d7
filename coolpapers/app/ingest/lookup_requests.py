"""What pages and the API ask when a reader names papers by id: which are stored, which arXiv does
not have, and — for the rest — a lookup for a worker to perform (app.ingest.lookup).

Nothing here talks to arXiv. Before anything is stored the client's hourly allowance is counted
(per id newly asked for) and the site-wide number of waiting lookups is checked, so no client, or
crowd of clients, can make the instance ask arXiv for more than it allows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from coolpapers.app.queue.channels import ChannelUnavailable, ClientLimiter
from coolpapers.app.queue.doorbell import LOOKUPS, Doorbell
from coolpapers.app.settings import Settings
from coolpapers.app.store import lookups as rows
from coolpapers.app.store.lookup import papers_by_arxiv_ids
from coolpapers.app.store.models import Paper, utcnow
from coolpapers.app.store.unknown_ids import UNKNOWN_TTL, recently_unknown

RETRY_FAILED_AFTER = dt.timedelta(seconds=20)  # a lookup that failed is tried again on a click after this
RETRY_AFTER_S = 2  # what a 202 tells clients: a lookup usually lands within a few arXiv turns


@dataclass
class Resolution:
    """Where each asked-for id stands, in the order asked."""

    papers: dict[str, Paper] = field(default_factory=dict)
    fetching: list[str] = field(default_factory=list)  # a worker will fetch (or is fetching) it
    unknown: list[str] = field(default_factory=list)  # arXiv has no such paper
    failed: dict[str, str] = field(default_factory=dict)  # id → why arXiv could not be reached
    to_ask: list[str] = field(default_factory=list)  # not asked for yet (see LookupDesk.admit)
    refused: str | None = None  # why some were not asked for: the client's allowance, a full queue
    refused_status: int = 429


@dataclass
class LookupDesk:
    settings: Settings
    limiter: ClientLimiter
    doorbell: Doorbell
    retry_failed_after: dt.timedelta = RETRY_FAILED_AFTER

    def read(self, session: Session, ids: list[str]) -> Resolution:
        """Sync (a route's thread or asyncio.to_thread): the state of every id, nothing written."""
        # Rows first, papers second: a worker stores a paper and deletes its row in one commit, so
        # read the other way round a lookup ending between the two reads would look like none
        # was ever asked for, and be asked again.
        waiting = rows.lookup_rows(session, ids)
        out = Resolution(papers=papers_by_arxiv_ids(session, ids))
        missing = [i for i in ids if i not in out.papers]
        if not missing:
            return out
        since = utcnow() - UNKNOWN_TTL
        retry_before = utcnow() - self.retry_failed_after
        for arxiv_id in missing:
            row = waiting.get(arxiv_id)
            if row is not None and row.status != "failed":
                out.fetching.append(arxiv_id)
            elif row is not None and row.finished_at is not None and row.finished_at >= retry_before:
                out.failed[arxiv_id] = row.error or "arXiv could not be reached"
            elif recently_unknown(session, arxiv_id, since):
                out.unknown.append(arxiv_id)
            else:
                out.to_ask.append(arxiv_id)
        return out

    async def admit(self, client: str, found: Resolution) -> list[str]:
        """Count the client's allowance for the ids to ask; returns those it covers. The others
        stay in `to_ask`, with `refused` saying why."""
        limit = self.settings.lookup_rate_limit_per_hour
        admitted: list[str] = []
        for arxiv_id in found.to_ask:
            try:
                allowed = not limit or await self.limiter.hit(f"lookup:{client}", limit)
            except ChannelUnavailable as exc:
                found.refused, found.refused_status = f"papers cannot be looked up right now: {exc}", 503
                break
            if not allowed:
                found.refused = (
                    f"Too many papers looked up from your address: at most {limit} an hour. "
                    "Papers already stored are shown; please try the others later."
                )
                break
            admitted.append(arxiv_id)
        found.to_ask = [i for i in found.to_ask if i not in admitted]
        return admitted

    def record(self, session: Session, found: Resolution, admitted: list[str]) -> bool:
        """Sync: store the admitted lookups (committed by the caller); False when the site-wide
        queue is full, which `found` then says."""
        if not admitted:
            return False
        if rows.waiting_count(session) + len(admitted) > self.settings.lookup_queue_max:
            found.refused = "Too many papers are being looked up on arXiv right now; try again soon."
            found.refused_status = 503
            found.to_ask += admitted
            return False
        rows.request_lookups(session, admitted, utcnow() - self.retry_failed_after)
        found.fetching += admitted
        return True

    async def wake_worker(self) -> None:
        await self.doorbell.ring(LOOKUPS)
