"""What `POST /api/library` answers: the export's papers as arXiv ids, and the rest as texts."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LibraryPaper(BaseModel):
    arxiv_id: str
    title: str


class LibraryText(BaseModel):
    title: str = Field(max_length=500)
    abstract: str = Field("", max_length=3000)


class LibraryOut(BaseModel):
    format: str = Field(description="bibtex, ris or csl-json")
    entries: int = Field(description="entries read from the file")
    papers: list[LibraryPaper] = Field(description="entries with an arXiv id, given or matched by title")
    by_title: int = Field(description="how many of `papers` were matched by their title")
    texts: list[LibraryText] = Field(description="entries without an arXiv id, counted by their own text")
    unmatched: int = Field(description="entries neither matched nor kept (past the limits)")
