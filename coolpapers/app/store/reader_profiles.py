"""Reader profiles behind secret sync links, addressed by the SHA-256 of the link's token."""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coolpapers.app.store.models import ReaderProfile, utcnow


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_profile(session: Session, token: str, data: str) -> None:
    session.add(ReaderProfile(token_hash=token_hash(token), data=data))


def profile_data(session: Session, token: str) -> str | None:
    return session.scalar(select(ReaderProfile.data).where(ReaderProfile.token_hash == token_hash(token)))


def save_profile(session: Session, token: str, data: str) -> bool:
    """False when the link is unknown or revoked."""
    row = session.get(ReaderProfile, token_hash(token))
    if row is None:
        return False
    row.data, row.updated_at = data, utcnow()
    return True


def revoke_profile(session: Session, token: str) -> bool:
    gone = session.execute(delete(ReaderProfile).where(ReaderProfile.token_hash == token_hash(token)))
    return bool(gone.rowcount)  # type: ignore[attr-defined]
