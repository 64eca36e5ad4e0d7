"""Reading the FAQ rows a drill leaves behind, and a trigger that records every time a FAQ is
stored: "stored twice" is two records for one row, which the row's final state alone cannot show."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy import text

from coolpapers.app.store.db import make_engine
from tests.fake_llm.server import answer_for

DONE_LOG_POSTGRES = """
CREATE TABLE drill_stored (faq_id integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE FUNCTION drill_record_stored() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO drill_stored (faq_id) VALUES (NEW.id); RETURN NEW; END $$;
CREATE TRIGGER drill_stored AFTER INSERT OR UPDATE ON faqs FOR EACH ROW
  WHEN (NEW.status = 'done') EXECUTE FUNCTION drill_record_stored();
"""
DONE_LOG_SQLITE = [
    "CREATE TABLE drill_stored (faq_id integer NOT NULL)",
    "CREATE TRIGGER drill_stored_u AFTER UPDATE ON faqs FOR EACH ROW WHEN NEW.status = 'done' "
    "BEGIN INSERT INTO drill_stored (faq_id) VALUES (NEW.id); END",
    "CREATE TRIGGER drill_stored_i AFTER INSERT ON faqs FOR EACH ROW WHEN NEW.status = 'done' "
    "BEGIN INSERT INTO drill_stored (faq_id) VALUES (NEW.id); END",
]


def record_stores(url: str) -> None:
    """Every write that leaves a row `done` (a first store, or a later one over it) adds a record."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for statement in DONE_LOG_SQLITE if url.startswith("sqlite") else [DONE_LOG_POSTGRES]:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class FaqRow:
    paper: str
    title: str
    status: str
    attempts: int
    markdown: str | None
    stored: int  # how many times a write left it done

    @property
    def whole(self) -> bool:
        return self.status == "done" and self.markdown == answer_for(f"Title: {self.title}")


def faq_rows(url: str) -> list[FaqRow]:
    engine = make_engine(url)
    query = text(
        "SELECT p.arxiv_id, p.title, f.status, f.attempts, f.markdown,"
        " (SELECT count(*) FROM drill_stored s WHERE s.faq_id = f.id)"
        " FROM faqs f JOIN papers p ON p.id = f.paper_id ORDER BY f.id"
    )
    try:
        with engine.connect() as conn:
            return [FaqRow(*row) for row in conn.execute(query)]
    finally:
        engine.dispose()


def request_faqs(base: str, papers: list[str]) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        for paper in papers:
            answer = client.post(f"/api/papers/{paper}/faq")
            if answer.status_code != 200:
                raise RuntimeError(f"FAQ request for {paper}: HTTP {answer.status_code} {answer.text[:200]}")


def summary(rows: list[FaqRow], expected: int) -> tuple[bool, str]:
    """0 lost (every paper's FAQ whole), 0 stored twice, one row per paper."""
    lost = expected - sum(r.whole for r in rows)
    twice = sum(r.stored > 1 for r in rows)
    duplicates = len(rows) - len({r.paper for r in rows})
    ok = lost == 0 and twice == 0 and duplicates == 0 and len(rows) == expected
    most = max((r.attempts for r in rows), default=0)
    return ok, (
        f"{sum(r.whole for r in rows)}/{expected} FAQs whole, {lost} lost, {twice} stored twice, "
        f"{duplicates} duplicate rows, most attempts by one row {most}"
    )
