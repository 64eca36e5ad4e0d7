"""Static files: every URL a page holds is content-addressed and cacheable for a year, and what those
files load relatively (ES module imports, KaTeX's fonts) resolves under the same prefix."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.ingest.demo import load_demo
from coolpapers.app.paths import STATIC_DIR
from coolpapers.app.store.db import make_engine, make_session_factory
from coolpapers.app.web.app import create_app
from coolpapers.app.web.assets import IMMUTABLE, StaticTree, served_static
from tests.conftest import make_settings

PAGE_ASSET = re.compile(r'<(?:link|script)\b[^>]*?\b(?:href|src)="(/static/[^"]+)"')
JS_IMPORT = re.compile(r'(?:^|\n)\s*import\b[^"\n]*?from\s+"(\.[^"]+)"|\bimport\(\s*"(\.[^"]+)"\s*\)')
CSS_URL = re.compile(r'url\(\s*["\']?(?!data:)([^"\')]+)["\']?\s*\)')
FONT_SRC = re.compile(r"\bsrc\s*:[^;}]*")  # a font's formats, best first


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    engine = make_engine(sqlite_url)
    factory: sessionmaker[Session] = make_session_factory(engine)
    load_demo(factory)  # listings with cards, so the pages carry all their scripts
    engine.dispose()
    with TestClient(create_app(make_settings(database_url=sqlite_url))) as client:
        yield client


def _relative_refs(url: str, body: str) -> list[str]:
    if url.endswith(".js"):
        found = [a or b for a, b in JS_IMPORT.findall(body)]
    elif url.endswith(".css"):
        # A browser fetches the first format of a font it supports (woff2, the only one vendored).
        found = [CSS_URL.findall(src)[0] for src in FONT_SRC.findall(body) if CSS_URL.search(src)]
        found += CSS_URL.findall(FONT_SRC.sub("", body))
    else:
        found = []
    return [urljoin(url, ref).split("#")[0].split("?")[0] for ref in found]


def test_every_asset_a_page_loads_is_immutable_under_the_tree_digest(client: TestClient) -> None:
    prefix = served_static().prefix
    pages = ["/", "/arxiv/cs.CV", "/arxiv/search?query=vision", "/status", "/arxiv/no.SUCH"]
    pending: list[str] = []
    for path in pages:
        page = client.get(path)
        assert page.headers["content-type"].startswith("text/html"), path
        urls = PAGE_ASSET.findall(page.text)
        assert urls and all(u.startswith(prefix + "/") for u in urls), (path, urls)
        pending += urls
    assert f"{prefix}/js/page.js" in pending and f"{prefix}/favicon.svg" in pending
    seen: set[str] = set()
    while pending:  # page → module → the modules it imports, stylesheet → fonts
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == IMMUTABLE, url
        pending += _relative_refs(url, response.text if url.endswith((".js", ".css")) else "")
    assert f"{prefix}/js/cards.js" in seen  # imported by page.js, not linked by any page
    fonts = [u for u in seen if u.endswith(".woff2")]
    assert fonts and all(u.startswith(f"{prefix}/vendor/katex/fonts/") for u in fonts)


def test_revalidation_keeps_the_immutable_header(client: TestClient) -> None:
    url = served_static().url("css/site.css")
    etag = client.get(url).headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["cache-control"] == IMMUTABLE


def test_plain_static_urls_still_work_with_a_short_lifetime(client: TestClient) -> None:
    plain = client.get("/static/js/page.js")
    assert plain.status_code == 200 and plain.text == (STATIC_DIR / "js" / "page.js").read_text()
    assert plain.headers["cache-control"] == "public, max-age=300"
    missing = client.get(f"{served_static().prefix}/js/nothing.js")
    assert missing.status_code == 404 and "immutable" not in missing.headers.get("cache-control", "")


def test_changing_renaming_or_adding_a_file_changes_the_digest(tmp_path: Path) -> None:
    tree = tmp_path / "static"
    shutil.copytree(STATIC_DIR, tree)
    first = StaticTree.scan(tree)
    assert first.digest == served_static().digest  # the same files give the same URL in every process
    assert StaticTree.scan(tree).digest == first.digest
    cards = tree / "js" / "cards.js"
    cards.write_text(cards.read_text() + "\n// changed\n")
    changed = StaticTree.scan(tree)
    assert changed.digest != first.digest
    assert changed.url("js/page.js") != first.url(
        "js/page.js"
    )  # unchanged file, new URL: imports stay in step
    cards.rename(tree / "js" / "cards2.js")
    renamed = StaticTree.scan(tree)
    assert renamed.digest not in (first.digest, changed.digest)
    (tree / "extra.txt").write_text("x")
    assert StaticTree.scan(tree).digest != renamed.digest


def test_a_template_naming_a_missing_file_fails_loudly() -> None:
    with pytest.raises(KeyError, match=r"js/typo\.js"):
        served_static().url("js/typo.js")
