"""FAQ rows, the truth about every generation: each change is one guarded UPDATE, so processes race safely."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.store.db import db_now, session_scope
from coolpapers.app.store.models import Faq, utcnow

READER_PRIORITY = 10
BACKGROUND_PRIORITY = 0


@dataclass(frozen=True)
class Claim:
    """A running generation held by one worker: every later write must present the token."""

    faq_id: int
    token: str
    attempt: int
    paper_id: int
    language: str
    prompt_version: str
    priority: int = READER_PRIORITY  # background work is charged to the background cap too


def find_faq(session: Session, paper_id: int, language: str, prompt_version: str) -> Faq | None:
    return session.scalars(
        select(Faq).where(
            Faq.paper_id == paper_id, Faq.language == language, Faq.prompt_version == prompt_version
        )
    ).one_or_none()


def request_faq(
    factory: sessionmaker[Session], paper_id: int, language: str, prompt_version: str, priority: int
) -> tuple[Faq, bool]:
    """Make sure a generation is wanted: create the row, reset a failed one, or raise the priority of
    a waiting one. Returns the row and whether new work was created (a new or reset row)."""
    for _ in range(3):
        with session_scope(factory) as session:
            row = find_faq(session, paper_id, language, prompt_version)
            if row is None:
                row = Faq(
                    paper_id=paper_id,
                    language=language,
                    prompt_version=prompt_version,
                    status="pending",
                    priority=priority,
                )
                session.add(row)
                try:
                    session.flush()
                except IntegrityError:  # another process created it first: read theirs
                    session.rollback()
                    continue
                return row, True
            if row.status == "failed":
                reset = session.execute(
                    update(Faq)
                    .where(Faq.id == row.id, Faq.status == "failed")
                    .values(
                        status="pending",
                        attempts=0,
                        error=None,
                        not_before=None,
                        priority=priority,
                        worker_id=None,
                        finished_at=None,
                        updated_at=utcnow(),
                    )
                )
                session.refresh(row)
                return row, reset.rowcount == 1  # type: ignore[attr-defined]
            if row.status == "pending" and row.priority < priority:
                session.execute(update(Faq).where(Faq.id == row.id).values(priority=priority))
                session.refresh(row)
            return row, False
    raise RuntimeError("could not create or read the FAQ row")


def reset_for_regeneration(factory: sessionmaker[Session], faq_id: int) -> bool:
    """`faq regenerate`: a done or failed row goes back to pending (a running one is left alone)."""
    with session_scope(factory) as session:
        result = session.execute(
            update(Faq)
            .where(Faq.id == faq_id, Faq.status.in_(("done", "failed")))
            .values(
                status="pending",
                attempts=0,
                error=None,
                markdown=None,
                not_before=None,
                priority=READER_PRIORITY,
                worker_id=None,
                finished_at=None,
                updated_at=utcnow(),
            )
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


def get_faq(factory: sessionmaker[Session], faq_id: int) -> Faq | None:
    with session_scope(factory) as session:
        return session.get(Faq, faq_id)


def queue_position(session: Session, row: Faq) -> int | None:
    """0 while generating; for a waiting row, 1 + the rows that will be taken before it."""
    if row.status == "running":
        return 0
    if row.status != "pending":
        return None
    ahead = session.scalar(
        select(func.count())
        .select_from(Faq)
        .where(
            Faq.status == "pending",
            or_(Faq.priority > row.priority, and_(Faq.priority == row.priority, Faq.id < row.id)),
        )
    )
    return int(ahead or 0) + 1


def claim_next(factory: sessionmaker[Session], worker_id: str, only_id: int | None = None) -> Claim | None:
    """Atomically take the most urgent eligible pending row (or row `only_id`): pending → running."""
    with session_scope(factory) as session:
        now = db_now(session)
        query = select(Faq.id).where(
            Faq.status == "pending", or_(Faq.not_before.is_(None), Faq.not_before <= now)
        )
        if only_id is not None:
            query = query.where(Faq.id == only_id)
        candidates = session.scalars(query.order_by(Faq.priority.desc(), Faq.id).limit(8)).all()
    for faq_id in candidates:
        token = f"{worker_id}:{uuid.uuid4().hex[:8]}"
        with session_scope(factory) as session:
            taken = session.execute(
                update(Faq)
                .where(Faq.id == faq_id, Faq.status == "pending")
                .values(
                    status="running",
                    worker_id=token,
                    attempts=Faq.attempts + 1,
                    heartbeat_at=now,
                    started_at=now,
                    updated_at=utcnow(),
                )
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                continue
            row = session.get(Faq, faq_id)
            assert row is not None
            return Claim(
                faq_id, token, row.attempts, row.paper_id, row.language, row.prompt_version, row.priority
            )
    return None


def _owned(claim: Claim) -> ColumnElement[bool]:
    return and_(Faq.id == claim.faq_id, Faq.status == "running", Faq.worker_id == claim.token)


def _update_owned(session: Session, claim: Claim, **values: object) -> bool:
    """One guarded write: it happens only while `claim` still owns the row (True then)."""
    res = session.execute(update(Faq).where(_owned(claim)).values(**values))
    return res.rowcount == 1  # type: ignore[attr-defined]


def heartbeat(factory: sessionmaker[Session], claim: Claim) -> bool:
    """Extend the lease; False when the row was taken away (stale, regenerated)."""
    with session_scope(factory) as session:
        return _update_owned(session, claim, heartbeat_at=db_now(session))


def finish_done(
    factory: sessionmaker[Session],
    claim: Claim,
    *,
    markdown: str,
    model: str,
    input_kind: str,
    prompt_tokens: int | None,
    completion_tokens: int | None,
) -> bool:
    """Store the answer, only if this claim still owns the row: a result is never stored twice."""
    now = utcnow()
    with session_scope(factory) as session:
        return _update_owned(
            session, claim, status="done", markdown=markdown, model=model, input_kind=input_kind, error=None,
            prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, worker_id=None,
            finished_at=now, updated_at=now,
        )  # fmt: skip


def finish_failed(factory: sessionmaker[Session], claim: Claim, error: str) -> bool:
    now = utcnow()
    with session_scope(factory) as session:
        return _update_owned(
            session, claim, status="failed", error=error, worker_id=None, finished_at=now, updated_at=now
        )


def retry_later(factory: sessionmaker[Session], claim: Claim, error: str, delay_s: float) -> bool:
    """Back to pending, claimable `delay_s` from now on the database's clock (which claims compare)."""
    with session_scope(factory) as session:
        not_before = db_now(session) + dt.timedelta(seconds=delay_s)
        return _update_owned(
            session, claim, status="pending", error=error, worker_id=None, not_before=not_before,
            updated_at=utcnow(),
        )  # fmt: skip


