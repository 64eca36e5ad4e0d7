"""Reading the search index: the web process's side. It never writes; the worker's indexer does.

The index directory is opened on first use and re-opened when the indexer commits (the
commit rewrites `meta.json`; a cheap stat per request notices it), so new papers become
searchable within one indexer tick without any message between the processes.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import tantivy

from coolpapers.app.search.build import build_query
from coolpapers.app.search.highlight import mark_text, mark_words
from coolpapers.app.search.query import ParsedQuery, parse_query
from coolpapers.app.search.schema import NAME_ANALYZER, analyze, build_schema, register_analyzers

log = logging.getLogger(__name__)

MAX_RESULTS = 1000  # deepest result a query can page to
SNIPPET_CHARS = 320
WHOLE_FIELD_CHARS = 100_000  # longer than any title or abstract arXiv accepts
Sort = Literal["relevance", "date"]
_STOP_WORDS = (
    "a an and are as at be by for from has have in is it its of on or that the this to was were which with we"
)


class IndexNotReady(Exception):
    """No index has been built yet (the worker builds it on start)."""


@dataclass(frozen=True)
class Hit:
    arxiv_id: str
    title: str
    authors: list[str]
    abstract: str
    categories: list[str]
    date: dt.datetime | None
    score: float | None  # None when sorted by date
    title_html: str  # escaped; matched words in <b> when highlighting
    snippet_html: str  # escaped start of the abstract, or its best-matching passage
    # With `marks`: the whole title and abstract escaped, matched words in <mark class="q">.
    title_marked: str | None = None
    abstract_marked: str | None = None
    authors_marked: list[str] | None = None


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    matches: int  # every matching paper
    page: int
    size: int

    @property
    def total(self) -> int:
        """Results that can be paged to."""
        return min(self.matches, MAX_RESULTS)


@dataclass(frozen=True)
class Related:
    arxiv_id: str
    title: str
    authors: list[str]
    score: float


def _first(doc: tantivy.Document, name: str) -> str:
    value = doc.get_first(name)
    return str(value) if value is not None else ""


def _plain_snippet(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text)
    cut = text[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return html.escape(cut) + " …"


class SearchIndex:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._index: tantivy.Index | None = None
        self._stamp: float | None = None

    def _meta_stamp(self) -> float | None:
        try:
            return os.stat(self.directory / "meta.json").st_mtime_ns
        except OSError:
            return None

    def searcher(self) -> tantivy.Searcher:
        stamp = self._meta_stamp()
        if stamp is None:
            raise IndexNotReady(f"no search index in {self.directory} yet")
        with self._lock:
            if self._index is None:
                index = tantivy.Index.open(str(self.directory))
                register_analyzers(index)
                index.config_reader(reload_policy="Manual")
                self._index, self._stamp = index, stamp
            elif stamp != self._stamp:
                try:
                    self._index.reload()
                    self._stamp = stamp
                except ValueError:
                    pass  # caught the indexer mid-merge: keep the previous view, retry next request
            return self._index.searcher()

    def document_count(self) -> int:
        """Papers in the committed index; raises IndexNotReady before the first build."""
        return int(self.searcher().num_docs)

    def search(
        self, text: str, *, sort: Sort = "relevance", page: int = 1, size: int = 20, highlight: bool = False,
        marks: bool = False,
    ) -> SearchPage:  # fmt: skip
        parsed = parse_query(text)
        built = build_query(parsed)
        offset = (page - 1) * size
        if built is None or offset >= MAX_RESULTS:
            matches = 0 if built is None else self._count(built.query)
            return SearchPage([], matches, page, size)
        searcher = self.searcher()
        limit = min(size, MAX_RESULTS - offset)
        by_date = sort == "date" or not built.scored
        try:
            if by_date:
                result = searcher.search(built.query, limit, count=True, order_by_field="date", offset=offset)
            else:
                result = searcher.search(built.query, limit, count=True, offset=offset)
        except ValueError:
            # The engine refused a query we built: our bug, logged; the reader gets no results, not a 500.
            log.exception("search index refused the query built from %r", text[:200])
            return SearchPage([], 0, page, size)
        snippets = self._snippets(searcher, built.highlight) if highlight and built.highlight else None
        markers = self._markers(searcher, built.highlight) if marks and built.highlight else None
        name_terms = author_terms(parsed) if markers is not None else frozenset()
        hits = []
        for key, address in result.hits:
            doc = searcher.doc(address)
            title, abstract = _first(doc, "title"), _first(doc, "abstract")
            title_html, snippet_html = html.escape(title), _plain_snippet(abstract)
            if snippets is not None:
                title_html = snippets[0].snippet_from_doc(doc).to_html() or title_html
                snippet_html = snippets[1].snippet_from_doc(doc).to_html() or snippet_html
            date = doc.get_first("date")
            authors = [str(a) for a in doc.get_all("authors")]
            title_marked = abstract_marked = authors_marked = None
            if markers is not None:
                title_marked, abstract_marked = (
                    _marked(markers[0], doc, title),
                    _marked(markers[1], doc, abstract),
                )
                authors_marked = [mark_words(a, name_terms, _name_tokens) for a in authors]
            hits.append(
                Hit(
                    arxiv_id=_first(doc, "arxiv_id"),
                    title=title,
                    authors=authors,
                    abstract=abstract,
                    categories=[str(c) for c in doc.get_all("categories")],
                    date=date if isinstance(date, dt.datetime) else None,
                    score=None if by_date else float(key),
                    title_html=title_html,
                    snippet_html=snippet_html,
                    title_marked=title_marked,
                    abstract_marked=abstract_marked,
                    authors_marked=authors_marked,
                )
            )
        return SearchPage(hits, _count_of(result), page, size)

    def _count(self, query: tantivy.Query) -> int:
        return _count_of(self.searcher().search(query, 1, count=True))

    @staticmethod
    def _snippets(
        searcher: tantivy.Searcher, query: tantivy.Query
    ) -> tuple[tantivy.SnippetGenerator, tantivy.SnippetGenerator]:
        schema = build_schema()
        title = tantivy.SnippetGenerator.create(searcher, query, schema, "title")
        title.set_max_num_chars(2000)  # the whole title, highlighted
        abstract = tantivy.SnippetGenerator.create(searcher, query, schema, "abstract")
        abstract.set_max_num_chars(SNIPPET_CHARS)
        return title, abstract

    @staticmethod
    def _markers(
        searcher: tantivy.Searcher, query: tantivy.Query
    ) -> tuple[tantivy.SnippetGenerator, tantivy.SnippetGenerator]:
        """Snippet generators whose one fragment is the whole field, for marking every match."""
        schema = build_schema()
        out = []
        for field in ("title", "abstract"):
            generator = tantivy.SnippetGenerator.create(searcher, query, schema, field)
            generator.set_max_num_chars(WHOLE_FIELD_CHARS)
            out.append(generator)
        return out[0], out[1]

    def related(self, arxiv_id: str, size: int = 10) -> list[Related] | None:
        """Papers whose title and abstract share the most distinctive words; None if not indexed."""
        searcher = self.searcher()
        schema = build_schema()
        own = tantivy.Query.term_query(schema, "arxiv_id", arxiv_id)
        found = searcher.search(own, 1).hits
        if not found:
            return None
        doc = searcher.doc(found[0][1])
        title = _first(doc, "title")
        like = tantivy.Query.more_like_this_document_fields_query(
            schema,
            # The title twice: its words say more about the topic than the abstract's.
            {"title": [title, title], "abstract": [_first(doc, "abstract")]},
            min_doc_frequency=1,
            max_doc_frequency=max(2, searcher.num_docs // 5),
            min_term_frequency=1,
            max_query_terms=30,
            min_word_length=2,
            boost_factor=1.0,
            stop_words=_stop_words(),
        )
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, like), (tantivy.Occur.MustNot, own)])
        out = []
        for score, address in searcher.search(query, size).hits:
            other = searcher.doc(address)
            out.append(
                Related(
                    arxiv_id=_first(other, "arxiv_id"),
                    title=_first(other, "title"),
                    authors=[str(a) for a in other.get_all("authors")],
                    score=float(score),
                )
            )
        return out


def _stop_words() -> list[str]:
    # Compared with analysed terms, so they go through the same analyzer.
    return sorted({t for word in _STOP_WORDS.split() for t in analyze(word)})


def _name_tokens(word: str) -> list[str]:
    return analyze(word, NAME_ANALYZER)


def author_terms(parsed: ParsedQuery) -> frozenset[str]:
    """The name tokens a positive clause can match in the authors field (words match authors too)."""
    clauses = [c for group in parsed.groups for c in group if c.kind in ("text", "author")]
    return frozenset(t for c in clauses for t in analyze(c.value, NAME_ANALYZER))


def _marked(generator: tantivy.SnippetGenerator, doc: tantivy.Document, text: str) -> str:
    snippet = generator.snippet_from_doc(doc)
    base = snippet.fragment_range().start  # the fragment starts at the first word, not the text's start
    return mark_text(text, [(base + r.start, base + r.end) for r in snippet.highlighted()])


def _count_of(result: tantivy.SearchResult) -> int:
    count = getattr(result, "count", None)  # present whenever search() was asked to count
    return int(count or 0)
