"""arXiv identifiers: one canonical form for every way people write them. Pure, no I/O.

New style `YYMM.NNNNN` (4-digit sequence 0704–1412, 5-digit from 1501), old style
`archive/YYMMNNN` (subject class dropped: `math.GT/0309136` → `math/0309136`), with an
optional `vN`. Prefixes such as `arXiv:`, abs/pdf URLs and a `.pdf` suffix are stripped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coolpapers.app.arxiv.categories import LEGACY_ARCHIVES, taxonomy

MAX_ID_LENGTH = 80

_PREFIX = re.compile(
    r"^(?:arxiv:|(?:https?://)?(?:export\.|www\.)?arxiv\.org/(?:abs|pdf)/|oai:arxiv\.org:)", re.IGNORECASE
)
_NEW = re.compile(r"^(\d{2})(\d{2})\.(\d{1,6})(?:[vV](\d+))?$")
_OLD = re.compile(r"^([a-zA-Z]+(?:-[a-zA-Z]+)?)(?:\.([A-Za-z-]{2,}))?/(\d{2})(\d{2})(\d{3})(?:[vV](\d+))?$")


class InvalidArxivId(ValueError):
    """The text cannot be an arXiv id; no request to arXiv should be made for it."""


@dataclass(frozen=True)
class ArxivId:
    base: str  # canonical id without version: the papers table's key
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.base}v{self.version}" if self.version else self.base


def _old_archives() -> set[str]:
    return taxonomy().archives() | set(LEGACY_ARCHIVES) | {"bayes-an", "cmp-lg"}


def parse_arxiv_id(text: str) -> ArxivId:
    """Normalise any common spelling of an arXiv id; raise InvalidArxivId if impossible."""
    raw = (text or "").strip()
    if not raw or len(raw) > MAX_ID_LENGTH:
        raise InvalidArxivId(f"{raw[:40]!r} is not an arXiv id")
    s = _PREFIX.sub("", raw)
    s = s.removesuffix(".pdf").removesuffix(".PDF").strip("/")
    if m := _NEW.match(s):
        yy, mm, seq, ver = m.groups()
        year, month = int(yy), int(mm)
        if not 1 <= month <= 12 or (year, month) < (7, 4):
            raise InvalidArxivId(f"{raw!r}: no arXiv id has the month {yy}{mm}")
        width = 4 if (year, month) <= (14, 12) else 5
        number = int(seq)
        # A mistyped zero padding (1406.02661, 2401.6769) still names one paper.
        if number == 0 or len(str(number)) > width:
            raise InvalidArxivId(f"{raw!r}: sequence number out of range")
        return ArxivId(f"{yy}{mm}.{number:0{width}d}", _version(ver, raw))
    if m := _OLD.match(s):
        archive, _subject, yy, mm, seq, ver = m.groups()
        archive = archive.lower()
        if archive not in _old_archives():
            raise InvalidArxivId(f"{raw!r}: unknown archive {archive!r}")
        if not 1 <= int(mm) <= 12 or int(seq) == 0:
            raise InvalidArxivId(f"{raw!r}: not a valid old-style id")
        # Old-style ids ran from 1991 to March 2007.
        if 8 <= int(yy) <= 90 or (int(yy) == 7 and int(mm) > 3):
            raise InvalidArxivId(f"{raw!r}: old-style ids end in 2007")
        return ArxivId(f"{archive}/{yy}{mm}{seq}", _version(ver, raw))
    raise InvalidArxivId(f"{raw[:40]!r} is not an arXiv id")


def _version(ver: str | None, raw: str) -> int | None:
    if ver is None:
        return None
    number = int(ver)
    if number < 1 or number > 999:
        raise InvalidArxivId(f"{raw!r}: version out of range")
    return number


def is_arxiv_id(text: str) -> bool:
    try:
        parse_arxiv_id(text)
    except InvalidArxivId:
        return False
    return True
