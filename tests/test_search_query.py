"""The search syntax parser: every input parses, operators become filters, the rest are words."""

import datetime as dt

import pytest

from coolpapers.app.search.build import build_query
from coolpapers.app.search.query import Clause, parse_query


def test_words_phrases_exclusions_and_or() -> None:
    q = parse_query('graph "neural network" -vision rlhf OR dpo')
    assert q.groups == [
        [Clause("text", "graph")],
        [Clause("text", "neural network")],
        [Clause("text", "rlhf"), Clause("text", "dpo")],
    ]
    assert q.excluded == [Clause("text", "vision", negated=True)]


def test_operators_become_filters() -> None:
    q = parse_query('author:"Yann LeCun" cat:cs.NA cat:cs after:2024-01-01 before:2025-02-03 learning')
    assert q.groups == [[Clause("author", "Yann LeCun")], [Clause("text", "learning")]]
    assert q.categories == ["math.NA", "cs"]  # the alias folds into its canonical partner
    assert (q.after, q.before) == (dt.date(2024, 1, 1), dt.date(2025, 2, 3))


def test_arxiv_ids_in_any_spelling() -> None:
    for text in ("2401.00001", "arXiv:2401.00001v2", "https://arxiv.org/abs/2401.00001"):
        assert parse_query(text).groups == [[Clause("id", "2401.00001")]]
    assert parse_query("hep-th/9901001").groups == [[Clause("id", "hep-th/9901001")]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cat:nonsense", [[Clause("text", "cat nonsense")]]),
        ("after:yesterday", [[Clause("text", "after yesterday")]]),
        ('"unbalanced quote', [[Clause("text", "unbalanced quote")]]),
        ("OR OR", []),
        ("-", [[Clause("text", "-")]]),
    ],
)
def test_bad_syntax_degrades_to_words(text: str, expected: list[list[Clause]]) -> None:
    assert parse_query(text).groups == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "'\";--", "*", "NEAR(", '"', "-", "--", "OR", "author:", "a" * 5000, "\x00\u202e"],
)
def test_anything_builds_or_means_nothing(text: str) -> None:
    built = build_query(parse_query(text))
    assert built is None or built.query is not None


def test_only_filters_are_not_scored() -> None:
    built = build_query(parse_query("cat:cs.CL after:2024-01-01"))
    assert built is not None and not built.scored
