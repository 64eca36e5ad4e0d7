from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.ingest.demo import iter_days, load_demo
from coolpapers.app.settings import Settings
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.stats import latest_category_counts, table_counts
from coolpapers.app.web.app import create_app
from coolpapers.app.web.assets import served_static


def test_demo_twice_leaves_the_same_counts(session_factory: sessionmaker[Session]) -> None:
    first = load_demo(session_factory)
    assert first.inserted > 700 and first.announcements_added > first.inserted
    with session_scope(session_factory) as s:
        once = table_counts(s)
    second = load_demo(session_factory)
    assert (second.inserted, second.updated, second.announcements_added) == (0, 0, 0)
    with session_scope(session_factory) as s:
        assert table_counts(s) == once


def test_sample_days_are_deduplicated_and_in_id_order() -> None:
    for _day, items in iter_days():
        ids = [i.paper.arxiv_id for i in items]
        assert ids == sorted(set(ids))


def test_home_page_shows_per_category_counts(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    app = create_app(settings)
    with TestClient(app) as client:
        empty = client.get("/")
        assert empty.status_code == 200
        assert "coolpapers demo" in empty.text and "Computer Vision and Pattern Recognition" in empty.text
        load_demo(session_factory)
        page = client.get("/").text
    with session_scope(session_factory) as s:
        day, counts = latest_category_counts(s)
    assert day is not None and counts["cs.CV"] > 50
    assert "coolpapers demo" not in page
    assert '<li data-code="cs.CV">' in page
    cv = page.split('<li data-code="cs.CV">', 1)[1].split("</li>", 1)[0]
    assert f">{counts['cs.CV']}</span>" in cv
    assert day.isoformat() in page


def test_pages_have_an_icon_served_locally(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        page = client.get("/").text
        linked = served_static().url("favicon.svg")
        assert f'<link rel="icon" href="{linked}" type="image/svg+xml">' in page
        for url in (linked, "/static/favicon.svg"):  # the plain URL stays for old links and the redirect
            icon = client.get(url)
            assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
            assert icon.text.startswith("<svg")
        legacy = client.get("/favicon.ico", follow_redirects=False)
        assert legacy.status_code == 301 and legacy.headers["location"] == "/static/favicon.svg"
