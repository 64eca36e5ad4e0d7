"""Cleaning arXiv metadata text. Pure: strings in, strings out.

arXiv's raw metadata carries TeX (`Schr\\"odinger`, `\\textit{…}`; see app.arxiv.tex), hard line breaks,
author lines with affiliations in parentheses, and category aliases. Every writer
(feeds, API, history import, demo) passes its text through here so stored papers look
the same whatever their source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from coolpapers.app.arxiv.categories import canonical_category, is_known_archive
from coolpapers.app.arxiv.tex import tex_to_unicode


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


def clean_doi(text: str | None) -> str | None:
    """A paper's DOIs, each once, space-separated: arXiv's field may hold several (a paper and its
    erratum), and sometimes the same one twice. No TeX conversion: a DOI is an identifier."""
    seen: dict[str, str] = {}
    for doi in re.split(r"[\s,;]+", text or ""):
        if doi:
            seen.setdefault(doi.lower(), doi)
    return " ".join(seen.values()) or None


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


def _tidy_name(piece: str) -> str:
    """Separators trimmed; a final period kept where it belongs to the name: an initial
    ("D. E.") or a suffix ("Jr."), not a sentence's end ("A. Smith.")."""
    name = piece.strip(" ,;").lstrip(".")
    last = name.rstrip(".").rsplit(" ", 1)[-1]
    initial = len(last.replace("-", "").replace(".", "")) == 1
    if name.endswith(".") and not (initial or last.lower() in {"jr", "sr"}):
        name = name.rstrip(". ")
    return name


def split_authors(text: str | None) -> tuple[str, ...]:
    """`A, B and C` / `A and B` / `A (Univ. X), B` -> names in order, TeX converted."""
    line = normalize_space(tex_to_unicode(_drop_parentheses(text or "")))
    names: list[str] = []
    for piece in _AND.split(line):
        name = _tidy_name(piece)
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
