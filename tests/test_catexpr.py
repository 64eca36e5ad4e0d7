import pytest

from coolpapers.app.arxiv.catexpr import (
    BadCategoryExpression,
    CategoryExpr,
    UnknownCategory,
    parse_category_expr,
)


@pytest.mark.parametrize(
    ("text", "include", "exclude"),
    [
        ("cs.AI", ["cs.AI"], []),
        ("cs.AI,cs.CL", ["cs.AI", "cs.CL"], []),
        ("cs.AI+cs.CL", ["cs.AI", "cs.CL"], []),
        ("cs.AI cs.CL", ["cs.AI", "cs.CL"], []),  # '+' decoded as a space
        ("cs.AI+cs.LG-cs.CY", ["cs.AI", "cs.LG"], ["cs.CY"]),
        ("hep-th+cond-mat.soft-math-ph", ["cond-mat.soft", "hep-th"], ["math-ph"]),
        ("cs.NA", ["math.NA"], []),
        ("cs.ai", ["cs.AI"], []),
        ("cs.AI+cs.AI", ["cs.AI"], []),
    ],
)
def test_parses_unions_and_exclusions(text: str, include: list[str], exclude: list[str]) -> None:
    assert parse_category_expr(text) == CategoryExpr(tuple(include), tuple(exclude))


def test_str_round_trips() -> None:
    assert str(parse_category_expr("cs.AI,cs.LG-cs.CY")) == "cs.AI+cs.LG-cs.CY"


def test_unknown_category_suggests_close_codes() -> None:
    with pytest.raises(UnknownCategory) as err:
        parse_category_expr("cs.AI+cs.Al")
    assert err.value.code == "cs.Al"
    assert "cs.AI" in err.value.suggestions


@pytest.mark.parametrize("text", ["", "   ", "x" * 2000])
def test_empty_or_oversized_is_rejected(text: str) -> None:
    with pytest.raises(BadCategoryExpression):
        parse_category_expr(text)


@pytest.mark.parametrize("text", ["cs.AI'; DROP TABLE papers;--", "<script>", "cs.XX", "-"])
def test_garbage_is_an_unknown_category(text: str) -> None:
    with pytest.raises((UnknownCategory, BadCategoryExpression)):
        parse_category_expr(text)
