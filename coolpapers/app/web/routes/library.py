"""`POST /api/library`: a reference-manager export (BibTeX, RIS or CSL-JSON, at most 5 MB) read into
For you's profile. Entries with an arXiv id are taken as they are; others are matched by exact
title against the search index; the rest are returned with their title and abstract, which the
page keeps and sends with its For-you requests. Nothing is stored on the server."""

from __future__ import annotations

import asyncio
import re

from fastapi import APIRouter, HTTPException, Request

from coolpapers.app.ranking.library import MAX_BYTES, LibraryEntry, LibraryError, read_library
from coolpapers.app.search.engine import IndexNotReady, SearchIndex
from coolpapers.app.web.deps import SearchDep
from coolpapers.app.web.schemas.errors import error_responses
from coolpapers.app.web.schemas.library import LibraryOut, LibraryPaper, LibraryText

router = APIRouter(tags=["for you"])
MAX_TITLE_LOOKUPS = 300  # entries without an id matched by title, per file
MAX_TEXTS = 100  # unmatched entries sent back to count by their own text


def _words(title: str) -> str:
    return " ".join(re.findall(r"\w+", title.lower()))


def _by_title(search: SearchIndex, entry: LibraryEntry) -> str | None:
    """The stored paper whose title is this entry's, word for word (case and punctuation aside)."""
    words = _words(entry.title)
    if len(words) < 8:
        return None  # "Introduction", "Notes": too short to be sure it is the same paper
    try:
        hits = search.search(f'"{words}"', size=3).hits
    except IndexNotReady:
        return None
    return next((h.arxiv_id for h in hits if _words(h.title) == words), None)


def _match(
    search: SearchIndex, entries: list[LibraryEntry]
) -> tuple[list[LibraryPaper], int, list[LibraryText]]:
    papers: dict[str, LibraryPaper] = {}
    by_title = 0
    texts: list[LibraryText] = []
    lookups = 0
    for entry in entries:
        arxiv_id = entry.arxiv_id
        if arxiv_id is None and entry.title and lookups < MAX_TITLE_LOOKUPS:
            lookups += 1
            arxiv_id = _by_title(search, entry)
            by_title += arxiv_id is not None
        if arxiv_id is not None:
            papers.setdefault(arxiv_id, LibraryPaper(arxiv_id=arxiv_id, title=entry.title[:500]))
        elif entry.title and len(texts) < MAX_TEXTS:
            texts.append(LibraryText(title=entry.title[:500], abstract=entry.abstract[:3000]))
    return list(papers.values()), by_title, texts


async def _body(request: Request) -> bytes:
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BYTES:
            raise HTTPException(
                413, f"the file is over {MAX_BYTES // (1024 * 1024)} MB; export a smaller library"
            )
    return bytes(data)


FILE_BODY = {"requestBody": {"required": True, "content": {
    "text/plain": {"schema": {"type": "string"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
}}}  # fmt: skip


@router.post(
    "/api/library", response_model=LibraryOut, responses=error_responses(400, 413), openapi_extra=FILE_BODY
)
async def import_library(request: Request, search: SearchDep) -> LibraryOut:
    """The body is the exported file itself (any content type)."""
    data = await _body(request)
    try:
        kind, entries = await asyncio.to_thread(read_library, data)
    except LibraryError as exc:
        raise HTTPException(400, str(exc)) from None
    papers, by_title, texts = await asyncio.to_thread(_match, search, entries)
    return LibraryOut(format=kind, entries=len(entries), papers=papers, by_title=by_title, texts=texts,
                      unmatched=len(entries) - len(papers) - len(texts))  # fmt: skip
