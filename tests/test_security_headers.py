"""Every response carries the Content-Security-Policy and hardening headers (web/security.py), and
the templates hold nothing the policy would block: no inline script, no inline event handler.
The browser tests fail on any CSP violation Chromium reports (tests/browser_fixtures.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from coolpapers.app.paths import TEMPLATES_DIR
from coolpapers.app.web.app import create_app
from coolpapers.app.web.assets import served_static
from tests.conftest import make_settings

PATHS = ["/", "/healthz", "/api/status", "/arxiv/cs.CL", "/arxiv/2606.99999x", "/static/js/page.js",
         "/api/papers/2606.10376/faq/stream", "/openapi.json", "/nope"]  # fmt: skip


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_policy(path: str, sqlite_url: str) -> None:
    settings = make_settings(database_url=sqlite_url, arxiv_pdf_url="https://arxiv.example/pdf")
    with TestClient(create_app(settings)) as client:
        resp = client.get(path)
    csp = resp.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert directives["frame-src"] == "'self' https://arxiv.example"  # the PDF panel, nothing else
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert resp.headers["x-frame-options"] == "DENY"


def test_static_urls_under_the_policy_are_same_origin() -> None:
    assert served_static().url("js/page.js").startswith("/static/")


@pytest.mark.parametrize("template", sorted(p.name for p in Path(TEMPLATES_DIR).glob("*.html")))
def test_templates_hold_no_inline_script_or_handler(template: str) -> None:
    text = (Path(TEMPLATES_DIR) / template).read_text()
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, f"inline script in {template}: {tag}"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", text), f"inline event handler in {template}"
    assert "javascript:" not in text


CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:9999"},  # another port of this host
    {"Origin": "https://evil.example"},  # a browser without Fetch Metadata
    {"Origin": "null"},  # a sandboxed frame or a data: page
]
SAME_SITE = [
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},  # the pages' own fetch()
    {"Origin": "http://testserver"},
    {},  # curl, scripts: no browser, no visitor's standing to borrow
]


@pytest.fixture
def demo_client(sqlite_url: str) -> Any:
    from coolpapers.app.ingest.demo import load_demo
    from coolpapers.app.store.db import make_engine, make_session_factory

    engine = make_engine(sqlite_url)
    load_demo(make_session_factory(engine))
    engine.dispose()
    with TestClient(create_app(make_settings(database_url=sqlite_url))) as client:
        yield client


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_a_page_on_another_site_cannot_change_state(demo_client: TestClient, headers: dict[str, str]) -> None:
    paper = "2606.07873"
    for method, path in [
        ("POST", f"/api/papers/{paper}/star"),
        ("DELETE", f"/api/papers/{paper}/star"),
        ("POST", f"/api/papers/{paper}/open?kind=pdf"),
        ("POST", f"/api/papers/{paper}/faq"),
    ]:
        resp = demo_client.request(method, path, headers=headers)
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "cross_site", (path, resp.text)
        assert "content-security-policy" in resp.headers
    assert demo_client.get(f"/api/papers/{paper}").json()["counters"] == {"pdf_opens": 0, "faq_opens": 0,
                                                                          "stars": 0}  # fmt: skip
    assert demo_client.get("/", headers=headers).status_code == 200  # reading is never refused


@pytest.mark.parametrize("headers", SAME_SITE)
def test_the_sites_own_pages_and_api_clients_change_state(
    demo_client: TestClient, headers: dict[str, str]
) -> None:
    resp = demo_client.post("/api/papers/2606.07873/star", headers=headers)
    assert resp.status_code == 200 and resp.json()["counters"]["stars"] == 1
