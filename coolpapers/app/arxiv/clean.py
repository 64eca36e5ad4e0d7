"""Cleaning arXiv metadata text. Pure: strings in, strings out.

arXiv's raw metadata carries TeX accent escapes (`Schr\\"odinger`), hard line breaks,
author lines with affiliations in parentheses, and category aliases. Every writer
(feeds, API, history import, demo) passes its text through here so stored papers look
the same whatever their source.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from coolpapers.app.arxiv.categories import canonical_category, is_known_archive

# TeX accent command -> Unicode combining mark (arXiv's own tex2utf covers this set).
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a",
}  # fmt: skip
_LETTERS = {
    "ss": "ß", "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "aa": "å", "AA": "Å", "i": "ı", "j": "ȷ", "th": "þ", "dh": "ð", "ng": "ŋ",
    "S": "§", "P": "¶", "pounds": "£", "copyright": "©", "dag": "†", "ddag": "‡",
}  # fmt: skip

# Symbol accents (\'x, \"{x}, \'{\i}) and letter accents, which need braces or a space (\v{c}, \c c).
_SYMBOL_ACCENT = re.compile(
    r"""\\(['`^"~=.])\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))"""
)
_LETTER_ACCENT = re.compile(r"\\([uvHckr])(?:\s*\{\s*(\\[ij]|[A-Za-z])\s*\}|\s+([A-Za-z]))")
_NAMED = re.compile(r"\\(" + "|".join(sorted(_LETTERS, key=len, reverse=True)) + r")(?![A-Za-z])\s?")
# A group that only wraps converted text: {ö} -> ö. Groups holding TeX commands stay.
_BARE_GROUP = re.compile(r"\{([^{}\\$]*)\}")
_MATH = re.compile(r"(\$\$.*?\$\$|\$.*?\$)", re.DOTALL)


def _accent(mark: str, base: str) -> str:
    if base in ("\\i", "\\j"):
        base = base[1]  # an accent over dotless i is just í
    return unicodedata.normalize("NFC", base + mark)


def _convert_text(text: str) -> str:
    if "\\" not in text:
        return text
    before = text
    text = _SYMBOL_ACCENT.sub(lambda m: _accent(_ACCENTS[m[1]], m[2] or m[3]), text)
    text = _LETTER_ACCENT.sub(lambda m: _accent(_ACCENTS[m[1]], m[2] or m[3]), text)
    text = _NAMED.sub(lambda m: _LETTERS[m[1]], text)
    if text != before:
        # Only strip braces once something was converted, so {braces} in plain text survive.
        text = _BARE_GROUP.sub(lambda m: m[1] if not m[1] or _has_non_ascii(m[1]) else m[0], text)
    return text


def _has_non_ascii(text: str) -> bool:
    return any(ord(ch) > 127 for ch in text)


def tex_to_unicode(text: str) -> str:
    """Replace TeX accent escapes with Unicode, leaving `$…$` and `$$…$$` math untouched."""
    if "\\" not in text:
        return text
    parts = _MATH.split(text)
    return "".join(part if i % 2 else _convert_text(part) for i, part in enumerate(parts))


def normalize_space(text: str | None) -> str:
    """One line: every run of whitespace (line breaks included) becomes one space."""
    if not text:
        return ""
    # Most text is already one line apart from single line breaks. Splitting it into words
    # and joining them again is the slow part, so check for that case first: printable
    # (no whitespace but the space) with no double, leading or trailing spaces.
    flat = text.replace("\n", " ")
    if flat.isprintable() and "  " not in flat and flat[0] != " " and flat[-1] != " ":
        return flat
    return " ".join(text.split())


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n|\n[ \t]+(?=\S)")


def clean_title(text: str | None) -> str:
    return normalize_space(tex_to_unicode(text or ""))


def clean_abstract(text: str | None) -> str:
    """Unwrap hard line breaks but keep paragraphs.

    arXiv abstracts are wrapped at ~80 columns; a new paragraph is a blank line or a
    line that starts indented. Paragraphs are joined with a blank line.
    """
    raw = tex_to_unicode((text or "").strip())
    paragraphs = (normalize_space(p) for p in _PARAGRAPH_BREAK.split(raw))
    return "\n\n".join(p for p in paragraphs if p)


def clean_optional(text: str | None) -> str | None:
    """Comments, journal refs, DOIs: one line, TeX converted, empty means unknown."""
    cleaned = normalize_space(tex_to_unicode(text or ""))
    return cleaned or None


_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v"}
_AND = re.compile(r"\s*,?\s+and\s+|\s*,\s*|\s*;\s*|\s+&\s+", re.IGNORECASE)


def _drop_parentheses(text: str) -> str:
    """Remove (…) groups, nested ones included: affiliations are not part of a name."""
    if "(" not in text:
        return text  # the common case; the loop below looks at every character
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def split_authors(text: str | None) -> tuple[str, ...]:
    """`A, B and C` / `A and B` / `A (Univ. X), B` -> names in order, TeX converted."""
    line = normalize_space(tex_to_unicode(_drop_parentheses(text or "")))
    names: list[str] = []
    for piece in _AND.split(line):
        name = piece.strip(" .,;") if piece.strip().lower() not in _SUFFIXES else piece.strip()
        if not name:
            continue
        if name.lower() in _SUFFIXES and names:
            names[-1] = f"{names[-1]}, {name}"  # "A. Smith, Jr." is one author
            continue
        names.append(name)
    return tuple(names)


def clean_author_names(names: Iterable[str]) -> tuple[str, ...]:
    """Names already split by arXiv (API author elements, sample files)."""
    return tuple(n for n in (normalize_space(tex_to_unicode(x)) for x in names) if n)


@lru_cache(maxsize=4096)  # arXiv has a few hundred codes; the bound only matters for junk input
def _canonical_code(code: str) -> str | None:
    code = code.strip()
    return canonical_category(code) or (code.lower() if is_known_archive(code) else None)


def clean_categories(codes: Iterable[str]) -> tuple[str, ...]:
    """Canonical codes in the given order (primary first), aliases merged, unknown codes dropped.

    Bare archive codes (`astro-ph`, `cond-mat`) stay: old papers have them as primary.
    """
    out: list[str] = []
    for code in codes:
        canonical = _canonical_code(code)
        if canonical and canonical not in out:
            out.append(canonical)
    return tuple(out)
