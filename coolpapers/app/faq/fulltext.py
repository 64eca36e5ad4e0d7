"""A paper's text for the prompt: extracted from its PDF (pure: bytes in, text out), cleaned,
and cut to a token budget keeping the beginning and the conclusions."""

from __future__ import annotations

import io
import logging
import re

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


class NoText(Exception):
    """The PDF could not be read or holds no usable text (e.g. a scanned paper)."""


def extract_pdf_text(data: bytes) -> str:
    if not data.startswith(b"%PDF"):
        raise NoText("not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise NoText(f"unreadable PDF: {exc}") from None
    text = clean_text("\n".join(pages))
    if len(text) < MIN_USEFUL_CHARS:
        raise NoText(f"only {len(text)} characters of text in the PDF")
    return text


def clean_text(text: str) -> str:
    text = text.replace("\x00", "").replace("\r", "\n")
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # words hyphenated across lines
    text = re.sub(r"[ \t\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def cut_to_budget(text: str, max_tokens: int) -> str:
    """Drop the reference list, then keep the start and the conclusions within the budget."""
    refs = list(_REFERENCES.finditer(text))
    if refs and refs[-1].start() > len(text) // 2:
        text = text[: refs[-1].start()]
    budget = max_tokens * CHARS_PER_TOKEN
    if len(text) <= budget:
        return text
    head_len = int(budget * HEAD_SHARE)
    tail_len = budget - head_len
    conclusions = [m.start() for m in _CONCLUSION.finditer(text) if m.start() > head_len]
    tail_start = conclusions[-1] if conclusions else len(text) - tail_len
    tail_start = max(tail_start, head_len)
    return text[:head_len] + "\n\n[…]\n\n" + text[tail_start : tail_start + tail_len]
