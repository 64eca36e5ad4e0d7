"""Sync links: `POST /api/profiles` makes one, GET/PUT read and replace the profile, DELETE revokes
it; the token is a secret the database does not hold (only its hash), and a client may make only
so many an hour. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.settings import Settings
from coolpapers.app.store.models import ReaderProfile
from coolpapers.app.web.app import create_app
from coolpapers.app.web.routes.profiles import LINKS_PER_HOUR

PROFILE = {
    "stars": [{"id": "2606.07873", "title": "Adverse Effects of V2V Adoption on Road Safety"}],
    "library": {"papers": [{"id": "1706.03762", "title": "Attention"}], "texts": [], "source": "my.bib"},
    "keywords": "diffusion, agents",
}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


def test_a_link_is_made_read_replaced_and_revoked(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    made = client.post("/api/profiles", json=PROFILE)
    assert made.status_code == 201
    token, url = made.json()["token"], made.json()["url"]
    assert len(token) == 43 and url == f"http://testserver/sync/{token}"
    assert client.get(f"/api/profiles/{token}").json() == PROFILE
    with session_factory() as session:  # the link cannot be rebuilt from the database
        stored = session.scalars(select(ReaderProfile.token_hash)).all()
        assert len(stored) == 1 and stored[0] != token and token not in stored[0]
    changed = {**PROFILE, "stars": [], "keywords": "robots"}
    assert client.put(f"/api/profiles/{token}", json=changed).status_code == 200
    assert client.get(f"/api/profiles/{token}").json()["keywords"] == "robots"
    page = client.get(f"/sync/{token}")
    assert page.status_code == 200 and f'data-token="{token}"' in page.text
    assert client.delete(f"/api/profiles/{token}").status_code == 204
    for answer in (client.get(f"/api/profiles/{token}"), client.put(f"/api/profiles/{token}", json=PROFILE),
                   client.delete(f"/api/profiles/{token}")):  # fmt: skip
        assert answer.status_code == 404 and "revoked" in answer.json()["error"]["message"]


def test_bad_tokens_and_oversized_profiles_are_refused(client: TestClient) -> None:
    for token in ("short", "x" * 43 + "/", "../../etc/passwd", "%00" * 5):
        assert client.get(f"/api/profiles/{token}").status_code == 404
    assert 'data-token=""' in client.get("/sync/not-a-token").text
    huge = {"stars": [{"id": f"2606.{n:05d}", "title": "t"} for n in range(2001)]}
    assert client.post("/api/profiles", json=huge).status_code == 422
    assert client.post("/api/profiles", json={"keywords": "k" * 2001}).status_code == 422


def test_one_address_makes_only_so_many_links_an_hour(client: TestClient) -> None:
    answers = [client.post("/api/profiles", json={}).status_code for _ in range(LINKS_PER_HOUR + 2)]
    assert answers == [201] * LINKS_PER_HOUR + [429, 429]
