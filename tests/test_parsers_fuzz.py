"""Every parser, fuzzed (hypothesis): arXiv ids, category expressions, RSS feeds, API answers,
snapshot lines, the search syntax and PDF text cleaning. Each may fail only with its documented
error, never anything else, and what it returns keeps its promises. The feeds are real ones
(tests/data/real/) cut and spliced at random places."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coolpapers.app.arxiv.api import ApiError, parse_api_feed
from coolpapers.app.arxiv.catexpr import BadCategoryExpression, UnknownCategory, parse_category_expr
from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id
from coolpapers.app.arxiv.rss import FeedError, parse_feed
from coolpapers.app.arxiv.snapshot import BadSnapshotLine, parse_snapshot_line
from coolpapers.app.faq.fulltext import CHARS_PER_TOKEN, clean_text, cut_to_budget, drop_references
from coolpapers.app.search.query import parse_query

REAL = Path(__file__).parent / "data" / "real"
RSS = (REAL / "rss_quant-ph.xml").read_bytes()
API = (REAL / "api_two_ids.xml").read_bytes()
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def spliced(real: bytes) -> st.SearchStrategy[bytes]:
    """The real document with a piece cut out, repeated or replaced by random bytes."""
    n = len(real)
    cut = st.tuples(st.integers(0, n), st.integers(0, n), st.binary(max_size=64))
    return cut.map(lambda c: real[: min(c[0], c[1])] + c[2] + real[max(c[0], c[1]) :])


@FUZZ
@given(st.one_of(st.text(max_size=60), st.from_regex(r"(arXiv:)?\d{4}\.\d{4,6}(v\d{1,3})?", fullmatch=True)))
def test_ids(text: str) -> None:
    try:
        ident = parse_arxiv_id(text)
    except InvalidArxivId:
        return
    assert parse_arxiv_id(ident.base).base == ident.base


PIECES = st.sampled_from(["cs.AI", "cs.LG", "math", "+", "-", ",", "hep-th", "cs.al", " "])


@FUZZ
@given(st.one_of(st.text(max_size=80), st.lists(PIECES, max_size=12).map("".join)))
def test_category_expressions(text: str) -> None:
    try:
        expr = parse_category_expr(text)
    except (UnknownCategory, BadCategoryExpression):
        return
    assert expr.include and list(expr.include) == sorted(set(expr.include))
    assert not set(expr.include) & set(expr.exclude)


@FUZZ
@given(st.one_of(spliced(RSS), st.binary(max_size=300)))
def test_rss_feeds(body: bytes) -> None:
    try:
        day = parse_feed(body)
    except FeedError:
        return
    assert len({i.paper.arxiv_id for i in day.items}) == len(day.items)  # each paper once
    assert all(i.paper.categories and i.paper.title for i in day.items)


@FUZZ
@given(st.one_of(spliced(API), st.binary(max_size=300)))
def test_api_answers(body: bytes) -> None:
    try:
        result = parse_api_feed(body)
    except ApiError:
        return
    assert all(parse_arxiv_id(p.arxiv_id).base == p.arxiv_id for p in result.papers)


FIELDS = st.fixed_dictionaries({k: st.text(max_size=20) for k in ("id", "title", "categories", "authors")})


@FUZZ
@given(st.one_of(st.binary(max_size=200), FIELDS.map(json.dumps)))
def test_snapshot_lines(line: bytes | str) -> None:
    try:
        record = parse_snapshot_line(line)
    except BadSnapshotLine:
        return
    assert record.categories and record.title


@FUZZ
@given(st.text(max_size=120))
def test_search_syntax_never_fails(text: str) -> None:
    parse_query(text)


@FUZZ
@given(st.text(max_size=3000), st.integers(1, 500))
def test_pdf_text_cleaning_and_cutting(text: str, tokens: int) -> None:
    cleaned = clean_text(text)
    assert "\x00" not in cleaned and "\r" not in cleaned
    assert len(drop_references(cleaned)) <= len(cleaned) + 2
    assert len(cut_to_budget(cleaned, tokens)) <= tokens * CHARS_PER_TOKEN + len("\n\n[…]\n\n") + 2


def test_feedparsers_own_errors_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the fuzzer: on some spliced feed (a namespace URI with a space, split by expat into
    four parts) feedparser itself raised ValueError instead of reporting bozo XML."""
    import feedparser

    def trips(*args: object, **kwargs: object) -> None:
        raise ValueError("too many values to unpack (expected 2)")

    monkeypatch.setattr(feedparser, "parse", trips)
    with pytest.raises(FeedError, match="could not be parsed"):
        parse_feed(RSS)
    with pytest.raises(ApiError, match="could not be parsed"):
        parse_api_feed(API)