def postpone(factory: sessionmaker[Session], claim: Claim, delay_s: float, reason: str) -> bool:
    """As retry_later, but the claim does not count as an attempt: it never reached the provider."""
    with session_scope(factory) as session:
        not_before = db_now(session) + dt.timedelta(seconds=delay_s)
        return _update_owned(
            session, claim, status="pending", error=reason, worker_id=None, not_before=not_before,
            attempts=Faq.attempts - 1, updated_at=utcnow(),
        )  # fmt: skip


def stale_running(cutoff: dt.datetime) -> ColumnElement[bool]:
    """Running rows whose heartbeat is older than `cutoff` (on the database's clock, as heartbeats
    are written): their worker stopped (killed)."""
    return and_(Faq.status == "running", or_(Faq.heartbeat_at.is_(None), Faq.heartbeat_at < cutoff))


def gave_up_error(max_attempts: int) -> str:
    return f"the worker writing it stopped {max_attempts} times; gave up"


def release_stale(factory: sessionmaker[Session], older_than: dt.timedelta, max_attempts: int) -> int:
    """Running rows whose worker stopped heart-beating (killed) go back to pending, or end failed
    once they have been claimed `max_attempts` times: a paper that kills its worker on every
    attempt must not loop forever. Returns how many rows were released or failed."""
    now = utcnow()
    with session_scope(factory) as session:
        stale = stale_running(db_now(session) - older_than)
        spent = session.execute(
            update(Faq)
            .where(stale, Faq.attempts >= max_attempts)
            .values(
                status="failed",
                error=gave_up_error(max_attempts),
                worker_id=None,
                finished_at=now,
                updated_at=now,
            )
        )
        back = session.execute(
            update(Faq).where(stale).values(status="pending", worker_id=None, updated_at=now)
        )
        return int(spent.rowcount or 0) + int(back.rowcount or 0)  # type: ignore[attr-defined]


def seconds_until_due(factory: sessionmaker[Session]) -> float | None:
    """How long until the first pending row waiting out a retry delay may run (database clock);
    None when no row waits: a consumer then sleeps until rung."""
    with session_scope(factory) as session:
        now = db_now(session)
        first = session.scalar(
            select(func.min(Faq.not_before)).where(Faq.status == "pending", Faq.not_before > now)
        )
        return None if first is None else max(0.0, (first - now).total_seconds())
