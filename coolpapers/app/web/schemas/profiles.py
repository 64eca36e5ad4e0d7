"""A reader profile as the page keeps it (store.js) and a sync link shares it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from coolpapers.app.web.schemas.library import LibraryText


class ProfilePaper(BaseModel):
    id: str = Field(max_length=64)
    title: str = Field("", max_length=500)


class ProfileLibrary(BaseModel):
    papers: list[ProfilePaper] = Field(default_factory=list, max_length=5000)
    texts: list[LibraryText] = Field(default_factory=list, max_length=100)
    source: str = Field("", max_length=300)


class Profile(BaseModel):
    stars: list[ProfilePaper] = Field(default_factory=list, max_length=2000)
    library: ProfileLibrary = Field(default_factory=ProfileLibrary)
    keywords: str = Field("", max_length=2000)


class SyncLink(BaseModel):
    token: str = Field(description="the secret: whoever has it reads and changes this profile")
    url: str = Field(description="the link to open on another device")
