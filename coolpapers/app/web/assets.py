"""Static files under a URL that changes whenever any of them does, so browsers may keep them for a year.

The digest names the whole tree, not each file: the ES modules import each other by relative path
(./cards.js) and KaTeX's stylesheet finds its fonts relatively, which stays right only while every
file of the tree shares one prefix. Plain /static/... keeps working, with a short lifetime, for
links made before (bookmarks, /favicon.ico's redirect, feed readers).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from coolpapers.app.paths import STATIC_DIR

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
DIGEST_CHARS = 16


@dataclass(frozen=True)
class StaticTree:
    directory: Path
    files: frozenset[str]  # paths relative to `directory`, with "/"
    digest: str

    @classmethod
    def scan(cls, directory: Path) -> StaticTree:
        """Reads every file once; names and contents both count, so a rename changes the digest."""
        digest = hashlib.sha256()
        files = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())
        for name in files:
            digest.update(name.encode() + b"\0")
            digest.update((directory / name).read_bytes() + b"\0")
        return cls(directory, frozenset(files), digest.hexdigest()[:DIGEST_CHARS])

    @property
    def prefix(self) -> str:
        return f"/static/{self.digest}"

    def url(self, name: str) -> str:
        """The cacheable URL of one file: templates call it as static_url("js/page.js")."""
        if name not in self.files:
            raise KeyError(f"no static file {name!r} in {self.directory}")  # a typo fails the render
        return f"{self.prefix}/{name}"

    def mount(self, app: FastAPI) -> None:
        # The hashed mount first: "/static" would otherwise take the digest for a folder name.
        app.mount(self.prefix, _CachedStaticFiles(IMMUTABLE, directory=self.directory), name="static-hashed")
        app.mount("/static", _CachedStaticFiles(SHORT, directory=self.directory), name="static")


@functools.cache
def served_static() -> StaticTree:
    """The project's tree, read once per process: files change only with a deploy, which restarts."""
    return StaticTree.scan(STATIC_DIR)


class _CachedStaticFiles(StaticFiles):
    def __init__(self, cache_control: str, *, directory: Path) -> None:
        super().__init__(directory=directory)
        self.cache_control = cache_control

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):  # never a 404: the file may yet appear
            response.headers["Cache-Control"] = self.cache_control
        return response
