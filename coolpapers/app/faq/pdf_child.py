"""The PDF text extractor as a child process: `python -m coolpapers.app.faq.pdf_child PAGES MB`
reads a PDF on stdin and writes its cleaned text on stdout (exit 3: no usable text).

A crafted or huge PDF can make pypdf spin for a long time or take gigabytes; in a child process
it is bounded by an address-space limit here and a deadline in faq/fulltext.py, and what kills
it never reaches the worker, whose FAQ falls back to the abstract.
"""

from __future__ import annotations

import resource
import sys

from coolpapers.app.faq.fulltext import NoText, extract_pdf_text


def main() -> int:
    max_pages, max_mb = int(sys.argv[1]), int(sys.argv[2])
    limit = max_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = sys.stdin.buffer.read()
    try:
        text = extract_pdf_text(data, max_pages=max_pages)
    except (NoText, MemoryError, RecursionError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 3
    sys.stdout.buffer.write(text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
