"""The sample days plus papers made to break feeds and pages, with a built search index."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.records import AnnouncementRecord, PaperRecord
from coolpapers.app.ingest.demo import load_demo
from coolpapers.app.search.writer import IndexUpdater
from coolpapers.app.settings import Settings
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.papers import store_announcements, store_papers
from coolpapers.app.web.app import create_app
from coolpapers.app.web.listing import ListingService
from tests.conftest import make_settings

DAY = dt.date(2026, 6, 9)
CONTROL = "\x01\x08\x0b\x0c\x1b\x7f\ufffe"  # not allowed in XML 1.0, except \x7f (allowed, kept)
EVIL = PaperRecord(
    arxiv_id="2606.99905",
    title=f'Quokka <script>alert(1)</script> & ]]> "quotes" {CONTROL} end',
    authors=("Eve <Evil>", "Ctl\x07 Char", "]]>"),
    abstract=f"Quokka abstract: <img src=x onerror=alert(1)> ]]> <![CDATA[x]]> {CONTROL} &amp; done.",
    categories=("cs.CL", "cs.CR"),
)
DATED = PaperRecord(
    arxiv_id="2606.99906",
    title="Quokka migration patterns",
    authors=("Dana Dated",),
    abstract="How quokkas move between islands.",
    categories=("cs.CL",),
    version=2,
    submitted_at=dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC),
    updated_at=dt.datetime(2026, 6, 5, 8, 30, tzinfo=dt.UTC),
)


def without_control(text: str) -> str:
    """What a feed can carry of `text`: XML 1.0 has no form at all for these characters."""
    return "".join(ch for ch in text if ch not in CONTROL or ch == "\x7f").replace("\x07", "")


@dataclass
class FeedSite:
    client: TestClient
    factory: sessionmaker[Session]
    settings: Settings
    updater: IndexUpdater

    def store(self, paper: PaperRecord, category: str = "cs.CL", day: dt.date = DAY) -> None:
        """Store and announce a paper, then index it as the worker would."""
        with session_scope(self.factory) as s:
            ids, _ = store_papers(s, [paper])
            store_announcements(s, [AnnouncementRecord(paper.arxiv_id, category, day, "new", 1000)], ids)
        self.updater.sync()


@contextmanager
def feed_site(database_url: str, index_dir: Path) -> Iterator[FeedSite]:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    load_demo(factory)
    site = None
    try:
        updater = IndexUpdater(index_dir, factory)
        settings = make_settings(database_url=database_url, search_index_dir=str(index_dir))
        app = create_app(settings)
        core = app.state.core
        # No remembered "latest day" between requests: a test's new paper shows at once.
        core.listings = ListingService(core.listings.cache, settings.arxiv_pdf_url, stamp_ttl_s=0)
        with TestClient(app, raise_server_exceptions=False) as client:
            site = FeedSite(client, factory, settings, updater)
            site.store(EVIL)
            site.store(DATED)
            yield site
        updater.close()
    finally:
        engine.dispose()
