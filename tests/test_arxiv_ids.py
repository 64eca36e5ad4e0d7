import pytest

from coolpapers.app.arxiv.ids import ArxivId, InvalidArxivId, parse_arxiv_id


@pytest.mark.parametrize(
    ("text", "base", "version"),
    [
        ("2401.12345", "2401.12345", None),
        ("2401.12345v3", "2401.12345", 3),
        ("2401.12345V3", "2401.12345", 3),
        ("arXiv:2401.12345", "2401.12345", None),
        ("  https://arxiv.org/abs/2401.12345v2 ", "2401.12345", 2),
        ("http://export.arxiv.org/pdf/2401.12345.pdf", "2401.12345", None),
        ("1406.2661", "1406.2661", None),
        ("1406.02661", "1406.2661", None),  # wrong zero padding, same paper
        ("2401.6769", "2401.06769", None),
        ("0704.0001", "0704.0001", None),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("math.GT/0309136", "math/0309136", None),
        ("math.CA/0611800v2", "math/0611800", 2),
        ("cond-mat/0207270v1", "cond-mat/0207270", 1),
        ("oai:arXiv.org:2606.06625v1", "2606.06625", 1),
    ],
)
def test_normalises_to_one_canonical_form(text: str, base: str, version: int | None) -> None:
    assert parse_arxiv_id(text) == ArxivId(base, version)


@pytest.mark.parametrize(
    "text",
    ["", "hello", "2413.00001", "0612.0001", "2401.0", "2401.123456", "1406.12345", "foo/9901001",
     "hep-th/9913001", "hep-th/1001001", "2401.12345v0", "x" * 500, "2401.12345; DROP TABLE papers",
     "../../etc/passwd", "<script>alert(1)</script>"],
)  # fmt: skip
def test_impossible_ids_are_rejected(text: str) -> None:
    with pytest.raises(InvalidArxivId):
        parse_arxiv_id(text)


def test_str_includes_version_when_given() -> None:
    assert str(parse_arxiv_id("2401.12345v2")) == "2401.12345v2"
    assert str(parse_arxiv_id("hep-th/9901001")) == "hep-th/9901001"
