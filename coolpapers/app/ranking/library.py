"""A reader's reference-manager export read into For you's profile: BibTeX (bibtexparser), RIS
(rispy) or CSL-JSON, as Zotero, Mendeley and JabRef write them. Each entry gives its arXiv id when
the export names one — `eprint` with `archivePrefix = arXiv`, Mendeley's `arxivId`, an arxiv.org URL,
an arXiv DOI (10.48550/arXiv.…), "arXiv:…" in the journal, note, number or report fields — and
its title and abstract, which match it by title or count on their own. Pure: no storage here."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import bibtexparser
import rispy

from coolpapers.app.arxiv.ids import InvalidArxivId, parse_arxiv_id
from coolpapers.app.arxiv.tex import tex_to_unicode

MAX_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 5000
FORMATS = ("bibtex", "ris", "csl-json")
# An arXiv id where exports put one: a URL or DOI naming arXiv, or "arXiv:" / "arXiv preprint" text.
_ID = r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)"
_WHERE = r"(?:arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.|arxiv[:\s]\s*(?:preprint\s+)?(?:arxiv:)?)"
_IN_TEXT = re.compile(_WHERE + _ID, re.IGNORECASE)
_RIS_TAG = re.compile(r"^[A-Z][A-Z0-9]  -( |$)", re.MULTILINE)


class LibraryError(ValueError):
    """The file is not a BibTeX, RIS or CSL-JSON export (the message says what it looked like)."""


@dataclass(frozen=True)
class LibraryEntry:
    arxiv_id: str | None  # canonical, without version
    title: str
    abstract: str


def _arxiv_id(values: Iterable[str]) -> str | None:
    for value in values:
        for match in _IN_TEXT.finditer(value):
            try:
                return parse_arxiv_id(match.group(1)).base
            except InvalidArxivId:
                continue
    return None


def _entry(direct: str | None, texts: Iterable[str], title: str, abstract: str) -> LibraryEntry | None:
    arxiv_id = None
    if direct:
        try:
            arxiv_id = parse_arxiv_id(direct.strip().removeprefix("arXiv:").removeprefix("arxiv:")).base
        except InvalidArxivId:
            arxiv_id = None
    arxiv_id = arxiv_id or _arxiv_id(texts)
    title, abstract = " ".join(title.split()), " ".join(abstract.split())
    return LibraryEntry(arxiv_id, title, abstract) if (arxiv_id or title) else None


def _unbraced(text: str) -> str:
    return text.replace("{", "").replace("}", "")  # BibTeX's case guards: {BERT}, {{Attention}}


def _bibtex(text: str) -> Iterator[LibraryEntry]:
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # broken blocks are counted, not logged
    library = bibtexparser.parse_string(text)
    if not library.entries:
        raise LibraryError("no BibTeX entries could be read (@article{…}, @misc{…}, …)")
    for e in library.entries:
        f = {k.lower(): str(v.value) for k, v in e.fields_dict.items()}
        eprint = (
            f.get("eprint") if "arxiv" in f.get("archiveprefix", f.get("eprinttype", "")).lower() else None
        )
        direct = f.get("arxivid") or eprint
        texts = [f.get(k, "") for k in ("url", "doi", "journal", "note", "howpublished", "number", "eprint")]
        title, abstract = (_unbraced(tex_to_unicode(f.get(k, ""))) for k in ("title", "abstract"))
        found = _entry(direct, texts, title, abstract)
        if found:
            yield found


def _ris(text: str) -> Iterator[LibraryEntry]:
    try:
        records = rispy.loads(text)
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise LibraryError(f"not a readable RIS export ({exc})") from None
    for r in records:
        texts = [*(r.get("urls") or []), str(r.get("doi", "")), str(r.get("journal_name", "")),
                 str(r.get("notes", "")), str(r.get("number", ""))]  # fmt: skip
        title = str(r.get("title") or r.get("primary_title") or "")
        found = _entry(None, texts, title, str(r.get("abstract", "")))
        if found:
            yield found


def _csl_json(text: str) -> Iterator[LibraryEntry]:
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise LibraryError(f"not valid JSON ({exc.args[0][:80]})") from None
    if isinstance(items, dict):
        items = items.get("items", [items])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise LibraryError("JSON, but not CSL-JSON: expected a list of items with a title")
    for i in items:
        texts = [
            str(i.get(k, "")) for k in ("URL", "DOI", "number", "container-title", "note", "archive_location")
        ]
        found = _entry(None, texts, str(i.get("title", "")), str(i.get("abstract", "")))
        if found:
            yield found


def detect(text: str) -> str:
    head = text.lstrip("\ufeff \t\r\n")
    if head[:1] in "[{":
        return "csl-json"
    if _RIS_TAG.search(text[:20000]):
        return "ris"
    if re.search(r"@\s*[A-Za-z]+\s*[{(]", text):
        return "bibtex"
    raise LibraryError("not a BibTeX, RIS or CSL-JSON export (export your library in one of these)")


def read_library(data: bytes) -> tuple[str, list[LibraryEntry]]:
    """(format, entries); LibraryError for anything else, including more than MAX_BYTES."""
    if len(data) > MAX_BYTES:
        raise LibraryError(
            f"the file is {len(data) / 1e6:.1f} MB; the limit is {MAX_BYTES // (1024 * 1024)} MB"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # older BibTeX files; every byte is a character
    kind = detect(text)
    parse = {"bibtex": _bibtex, "ris": _ris, "csl-json": _csl_json}[kind]
    entries = []
    for entry in parse(text):
        entries.append(entry)
        if len(entries) >= MAX_ENTRIES:
            break
    if not entries:
        raise LibraryError(f"the {kind} file holds no entry with a title or an arXiv id")
    return kind, entries
