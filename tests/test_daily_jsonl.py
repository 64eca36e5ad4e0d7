"""The sample-day parser (arxiv/daily_jsonl.py): ids normalised as everywhere else, bad lines
skipped and counted, never an exception, on real lines and on anything hypothesis makes up."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from coolpapers.app.arxiv.daily_jsonl import parse_day_lines
from coolpapers.app.arxiv.ids import parse_arxiv_id
from coolpapers.app.ingest.demo import demo_files


def line(**fields: object) -> str:
    base: dict[str, object] = {"id": "2606.01234", "categories": ["cs.AI"], "authors": ["A. B"],
                               "title": "T", "comment": None, "summary": "S"}  # fmt: skip
    base.update(fields)
    return json.dumps(base)


def test_ids_are_normalised_and_each_paper_kept_once() -> None:
    text = "\n".join([line(id="arXiv:2606.01234v2"), line(id="2606.01234"), line(id="hep-th/9901001v1"),
                      line(id="https://arxiv.org/abs/2606.00007")])  # fmt: skip
    items, skipped = parse_day_lines(text)
    assert [i.paper.arxiv_id for i in items] == ["2606.00007", "2606.01234", "hep-th/9901001"]
    assert skipped == 0


def test_lines_that_cannot_be_papers_are_skipped_and_counted() -> None:
    text = "\n".join(["{not json", "[]", line(id="nope"), line(categories=[]), line(title="  "), line(), ""])
    items, skipped = parse_day_lines(text)
    assert [i.paper.arxiv_id for i in items] == ["2606.01234"] and skipped == 5


def test_the_bundled_days_read_whole() -> None:
    for file in demo_files():
        raw = [json.loads(x) for x in file.read_text("utf-8").splitlines() if x.strip()]
        items, skipped = parse_day_lines(file.read_text("utf-8"))
        assert skipped == 0
        assert {i.paper.arxiv_id for i in items} == {parse_arxiv_id(o["id"]).base for o in raw}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=80), st.dictionaries(
    st.sampled_from(["id", "categories", "authors", "title", "comment", "summary"]),
    st.one_of(st.none(), st.text(max_size=30), st.lists(st.text(max_size=10), max_size=3), st.integers()),
).map(json.dumps)), max_size=12))  # fmt: skip
def test_any_text_parses_without_raising(lines: list[str]) -> None:
    items, skipped = parse_day_lines("\n".join(lines))
    assert len(items) + skipped <= sum(1 for x in "\n".join(lines).splitlines() if x.strip())
    for item in items:
        assert parse_arxiv_id(item.paper.arxiv_id).base == item.paper.arxiv_id and item.paper.categories
