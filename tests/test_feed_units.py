"""Pure parts of feeds and search highlighting: the Atom builder, the RFC 4287 checker the feed
tests rely on (shown to catch broken feeds), and the `<mark>` highlighter."""

from __future__ import annotations

import datetime as dt
import html
import re

import feedparser

from coolpapers.app.search.highlight import mark_text
from coolpapers.app.web.atom import EPOCH, FeedEntry, etag_of, listing_feed, rfc3339, search_feed, xml_text
from coolpapers.app.web.schemas.listing import ListedPaperOut
from tests.atom_check import atom_problems


def paper(arxiv_id: str = "2606.00001", **fields: object) -> ListedPaperOut:
    data: dict[str, object] = {
        "arxiv_id": arxiv_id, "version": 1, "title": "A title", "authors": ["A. Author"],
        "abstract": "An abstract.", "categories": ["cs.CL"], "abs_url": f"https://arxiv.org/abs/{arxiv_id}",
        "pdf_url": f"https://arxiv.org/pdf/{arxiv_id}",
    }  # fmt: skip
    data.update(fields)
    return ListedPaperOut.model_validate(data)


def test_checker_catches_what_readers_trip_on() -> None:
    broken = b"""<feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>t</title>
      <updated>June 9</updated>
      <entry><id>no-scheme</id><title>e</title><updated>2026-06-09T00:00:00Z</updated>
        <link rel="alternate" type="text/html" href="a"/><link type="text/html" href="b"/>
        <summary>one</summary><summary>two</summary></entry>
      <entry><id>urn:x</id><updated>2026-06-09</updated><author/></entry></feed>"""
    found = "\n".join(atom_problems(broken))
    for problem in ("not an RFC 3339", "no rel=self", "not an absolute IRI", "two alternate links",
                    "no author", "more than one summary", "0 <title>", "author without a name"):  # fmt: skip
        assert problem in found, problem


def test_an_entry_without_authors_inherits_the_feeds() -> None:
    body = search_feed("http://h", "x", [FeedEntry(paper(authors=[]), EPOCH)])
    assert atom_problems(body) == [] and feedparser.parse(body).bozo == 0


def test_dates_and_updated() -> None:
    assert rfc3339(dt.datetime(2026, 6, 9, 12, 30, 15, 999)) == "2026-06-09T12:30:15Z"  # naive = UTC
    tz = dt.timezone(dt.timedelta(hours=-4))
    assert rfc3339(dt.datetime(2026, 6, 9, 20, 0, tzinfo=tz)) == "2026-06-10T00:00:00Z"
    late = paper(updated_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    entries = [FeedEntry(paper(), dt.datetime(2026, 6, 1, tzinfo=dt.UTC)), FeedEntry(late, EPOCH)]
    parsed = feedparser.parse(listing_feed("http://h", "cs.CL", dt.date(2026, 6, 9), entries))
    assert parsed.feed.updated == "2026-07-01T00:00:00Z"  # the newest entry wins over the day
    assert [e.updated for e in parsed.entries] == ["2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z"]
    assert search_feed("http://h", "x", []).count(b"<updated>1970-01-01T00:00:00Z</updated>") == 1


def test_text_xml_cannot_carry_is_dropped_and_the_rest_kept() -> None:
    assert xml_text("a\x00b\x01c\x1b\x7fd\ud800e\ufffef\U0001f600\t\n\r") == "abc\x7fdef\U0001f600\t\n\r"
    body = search_feed("http://h", "q\x02", [FeedEntry(paper(title="t\x0c]]><x>"), EPOCH)])
    assert feedparser.parse(body).bozo == 0 and feedparser.parse(body).entries[0].title == "t]]><x>"


def test_etag_is_strong_and_follows_the_bytes() -> None:
    assert etag_of(b"a") == etag_of(b"a") != etag_of(b"b")
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag_of(b"a"))


def spans(text: str, *words: str) -> list[tuple[int, int]]:
    """Byte ranges of each occurrence of the words, as the engine reports them."""
    raw = text.encode()
    return [(m.start(), m.end()) for w in words for m in re.finditer(re.escape(w.encode()), raw)]


def test_marks_wrap_escaped_words_only() -> None:
    text = 'Café <b>models</b> & "résumé" model'
    out = mark_text(text, spans(text, "models", "résumé"))
    assert out == (
        'Café &lt;b&gt;<mark class="q">models</mark>&lt;/b&gt; &amp; '
        '&quot;<mark class="q">résumé</mark>&quot; model'
    )
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", out)) == text  # nothing lost or added
    assert mark_text("<script>", []) == "&lt;script&gt;"


def test_marks_skip_math_bad_and_overlapping_ranges() -> None:
    text = "Sorting in $O(n \\log n)$ log steps $$\\log x$$"
    out = mark_text(text, spans(text, "log"))
    assert out.count("<mark") == 1 and "$O(n \\log n)$" in out and "$$\\log x$$" in out
    assert mark_text("ab", [(0, 2), (1, 2), (5, 9), (1, 1)]) == '<mark class="q">ab</mark>'
    assert mark_text("é", [(1, 2)]) == "é"  # not on a character boundary


def test_a_late_cross_list_is_not_a_new_paper_in_its_primary() -> None:
    """A whole-arXiv feed lists an old paper newly cross-listed as `cross` even though its primary is
    among the requested categories: it is announced as a cross-list only, never as new."""
    from coolpapers.app.arxiv.announce import derive_announcements
    from coolpapers.app.arxiv.rss import parse_item

    entry = {"id": "oai:arXiv.org:2203.01234v2", "arxiv_announce_type": "cross", "title": "Old paper",
             "summary": "arXiv:2203.01234v2 Announce Type: cross \nAbstract: Dark energy.",
             "author": "A. Author", "tags": [{"term": "astro-ph.CO"}, {"term": "hep-ph"}]}  # fmt: skip
    item = parse_item(entry)
    assert item.cross_listing and not item.replacement
    day = dt.date(2026, 6, 10)
    got = {(a.category, a.type) for a in derive_announcements(day, [item], {"astro-ph.CO", "hep-ph"})}
    assert got == {("hep-ph", "cross")}  # not ("astro-ph.CO", "new")
    fresh = parse_item({**entry, "arxiv_announce_type": "new"})
    got = {(a.category, a.type) for a in derive_announcements(day, [fresh], {"astro-ph.CO", "hep-ph"})}
    assert got == {("astro-ph.CO", "new"), ("hep-ph", "cross")}
