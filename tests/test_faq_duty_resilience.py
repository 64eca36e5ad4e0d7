"""The FAQ duties ride out a PostgreSQL restart: the sweeper and the consumer log the error, try
again after a growing pause, and pick up their work when the database is back, while the other
duties run on (before, one such error ended the worker and every FAQ it was writing)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from coolpapers.app.arxiv.client import ArxivClient
from coolpapers.app.faq.prompts import prompt_for
from coolpapers.app.queue.channels import build_channels
from coolpapers.app.store import faqs as faq_store
from coolpapers.app.store.db import make_engine, make_session_factory, session_scope
from coolpapers.app.store.lookup import paper_by_arxiv_id
from coolpapers.app.store.models import Faq
from coolpapers.app.store.papers import store_papers
from coolpapers.worker.context import Duty, WorkerContext
from coolpapers.worker.faq import faq_consumer, faq_sweeper
from tests.conftest import make_settings
from tests.test_duty_resilience import Worker, assert_backing_off, paper, proxied, retries, run_logged, until

LOGGER = "coolpapers.worker.faq"


def status_of(factory: object, faq_id: int) -> str:
    with session_scope(factory) as session:  # type: ignore[arg-type]
        row = session.get(Faq, faq_id)
        assert row is not None
        return row.status


@pytest.mark.parametrize(("name", "duty"), [("faq-sweeper", faq_sweeper), ("faq-consumer", faq_consumer)])
def test_faq_duties_ride_out_a_postgres_restart(
    name: str, duty: Duty, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    direct = make_engine(pg_url)  # the rest of the site, straight to the database
    factory = make_session_factory(direct)
    with session_scope(factory) as session:
        store_papers(session, [paper("2606.90001", "Quokka attention")])
        paper_id = paper_by_arxiv_id(session, "2606.90001").id  # type: ignore[union-attr]
    with proxied(pg_url) as (proxy, url):
        proxy.up()

        async def main() -> None:
            settings = make_settings(database_url=url, faq_sweep_s=0.1, faq_heartbeat_s=0.1)
            engine = make_engine(url)
            ctx = WorkerContext(settings, engine, make_session_factory(engine), ArxivClient(settings),
                                faq_channels=build_channels(settings))  # fmt: skip
            worker = Worker(ctx, name, duty)
            try:
                await until(lambda: not worker.task.done(), "the duty running")
                proxy.down()  # pooled connections cut, new ones refused
                await until(lambda: len(retries(caplog, LOGGER)) >= 2, "two failed rounds")
                assert not worker.task.done()
                # Work arriving meanwhile: a FAQ whose worker died (sweeper), or a new one (consumer).
                row, _ = faq_store.request_faq(factory, paper_id, "en", prompt_for("en").version, 0)
                if name == "faq-sweeper":
                    assert faq_store.claim_next(factory, "dead-worker") is not None
                    with session_scope(factory) as session:
                        old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
                        session.execute(update(Faq).where(Faq.id == row.id).values(heartbeat_at=old))
                    waiting = "running"
                else:
                    waiting = "pending"
                assert status_of(factory, row.id) == waiting
                proxy.up()
                await until(lambda: status_of(factory, row.id) != waiting, "the work picked up again")
            finally:
                await worker.finish()
            assert worker.ended == ["stopped"]

        run_logged(main, caplog, direct)
    assert_backing_off(caplog, LOGGER)
