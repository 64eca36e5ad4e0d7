"""Turn a `ParsedQuery` into tantivy query objects (never through tantivy's text parser)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import tantivy

from coolpapers.app.search.query import Clause, ParsedQuery
from coolpapers.app.search.schema import NAME_ANALYZER, analyze, build_schema

# Title matches count three times an abstract match: a paper *about* the words names them.
FIELD_BOOSTS = {"title": 3.0, "abstract": 1.0, "authors": 1.0}
Occur = tantivy.Occur


@dataclass
class BuiltQuery:
    query: tantivy.Query
    scored: bool  # False when only filters/exclusions: relevance means nothing, sort by date
    highlight: tantivy.Query | None  # the positive text terms, for snippets


def _field_query(field: str, tokens: list[str]) -> tantivy.Query:
    schema = build_schema()
    if len(tokens) == 1:
        return tantivy.Query.term_query(schema, field, tokens[0])
    words: list[str | tuple[int, str]] = list(tokens)
    return tantivy.Query.phrase_query(schema, field, words)


def _clause_query(clause: Clause) -> tantivy.Query | None:
    schema = build_schema()
    if clause.kind == "id":
        return tantivy.Query.term_query(schema, "arxiv_id", clause.value)
    if clause.kind == "author":
        tokens = analyze(clause.value, NAME_ANALYZER)
        return _field_query("authors", tokens) if tokens else None
    tokens = analyze(clause.value)
    if not tokens:
        return None
    name_tokens = analyze(clause.value, NAME_ANALYZER)
    per_field = [
        (Occur.Should, tantivy.Query.boost_query(_field_query(f, tokens), boost))
        for f, boost in FIELD_BOOSTS.items()
        if f != "authors"
    ]
    if name_tokens:
        per_field.append((Occur.Should, _field_query("authors", name_tokens)))
    return tantivy.Query.boolean_query(per_field)


def _group_query(group: list[Clause]) -> tantivy.Query | None:
    parts = [q for q in (_clause_query(c) for c in group) if q is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return tantivy.Query.boolean_query([(Occur.Should, q) for q in parts])


# The index stores dates as nanoseconds (about 1677–2262); papers all fall well inside this span,
# so bounds outside it are clamped to it without changing what matches.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2200, 1, 1)


def _day_start(day: dt.date) -> dt.datetime:
    day = min(max(day, EARLIEST), LATEST)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _filters(parsed: ParsedQuery) -> list[tuple[tantivy.Occur, tantivy.Query]]:
    schema = build_schema()
    out: list[tuple[tantivy.Occur, tantivy.Query]] = []
    if parsed.categories:
        cats = [
            (Occur.Should, tantivy.Query.term_query(schema, field, code))
            for code in parsed.categories
            for field in ("categories", "archives")
        ]
        out.append((Occur.Must, tantivy.Query.const_score_query(tantivy.Query.boolean_query(cats), 0.0)))
    if parsed.after or parsed.before:
        # after: the day itself counts; before: strictly earlier days.
        lower = _day_start(parsed.after) if parsed.after else None
        upper = _day_start(parsed.before) if parsed.before else None
        if lower and upper and lower >= upper:
            out.append((Occur.Must, tantivy.Query.empty_query()))
        else:
            rng = tantivy.Query.range_query(
                schema, "date", tantivy.FieldType.Date, lower, upper, include_upper=upper is None
            )
            out.append((Occur.Must, tantivy.Query.const_score_query(rng, 0.0)))
    return out


def build_query(parsed: ParsedQuery) -> BuiltQuery | None:
    """None when nothing searchable is left (e.g. only punctuation): the answer is no results."""
    musts = [q for q in (_group_query(g) for g in parsed.groups) if q is not None]
    excluded = [q for q in (_clause_query(c) for c in parsed.excluded) if q is not None]
    filters = _filters(parsed)
    if not (musts or filters or excluded):
        return None
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = [(Occur.Must, q) for q in musts]
    clauses += filters
    if not musts and not filters:
        clauses.append((Occur.Must, tantivy.Query.all_query()))
    clauses += [(Occur.MustNot, q) for q in excluded]
    highlight = tantivy.Query.boolean_query([(Occur.Should, q) for q in musts]) if musts else None
    return BuiltQuery(tantivy.Query.boolean_query(clauses), bool(musts), highlight)
