"""Cleaning arXiv text: TeX accents, whitespace, author lines, category aliases."""

import pytest

from coolpapers.app.arxiv.clean import (
    clean_abstract,
    clean_categories,
    clean_doi,
    clean_title,
    normalize_space,
    split_authors,
    tex_to_unicode,
)


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        (r"Schr\"odinger", "Schrödinger"),
        (r"Poincar\'e", "Poincaré"),
        (r"\`a la", "à la"),
        (r"h\^ote", "hôte"),
        (r"Pe\~na", "Peña"),
        (r"\=a", "ā"),
        (r"\.Z", "Ż"),
        (r"\u{g}", "ğ"),
        (r"\v{S}ime\v{c}ek", "Šimeček"),
        (r"Erd\H{o}s", "Erdős"),
        (r"\c{C}elik", "Çelik"),
        (r"\k{e}", "ę"),
        (r"\r{A}", "Å"),
        (r"{\"o}", "ö"),
        (r"{\"{o}}", "ö"),
        (r"\"{o}", "ö"),
        (r"\'{\i}ndice", "índice"),
        (r"Stra\ss e", "Straße"),
        (r"{\ss}e", "ße"),
        (r"\AA ngstr\"om", "Ångström"),
        (r"\L{}\'od\'z", "Łódź"),
    ],
)
def test_tex_accents_become_unicode(tex: str, text: str) -> None:
    assert tex_to_unicode(tex) == text


def test_math_is_left_alone() -> None:
    assert (
        tex_to_unicode(r"Poincar\'e maps $\'a + \"o$ and $$\v{x}$$")
        == r"Poincaré maps $\'a + \"o$ and $$\v{x}$$"
    )
    assert tex_to_unicode("plain {braces} stay") == "plain {braces} stay"


def test_title_and_abstract_whitespace() -> None:
    assert clean_title("A Placeholder\n  Title  with   $O(n)$") == "A Placeholder Title with $O(n)$"
    raw = "  First paragraph\nwrapped at eighty columns.\n  Second paragraph\nalso wrapped.\n"
    assert (
        clean_abstract(raw) == "First paragraph wrapped at eighty columns.\n\nSecond paragraph also wrapped."
    )
    assert clean_abstract("One\n\nTwo") == "One\n\nTwo"


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("A, B and C", ("A", "B", "C")),
        ("A and B", ("A", "B")),
        ("Ada Example, Bo Sample (Some University)", ("Ada Example", "Bo Sample")),
        ("A. Smith (MIT, Cambridge (USA)), B. Jones", ("A. Smith", "B. Jones")),
        (r"C. Bal\'azs and D. M\"uller", ("C. Balázs", "D. Müller")),
        ("John Smith, Jr., Jane Doe", ("John Smith, Jr.", "Jane Doe")),
        ("A, B, and C", ("A", "B", "C")),
        ("A. Smith Jr., B. C. Jones and D. E.", ("A. Smith Jr.", "B. C. Jones", "D. E.")),  # periods kept
        ("J.-P. Serre, Bo Sample Sr. and A. Smith.", ("J.-P. Serre", "Bo Sample Sr.", "A. Smith")),
        ("", ()),
    ],
)
def test_author_lines_split_into_names(line: str, names: tuple[str, ...]) -> None:
    assert split_authors(line) == names


def test_categories_merge_aliases_keep_primary_first_and_drop_unknown() -> None:
    codes = ["cs.NA", "cs.SY", "math.IT", "math.MP", "q-fin.EC", "stat.TH", "I.2.6", "math.NA"]
    assert clean_categories(codes) == ("math.NA", "eess.SY", "cs.IT", "math-ph", "econ.GN", "math.ST")
    assert clean_categories(["astro-ph", "gr-qc"]) == ("astro-ph", "gr-qc")  # pre-2009 primary archive


WHITESPACE = [chr(c) for c in range(0x3000 + 1) if chr(c).isspace()]


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "\n", "one", "one two", "one\ntwo", " lead", "trail ", "two  spaces", "tab\there",
        "crlf\r\nline", "line\n\nbreak", "\n\nedge\n", "no\u00a0break", "thin\u2009space", "zero\u200bwidth",
        "soft\u00adhyphen", "nul\x00byte", "ideographic\u3000space", "Schrödinger\nequation  ",
        *(f"a{ws}b" for ws in WHITESPACE), *(f"a{ws}\nb" for ws in WHITESPACE), *WHITESPACE,
    ],
)  # fmt: skip
def test_normalize_space_fast_path_agrees_with_splitting_on_whitespace(text: str) -> None:
    assert normalize_space(text) == " ".join(text.split())


@pytest.mark.parametrize(
    ("field", "doi"),
    [
        ("10.1103/PhysRevD.1.1 10.1103/PhysRevD.1.1", "10.1103/PhysRevD.1.1"),  # the same one twice
        (
            "10.1364/JOSAA.23.002578 10.1364/JOSAA.32.002407",
            "10.1364/JOSAA.23.002578 10.1364/JOSAA.32.002407",
        ),
        ("10.1/a_b%c; 10.1/A_B%C,10.2/x", "10.1/a_b%c 10.2/x"),  # no TeX reading, any separator
        ("  ", None),
        (None, None),
    ],
)
def test_doi_fields_hold_each_doi_once(field: str | None, doi: str | None) -> None:
    assert clean_doi(field) == doi
