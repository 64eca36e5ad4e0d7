"""The search box's syntax, parsed into plain data. Pure: text in, `ParsedQuery` out, never an error.

Supported: words (all must match), "quoted phrases", -excluded words or phrases, `a OR b`,
`author:Name` / `author:"First Last"`, `cat:cs.CL` (aliases and archives such as `cat:cs`),
`before:YYYY-MM-DD` / `after:YYYY-MM-DD`, and arXiv ids in any common spelling. Anything that
does not parse as an operator is read as ordinary words, so a typo narrows or widens the
search instead of failing it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from coolpapers.app.arxiv.categories import canonical_category, is_known_archive
from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id

# `-`? then `key:"quoted value"`, `key:value`, `"phrase"` or a bare run of non-space text.
_TOKEN = re.compile(r'(-?)(?:(\w+):"([^"]*)"?|"([^"]*)"?|(\S+))')
_OPERATOR = re.compile(r"^(author|cat|before|after):(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Clause:
    """One thing a paper must (or, when negated, must not) contain."""

    kind: str  # "text" (words, adjacent when several), "author", "id"
    value: str
    negated: bool = False


@dataclass
class ParsedQuery:
    # Each group is satisfied when any of its clauses is (a group of one is a plain AND term).
    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # canonical categories or archives
    after: dt.date | None = None
    before: dt.date | None = None

    @property
    def has_terms(self) -> bool:
        return bool(self.groups)

    @property
    def is_empty(self) -> bool:
        return not (self.groups or self.excluded or self.categories or self.after or self.before)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _category(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    found = canonical_category(value)
    if found:
        return found
    return value.lower() if is_known_archive(value) else None


def _text_clause(text: str, negated: bool) -> Clause | None:
    text = text.strip()
    if not text:
        return None
    if " " not in text:
        try:
            return Clause("id", parse_arxiv_id(text).base, negated)
        except InvalidArxivId:
            pass
    return Clause("text", text, negated)


def _operator(key: str, value: str, negated: bool, query: ParsedQuery) -> Clause | None:
    """Apply a filter to `query`, or return the clause it stands for; None when consumed."""
    key = key.lower()
    if key == "author" and value.strip():
        return Clause("author", value.strip(), negated)
    if key == "cat" and not negated and (cat := _category(value)):
        query.categories.append(cat)
        return None
    if key in ("before", "after") and not negated and (day := _date(value)):
        setattr(query, key, day)
        return None
    # Not a usable operator: read "key:value" as words.
    return _text_clause(f"{key} {value}", negated)


def parse_query(text: str) -> ParsedQuery:
    query = ParsedQuery()
    pending_or = False
    for match in _TOKEN.finditer(text or ""):
        minus, key, key_quoted, phrase, bare = match.groups()
        negated = minus == "-"
        clause: Clause | None
        if key is not None:
            clause = _operator(key, key_quoted, negated, query)
        elif phrase is not None:
            clause = _text_clause(phrase, negated)
        else:
            if bare == "OR" and not negated:
                pending_or = bool(query.groups)
                continue
            if op := _OPERATOR.match(bare):
                clause = _operator(op.group(1), op.group(2), negated, query)
            else:
                clause = _text_clause(bare, negated)
        if clause is None:
            continue
        if clause.negated:
            query.excluded.append(clause)
        elif pending_or and query.groups:
            query.groups[-1].append(clause)
        else:
            query.groups.append([clause])
        pending_or = False
    return query
