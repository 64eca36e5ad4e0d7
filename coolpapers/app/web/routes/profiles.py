"""Sync links: a reader's profile (stars, imported library, keywords) kept on the server under a
random token, for phone and laptop to agree — no account, no e-mail; whoever has the link reads
and changes it, and deleting it revokes it. `/sync/{token}` is the page that joins a browser."""

from __future__ import annotations

import re
import secrets
from typing import Annotated

import anyio.from_thread
from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.responses import HTMLResponse

from coolpapers.app.queue.errors import ChannelUnavailable
from coolpapers.app.store import reader_profiles as store
from coolpapers.app.web.deps import SessionDep, TemplatesDep
from coolpapers.app.web.lookups import client_of
from coolpapers.app.web.routes.atom import public_base
from coolpapers.app.web.schemas.errors import error_responses
from coolpapers.app.web.schemas.profiles import Profile, SyncLink

router = APIRouter(tags=["for you"])
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
LINKS_PER_HOUR = 10  # per client address
UNKNOWN = "No profile behind this link: it was never made here, or it was revoked."
TokenParam = Annotated[str, Path(description="the sync link's secret", max_length=64)]


def _checked(token: str) -> str:
    if not TOKEN.match(token):
        raise HTTPException(404, UNKNOWN)
    return token


@router.post("/api/profiles", response_model=SyncLink, status_code=201, responses=error_responses(422, 429))
def make_link(request: Request, profile: Profile, session: SessionDep) -> SyncLink:
    """A new sync link holding `profile`."""
    allowance = request.app.state.core.allowance
    try:
        allowed = anyio.from_thread.run(allowance.hit, f"sync:{client_of(request)}", LINKS_PER_HOUR)
    except ChannelUnavailable:
        allowed = False
    if not allowed:
        raise HTTPException(429, f"at most {LINKS_PER_HOUR} sync links an hour from one address")
    token = secrets.token_urlsafe(32)
    store.create_profile(session, token, profile.model_dump_json())
    return SyncLink(token=token, url=f"{public_base(request)}/sync/{token}")


@router.get("/api/profiles/{token}", response_model=Profile, responses=error_responses(404))
def read_profile(token: TokenParam, session: SessionDep) -> Profile:
    data = store.profile_data(session, _checked(token))
    if data is None:
        raise HTTPException(404, UNKNOWN)
    return Profile.model_validate_json(data)


@router.put("/api/profiles/{token}", response_model=Profile, responses=error_responses(404, 422))
def save_profile(token: TokenParam, profile: Profile, session: SessionDep) -> Profile:
    """Replace the profile (the page sends the whole of it after each change)."""
    if not store.save_profile(session, _checked(token), profile.model_dump_json()):
        raise HTTPException(404, UNKNOWN)
    return profile


@router.delete("/api/profiles/{token}", status_code=204, responses=error_responses(404))
def revoke(token: TokenParam, session: SessionDep) -> Response:
    """Revoke the link: the profile is deleted; every device keeps its own copy."""
    if not store.revoke_profile(session, _checked(token)):
        raise HTTPException(404, UNKNOWN)
    return Response(status_code=204)


@router.get("/sync/{token}", response_class=HTMLResponse, include_in_schema=False)
def sync_page(request: Request, token: str, templates: TemplatesDep) -> HTMLResponse:
    """The page a sync link opens: its script joins this browser to the profile."""
    return templates.TemplateResponse(request, "sync.html", {"token": token if TOKEN.match(token) else ""})
