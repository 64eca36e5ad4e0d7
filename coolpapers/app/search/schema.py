"""The search index's layout: fields, analyzers and how a stored paper becomes a document.

Text is analysed the same way when indexed and when queried (see `analyze`), because query
terms are built here rather than by tantivy's query parser, which can reject user input.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import tantivy

# Bump when fields or analyzers change: the indexer then rebuilds the index from the database.
SCHEMA_VERSION = 1

TEXT_ANALYZER = "cp_text"  # words: lower-cased, accents folded, English-stemmed
NAME_ANALYZER = "cp_name"  # author names: lower-cased, accents folded, not stemmed
MAX_TOKEN_LENGTH = 40


@dataclass(frozen=True)
class IndexedPaper:
    """What the index holds for one paper (the database row is the source)."""

    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    abstract: str
    categories: tuple[str, ...]  # primary first
    date: dt.datetime  # first submitted when known, else when stored


def _analyzer(stem: bool) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_LENGTH))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


@cache
def analyzers() -> dict[str, tantivy.TextAnalyzer]:
    return {TEXT_ANALYZER: _analyzer(stem=True), NAME_ANALYZER: _analyzer(stem=False)}


def analyze(text: str, analyzer: str = TEXT_ANALYZER) -> list[str]:
    return list(analyzers()[analyzer].analyze(text))


@cache
def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("arxiv_id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=True, tokenizer_name=TEXT_ANALYZER)
    sb.add_text_field("abstract", stored=True, tokenizer_name=TEXT_ANALYZER)
    sb.add_text_field("authors", stored=True, tokenizer_name=NAME_ANALYZER)
    sb.add_text_field("categories", stored=True, tokenizer_name="raw")
    sb.add_text_field("archives", stored=False, tokenizer_name="raw")
    sb.add_date_field("date", stored=True, indexed=True, fast=True)
    return sb.build()


def register_analyzers(index: tantivy.Index) -> None:
    """Custom analyzers are not persisted in the index: every opener registers them."""
    for name, analyzer in analyzers().items():
        index.register_tokenizer(name, analyzer)


def to_document(paper: IndexedPaper) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("arxiv_id", paper.arxiv_id)
    doc.add_text("title", paper.title)
    doc.add_text("abstract", paper.abstract)
    for author in paper.authors:
        doc.add_text("authors", author)
    for cat in paper.categories:
        doc.add_text("categories", cat)
    for archive in dict.fromkeys(c.split(".", 1)[0] for c in paper.categories):
        doc.add_text("archives", archive)
    doc.add_date("date", paper.date.astimezone(dt.UTC))
    return doc
