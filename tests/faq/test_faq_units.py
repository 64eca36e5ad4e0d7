"""Pure parts of the FAQ: sanitized rendering, prompts, PDF text; and the row claim protocol on
both databases (priority, one claim per row, store only while owned, stale release)."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.faq.fulltext import NoText, cut_to_budget, drop_references, extract_pdf_text
from coolpapers.app.faq.prompts import prompt_for
from coolpapers.app.faq.render import render_markdown
from coolpapers.app.store import faqs as store
from tests.fake_llm.pdf import PAPER_LINES, make_pdf
from tests.faq.live import add_papers

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=javascript:alert(1)></iframe>",
    '<div style="background:url(javascript:alert(1))">',
    "$</span><script>alert(1)</script>$",
    "$$\n</div><img src=x onerror=alert(1)>\n$$",
    "<<SCRIPT>alert(1);//<</SCRIPT>",
    "<body onload=alert(1)>",
]


@pytest.mark.parametrize("attack", XSS)
def test_nothing_the_model_writes_becomes_markup(attack: str) -> None:
    out = render_markdown(f"## Q1\n\nText {attack} more")
    parser = Elements()
    parser.feed(out)
    for tag, attrs in parser.found:
        assert tag in {"h2", "p", "span", "div", "a"}, out
        for name, value in attrs:
            assert name in {"class", "href", "rel"}, out
            if name == "href":
                assert (value or "").startswith(("http://", "https://", "mailto:")), out
    assert "alert(1)" in parser.text  # the attack is shown as text, not dropped silently


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text += data


def test_math_becomes_offline_renderable_elements() -> None:
    out = render_markdown("Inline $a<b$ and\n\n$$\n\\sum_i x_i\n$$\n")
    assert '<span class="math inline">a&lt;b</span>' in out
    assert '<div class="math block">\\sum_i x_i</div>' in out


def test_prompts_per_language_and_versioned() -> None:
    en, zh = prompt_for("en"), prompt_for("zh")
    assert en.version.startswith("en-") and zh.version.startswith("zh-") and en.version != zh.version
    assert "这篇论文试图解决什么问题" in zh.text and "What problem does this paper" in en.text
    text = en.render(title="T {{text}}", authors=["A"], text="BODY", input_kind="full_text")
    assert "T {{text}}" in text and text.count("BODY") == 1 and "{{" not in text.replace("T {{text}}", "")


def test_pdf_text_is_extracted_and_cut_keeping_conclusions() -> None:
    text = extract_pdf_text(make_pdf(PAPER_LINES))
    assert "Attention Is Enough For Tests" in text and "Conclusions." in text
    cut = cut_to_budget(text, 500)
    assert (
        cut.startswith("Attention") and "Conclusions. Streaming works" in cut and "[1] A. Author" not in cut
    )
    assert len(cut) <= 500 * 4 + 20
    with pytest.raises(NoText):
        extract_pdf_text(b"<html>not a pdf</html>")


def test_claims_follow_priority_and_are_exclusive(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    ids = add_papers(database_url, 3)
    del ids
    background, _ = store.request_faq(session_factory, 1, "en", "v", store.BACKGROUND_PRIORITY)
    reader, _ = store.request_faq(session_factory, 2, "en", "v", store.READER_PRIORITY)
    again, created = store.request_faq(session_factory, 2, "en", "v", store.READER_PRIORITY)
    assert again.id == reader.id and not created
    first = store.claim_next(session_factory, "w1")
    assert first is not None and first.faq_id == reader.id  # the reader's click goes first
    second = store.claim_next(session_factory, "w2")
    assert second is not None and second.faq_id == background.id
    assert store.claim_next(session_factory, "w3") is None  # nothing is claimed twice
    # A worker that lost its lease can no longer store anything.
    assert store.release_stale(session_factory, dt.timedelta(seconds=-1), 5) == 2

    def finish(claim: store.Claim) -> bool:
        return store.finish_done(
            session_factory,
            claim,
            markdown="x",
            model="m",
            input_kind="abstract",
            prompt_tokens=1,
            completion_tokens=1,
        )

    assert not finish(first)
    retaken = store.claim_next(session_factory, "w4")
    assert retaken is not None and retaken.faq_id == reader.id and retaken.attempt == 2
    assert finish(retaken)
    assert not finish(retaken)


def test_a_consumer_knows_when_the_next_retry_falls_due(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    add_papers(database_url, 2)
    assert store.seconds_until_due(session_factory) is None  # nothing waits: sleep until rung
    store.request_faq(session_factory, 1, "en", "v", store.READER_PRIORITY)
    assert store.seconds_until_due(session_factory) is None  # due now: claim_next takes it
    claim = store.claim_next(session_factory, "w")
    assert claim is not None and store.retry_later(session_factory, claim, "429", 90.0)
    assert store.claim_next(session_factory, "w") is None
    due_in = store.seconds_until_due(session_factory)
    assert due_in is not None and 85 < due_in <= 90


def test_a_row_whose_worker_dies_on_every_attempt_ends_failed(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    add_papers(database_url, 1)
    row, _ = store.request_faq(session_factory, 1, "en", "v", store.READER_PRIORITY)
    for attempt in range(1, 4):
        claim = store.claim_next(session_factory, f"w{attempt}")
        assert claim is not None and claim.attempt == attempt
        # The worker dies: no heartbeat, and the sweep of another worker finds the row stale.
        assert store.release_stale(session_factory, dt.timedelta(seconds=-1), 3) == 1
    final = store.get_faq(session_factory, row.id)
    assert final is not None and final.status == "failed" and final.attempts == 3
    assert "stopped 3 times" in (final.error or "")
    assert store.claim_next(session_factory, "w4") is None  # nothing left to loop on


REAL = Path(__file__).resolve().parents[1] / "data" / "real"


def test_a_reference_list_without_a_heading_is_dropped_real_revtex_paper() -> None:
    text = extract_pdf_text((REAL / "pdf_revtex_unheaded_references.pdf").read_bytes())
    assert "1 D. C. Johnston, Adv. Phys." in text  # the list is there, numbered, with no heading
    kept = cut_to_budget(text, 100_000)
    assert "Adv. Phys. 59, 803" not in kept and "Gauge Fields and Strings" not in kept
    assert kept.rstrip().endswith("Division of Materials Sciences and Engineering.")  # up to the list
    assert "ﬁ" not in text and "finite temperature" in text  # ligatures undone (NFKC)
    assert "D. Jérome" in text and "Tešanović" in text  # TeX's spacing accents put on their letters


def test_references_before_the_appendices_are_dropped_and_the_appendices_kept() -> None:
    body = "Introduction\n" + "We study things. " * 400 + "\nConclusions\nIt works.\n"
    refs = "References\n" + "".join(f"[{n}] A. Author, J. Things {n} (2020).\n" for n in range(1, 40))
    appendix = "Appendix A Proofs\n" + "Proof of the lemma. " * 300
    kept = drop_references(body + refs + appendix)
    assert "J. Things 7" not in kept and kept.startswith("Introduction") and "It works." in kept
    assert "Appendix A Proofs" in kept and kept.endswith("Proof of the lemma.")


def test_numbered_section_headings_are_not_a_reference_list() -> None:
    sections = "".join(f"{n} Section {n}\n" + "Text of the section. " * 120 + "\n" for n in range(1, 8))
    assert drop_references(sections) == sections


def test_text_is_extracted_in_a_child_process_with_a_deadline() -> None:
    import asyncio

    from coolpapers.app.faq.fulltext import extract_in_child

    pdf = (REAL / "pdf_revtex_unheaded_references.pdf").read_bytes()
    assert asyncio.run(extract_in_child(pdf)) == extract_pdf_text(pdf)
    with pytest.raises(NoText, match=r"took longer than 0\.001 s"):
        asyncio.run(extract_in_child(pdf, timeout_s=0.001))
    with pytest.raises(NoText, match="not a PDF file"):
        asyncio.run(extract_in_child(b"<html>not a pdf</html>"))
    with pytest.raises(NoText, match="could not be read"):  # the child runs out of memory: told, not crashed
        asyncio.run(extract_in_child(pdf, max_mb=40))
    assert len(asyncio.run(extract_in_child(pdf, max_pages=1))) < len(extract_pdf_text(pdf)) // 3
