"""Matched words marked in a whole text. Pure: text and byte ranges in, HTML out.

The engine reports matches as UTF-8 byte ranges; every piece of the text is HTML-escaped
here and only `<mark class="q">` is added, so nothing from the data is ever read as markup.
Matches inside `$…$` / `$$…$$` are left unmarked: a tag there would split the TeX and the
page could no longer render the formula.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

_WORD = re.compile(r"[^\W_]+")  # the engine's simple tokenizer: runs of letters and digits
_MATH = re.compile(rb"\$\$.+?\$\$|\$[^$]+\$", re.DOTALL)
OPEN, CLOSE = '<mark class="q">', "</mark>"


def mark_text(text: str, ranges: Iterable[tuple[int, int]]) -> str:
    """`text` escaped, with each byte range (start, end) that is whole words wrapped in a mark."""
    raw = text.encode("utf-8")
    math = [m.span() for m in _MATH.finditer(raw)]
    out: list[str] = []
    last = 0
    for start, end in sorted(ranges):
        if start < last or start >= end or end > len(raw):
            continue  # overlapping or out of range: the engine's text differs from ours
        if any(start < m_end and m_start < end for m_start, m_end in math):
            continue
        try:
            before, word = raw[last:start].decode("utf-8"), raw[start:end].decode("utf-8")
        except UnicodeDecodeError:
            continue  # not on character boundaries: leave this one unmarked
        out += [html.escape(before), OPEN, html.escape(word), CLOSE]
        last = end
    out.append(html.escape(raw[last:].decode("utf-8")))
    return "".join(out)


def mark_words(text: str, terms: frozenset[str], analyze: Callable[[str], list[str]]) -> str:
    """`text` escaped, each word whose analysed form is one of `terms` marked (for author names,
    which the engine cannot highlight: they are a list, not one text)."""
    ranges = []
    for word in _WORD.finditer(text):
        if terms.intersection(analyze(word.group())):
            start = len(text[: word.start()].encode("utf-8"))
            ranges.append((start, start + len(word.group().encode("utf-8"))))
    return mark_text(text, ranges)
