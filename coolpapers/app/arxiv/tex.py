"""TeX in arXiv metadata text, outside math, to Unicode. Pure: strings in, strings out.

Authors write titles and abstracts in TeX: accents (`Schr\\"odinger`, `{\\'e}`), font commands
(`\\textit{NeuroAlign}`, `\\emph{…}`, `{\\bf …}`), escapes (`\\%`, `\\&`), dashes and quotes.
pylatexenc's LatexNodes2Text reads all of that; we only keep math (`$…$`, `$$…$$`, `\\(…\\)`,
`\\[…\\]`) out of its way, for KaTeX on the page, and escape the characters arXiv text uses
literally although TeX gives them a meaning (`50%` is not a comment, `R&D` no table column).
"""

from __future__ import annotations

import logging
import re

from pylatexenc import latexwalker, macrospec
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

log = logging.getLogger(__name__)

_MATH = re.compile(r"(\$\$.*?\$\$|\$.*?\$|\\\(.*?\\\)|\\\[.*?\\\])", re.DOTALL)
# `%`, `&`, `#` and `_` not already escaped: literal characters in arXiv's plain-text fields.
_LITERAL = re.compile(r"(?<!\\)([%&#_])")


def _converter() -> LatexNodes2Text:
    db = get_default_latex_context_db()
    # pylatexenc drops \texttt's argument; in abstracts it names code, which must stay.
    db.add_context_category(
        "coolpapers", prepend=True, macros=[MacroTextSpec("texttt", simplify_repl="%(1)s")]
    )
    return LatexNodes2Text(latex_context=db, math_mode="verbatim", strict_latex_spaces=True)


_TO_TEXT = _converter()
# The parser must know \href takes two arguments (its default reads none, and then fails).
_PARSING = latexwalker.get_default_latex_context_db()
_PARSING.add_context_category("coolpapers", prepend=True, macros=[macrospec.MacroSpec("href", "{{")])


def _convert_text(text: str) -> str:
    try:
        converted = _TO_TEXT.latex_to_text(_LITERAL.sub(r"\\\1", text), latex_context=_PARSING)
    except Exception as exc:  # tolerant parsing should not raise; if it does, keep the author's text
        log.warning("TeX text could not be read (%s); kept as written: %.80r", exc, text)
        return text
    return converted.replace("\xa0", " ")  # `~` ties words; on a page that is a space


def tex_to_unicode(text: str) -> str:
    """Text outside math converted from TeX to Unicode; math spans are kept exactly as written.

    Text without a backslash is returned as is (braces in plain text survive)."""
    if "\\" not in text:
        return text
    parts = _MATH.split(text)
    return "".join(
        part if i % 2 else (_convert_text(part) if "\\" in part else part) for i, part in enumerate(parts)
    )
