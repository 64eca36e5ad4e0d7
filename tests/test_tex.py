"""TeX outside math in titles and abstracts: font commands, escapes, dashes; math untouched."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coolpapers.app.arxiv.clean import clean_abstract, clean_title
from coolpapers.app.arxiv.tex import tex_to_unicode

DEMO = Path(__file__).resolve().parents[1] / "coolpapers" / "app" / "ingest" / "demo_data"


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        (r"\textit{NeuroAlign}: aligning", "NeuroAlign: aligning"),
        (r"an \emph{open} problem", "an open problem"),
        (r"{\bf Bold} and \textbf{bold}", "Bold and bold"),
        (r"50\% faster", "50% faster"),
        (r"50% faster, R&D, \#1, a_b \ok", "50% faster, R&D, #1, a_b "),
        (r"\texttt{model\_v2} code", "model_v2 code"),
        (r"\emph{pages} 3--4 --- done", "pages 3–4 — done"),
        (r"\emph{a} ``quoted'' text", "a “quoted” text"),
        (r"Ko\v{c}i\v{s}~et~al.", "Kočiš et al."),
    ],
)
def test_tex_outside_math_becomes_text(tex: str, text: str) -> None:
    assert tex_to_unicode(tex) == text


def test_math_spans_stay_exactly_as_written() -> None:
    tex = r"\emph{Fast} $\mathcal{O}(n\%)$, \(\alpha_1\) and \[x^2\] with $$\textit{y}$$"
    assert tex_to_unicode(tex) == r"Fast $\mathcal{O}(n\%)$, \(\alpha_1\) and \[x^2\] with $$\textit{y}$$"


def test_the_demo_abstract_that_showed_raw_tex_reads_as_text() -> None:
    rows = [json.loads(line) for line in (DEMO / "2026-06-09.jsonl").read_text().splitlines() if line]
    raw = next(r["summary"] for r in rows if r"\textit{Gated Concept Stream}" in r["summary"])
    cleaned = clean_abstract(raw)
    assert "with a Gated Concept Stream." in cleaned
    assert r"\textit" not in cleaned


_MATH = re.compile(r"\$[^$]+\$")


@given(st.text(alphabet=st.sampled_from(list("ab \\{}$%&#_^~'`\"-emphtxi\n")), max_size=80))
def test_any_text_converts_without_error_and_keeps_its_math(text: str) -> None:
    out = tex_to_unicode(text)
    assert isinstance(out, str)
    clean_title(text), clean_abstract(text)
    if text.count("$") == 2 and "$$" not in text and "\\(" not in text and "\\[" not in text:
        [span] = _MATH.findall(text) or [""]
        assert span in out


def test_every_real_abstract_converts_without_falling_back(caplog: pytest.LogCaptureFixture) -> None:
    rows = [
        json.loads(line) for f in sorted(DEMO.glob("*.jsonl")) for line in f.read_text().splitlines() if line
    ]
    for row in rows:
        clean_abstract(row["summary"]), clean_title(row["title"])
    assert "could not be read" not in caplog.text
    assert tex_to_unicode(r"Code: \href{https://github.com/a/b}{") == "Code:  <https://github.com/a/b>"
