"""A paper's text for the prompt: extracted from its PDF (bytes in, text out; in the worker inside
a child process with a deadline and a memory cap), cleaned, the reference list dropped, and cut
to a token budget keeping the beginning and the conclusions."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import sys
import unicodedata

from pypdf import PdfReader
from pypdf.errors import PdfReadError

log = logging.getLogger(__name__)

# No tokenizer is shipped (every provider counts differently); ~4 characters per token is the
# usual estimate for English prose and errs on the safe side for Chinese-free paper text.
CHARS_PER_TOKEN = 4
HEAD_SHARE = 0.7
MIN_USEFUL_CHARS = 500

_REFERENCES = re.compile(r"\n\s*(?:\d+\.?\s*)?(?:references|bibliography)\s*\n", re.IGNORECASE)
_CONCLUSION = re.compile(
    r"\n\s*(?:\d+\.?\s*)?(?:conclusions?|concluding remarks|discussion)\b", re.IGNORECASE
)


_APPENDIX = re.compile(
    r"\n\s*(?:[A-Z]\.?\s+)?(?:appendix|appendices|supplementary|supplemental)\b", re.IGNORECASE
)
# A numbered entry at a line's start: "[12] A. Author…" or REVTeX's "12 A. Author…".
_ENTRY = re.compile(r"^\[?(\d{1,3})\]?\.?\s+\S", re.MULTILINE)
# A run of numbered lines this long, from 1 in steps of 1, and this dense is a reference list;
# numbered section headings ("1 Introduction" … "5 Results") are thousands of characters apart.
MIN_ENTRIES = 5
MAX_ENTRY_CHARS = 400
# TeX's spacing accents as PDFs extract them, before their letter ("J´erome", "Teˇsanovi´c").
_SPACING_ACCENT = re.compile("([\u00b4\u00a8\u02c6\u02dc\u02c7\u02d8\u00b8\u02da])([A-Za-z])")
_COMBINING = {"\u00b4": "\u0301", "\u00a8": "\u0308", "\u02c6": "\u0302", "\u02dc": "\u0303",
              "\u02c7": "\u030c", "\u02d8": "\u0306", "\u00b8": "\u0327", "\u02da": "\u030a"}  # fmt: skip


class NoText(Exception):
    """The PDF could not be read or holds no usable text (e.g. a scanned paper)."""


def extract_pdf_text(data: bytes, max_pages: int = 200) -> str:
    """The PDF's text, from its first `max_pages` pages. In the worker this runs in a child process
    with a deadline and a memory cap (extract_in_child); call it directly only on trusted files."""
    if not data.startswith(b"%PDF"):
        raise NoText("not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages[:max_pages]]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise NoText(f"unreadable PDF: {exc}") from None
    text = clean_text("\n".join(pages))
    if len(text) < MIN_USEFUL_CHARS:
        raise NoText(f"only {len(text)} characters of text in the PDF")
    return text


async def extract_in_child(
    data: bytes, timeout_s: float = 30.0, max_pages: int = 200, max_mb: int = 1024
) -> str:
    """extract_pdf_text in a child process (faq/pdf_child.py): killed after `timeout_s`, limited to
    `max_mb` of memory. Any way it fails is NoText, so the FAQ is written from the abstract."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "coolpapers.app.faq.pdf_child", str(max_pages), str(max_mb),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(data), timeout_s)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise NoText(f"extracting the PDF's text took longer than {timeout_s:g} s") from None
    except BaseException:
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        why = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        raise NoText(f"the PDF could not be read: {why[0][:200]}")
    return out.decode("utf-8")


def clean_text(text: str) -> str:
    text = text.replace("\x00", "").replace("\r", "\n")
    text = _SPACING_ACCENT.sub(lambda m: m[2] + _COMBINING[m[1]], text)
    text = unicodedata.normalize("NFKC", text)  # ligatures (ﬁ → fi), accents composed
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # words hyphenated across lines
    text = re.sub(r"[ \t\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _numbered_run(text: str) -> tuple[int, int] | None:
    """Where the last run of entries numbered 1, 2, 3… (at least MIN_ENTRIES) starts and ends."""
    best = None
    start, last_end, expected = -1, -1, 1
    for m in _ENTRY.finditer(text):
        n = int(m[1])
        if n == 1:
            start, last_end, expected = m.start(), m.end(), 2
        elif n == expected and start >= 0:
            last_end, expected = m.end(), expected + 1
        else:
            continue
        entries = expected - 1
        if entries >= MIN_ENTRIES and (last_end - start) / entries <= MAX_ENTRY_CHARS:
            best = (start, last_end)
    return best


def drop_references(text: str) -> str:
    """The reference list out, wherever it is: after its heading, or (REVTeX, no heading) the
    last run of numbered entries; what follows it from an appendix heading on is kept."""
    heading = list(_REFERENCES.finditer(text))
    run = _numbered_run(text)
    if heading:
        start = heading[-1].start()
    elif run is not None:
        start = run[0]
    else:
        return text
    after = _APPENDIX.search(text, run[1] if run and run[0] >= start else start + 1)
    return text[:start].rstrip() + ("\n\n" + text[after.start() :].strip() if after else "")


def cut_to_budget(text: str, max_tokens: int) -> str:
    """Drop the reference list, then keep the start and the conclusions within the budget."""
    text = drop_references(text)
    budget = max_tokens * CHARS_PER_TOKEN
    if len(text) <= budget:
        return text
    head_len = int(budget * HEAD_SHARE)
    tail_len = budget - head_len
    conclusions = [m.start() for m in _CONCLUSION.finditer(text) if m.start() > head_len]
    tail_start = conclusions[-1] if conclusions else len(text) - tail_len
    tail_start = max(tail_start, head_len)
    return text[:head_len] + "\n\n[…]\n\n" + text[tail_start : tail_start + tail_len]
