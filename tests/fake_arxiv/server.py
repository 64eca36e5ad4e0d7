"""A fake arXiv on 127.0.0.1: a real HTTP server speaking arXiv's formats, with fault injection.

Start it from any test with the `fake_arxiv` fixture (tests/conftest.py), or by hand:

    with FakeArxiv() as arxiv:            # binds a free port, serves in a thread
        settings = make_settings(**arxiv.settings_overrides())
        arxiv.day = dt.date(2026, 6, 10)  # which announcement day the feeds show
        arxiv.fail("/rss", "503", times=2, retry_after=1)

Routes: `/rss/{query}` (RSS 2.0, 2,000-item cap, ETag + 304), `/api/query?id_list=…`
(Atom, error feed for malformed ids), `/pdf/{id}` (a small real PDF). `requests` records
every request (path, headers) so tests can assert what was, or was not, asked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fake_arxiv.data import SamplePaper, expand_query, load_days, with_replacements
from tests.fake_arxiv.render import (
    feed_items,
    render_api,
    render_api_error,
    render_pdf,
    render_rss,
    render_rss_error,
)

FAULTS = (
    "500",
    "503",
    "slow",
    "malformed",
    "truncated",
    "empty",
    "bad-item",
    "redirect",
    "trickle",
    "error-feed",
)
ERROR_FEED = Path(__file__).resolve().parents[1] / "data" / "real" / "rss_error_bad_archive.xml"
_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")


@dataclass
class Fault:
    path: str  # applies to requests whose path starts with this
    kind: str
    times: int
    retry_after: int = 1
    delay_s: float = 1.0  # slow: before answering; trickle: between bytes
    location: str = ""  # redirect: where to


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    at: float


class _Server(ThreadingHTTPServer):
    """A ThreadingHTTPServer that stops at once. `serve_forever` notices `shutdown()` only at its
    next poll (every 0.5 s, on every test's teardown), and a handler still sleeping (the "slow"
    fault) or writing would go on after the test; here the accept and open connections are cut."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], closing: threading.Event) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.closing = closing
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def serve(self) -> None:
        while not self.closing.is_set():
            try:
                request, address = self.socket.accept()  # returns with an error once stop() cuts it
            except OSError:
                continue
            with self._open_lock:
                self._open.add(request)
            self.process_request(request, address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A connection cut by stop(), or a client that gave up (a timeout under test), is no error.
        if not self.closing.is_set() and not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def stop(self) -> None:
        self.closing.set()
        with self._open_lock:
            cut = [self.socket, *self._open]
        for sock in cut:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.server_close()


@dataclass
class FakeArxiv:
    day: dt.date = dt.date(2026, 6, 10)
    item_cap: int = 2000
    days: dict[dt.date, list[SamplePaper]] = field(default_factory=lambda: with_replacements(load_days()))
    requests: list[Seen] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    _server: _Server | None = None
    _closing: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------ control

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def settings_overrides(self) -> dict[str, Any]:
        return {
            "arxiv_rss_url": self.url,
            "arxiv_api_url": f"{self.url}/api/query",
            "arxiv_pdf_url": f"{self.url}/pdf",
            "arxiv_min_interval_s": 0,
        }

    def fail(
        self, path: str, kind: str, *, times: int = 1, retry_after: int = 1, delay_s: float = 1.0,
        location: str = "",
    ) -> None:  # fmt: skip
        """The next `times` requests under `path` get this fault instead of the normal answer."""
        assert kind in FAULTS, kind
        with self._lock:
            self.faults.append(Fault(path, kind, times, retry_after, delay_s, location))

    def paths(self, prefix: str = "") -> list[str]:
        return [r.path for r in self.requests if r.path.startswith(prefix)]

    def papers_on(self, day: dt.date) -> list[SamplePaper]:
        return self.days.get(day, [])

    def paper(self, arxiv_id: str) -> SamplePaper | None:
        found = None
        for papers in self.days.values():  # the latest version wins
            for p in papers:
                if p.arxiv_id == arxiv_id:
                    found = p
        return found

    def start(self) -> FakeArxiv:
        self._closing = threading.Event()
        server = _Server(_handler_for(self), self._closing)
        self._server = server
        threading.Thread(target=server.serve, name="fake-arxiv", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> FakeArxiv:
        return self.start()

    def __exit__(self, *exc: tuple[type[BaseException], BaseException, TracebackType] | None) -> None:
        self.stop()

    # ------------------------------------------------------------ serving

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.path) and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def rss(self, query: str) -> tuple[int, bytes]:
        covered = expand_query(query)
        if covered is None:
            return 400, render_rss_error(query, f"Invalid query {query!r}")
        items = feed_items(self.papers_on(self.day), covered)[: self.item_cap]
        return 200, render_rss(query, self.day, items)

    def api(self, query: str) -> bytes:
        ids = [i.strip() for i in parse_qs(query).get("id_list", [""])[0].split(",") if i.strip()]
        for ident in ids:
            if not _ID.match(ident):
                return render_api_error(query, f"incorrect id format for {ident}", self.day)
        found = [p for p in (self.paper(i.split("v")[0] if "/" not in i else i) for i in ids) if p]
        return render_api(query, found, self.day)


def _handler_for(arxiv: FakeArxiv) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            with arxiv._lock:
                arxiv.requests.append(Seen(self.path, dict(self.headers.items()), time.monotonic()))
            fault = arxiv.take_fault(path)
            if fault and fault.kind in ("500", "503"):
                headers = {"Retry-After": str(fault.retry_after)} if fault.kind == "503" else {}
                return self.send(int(fault.kind), b"Service unavailable", "text/plain", headers)
            if fault and fault.kind == "slow" and arxiv._closing.wait(fault.delay_s):
                return  # stopped meanwhile: the connection is gone
            if fault and fault.kind == "error-feed":  # what arXiv really sent for a bad archive
                return self.send(400, ERROR_FEED.read_bytes(), "application/rss+xml")
            if fault and fault.kind == "redirect":
                return self.send(302, b"", "text/plain", {"Location": fault.location})
            if fault and fault.kind == "trickle":  # a byte every delay_s, never done in time
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                while not arxiv._closing.wait(fault.delay_s):
                    try:
                        self.wfile.write(b"%")
                        self.wfile.flush()
                    except OSError:
                        return  # the client gave up
                return
            if path.startswith("/rss/"):
                return self.serve_rss(path.removeprefix("/rss/"), fault)
            if path == "/api/query":
                return self.send(200, arxiv.api(parts.query), "application/atom+xml")
            if path.startswith("/pdf/"):
                return self.serve_pdf(path.removeprefix("/pdf/"))
            self.send(404, b"not found", "text/plain")

        def serve_rss(self, query: str, fault: Fault | None) -> None:
            status, body = arxiv.rss(query)
            if fault and fault.kind == "empty":  # a holiday: the header, no items
                status, body = 200, render_rss(query, arxiv.day, [])
            if fault and fault.kind == "bad-item":  # one item whose id cannot be an arXiv id
                body = re.sub(rb"oai:arXiv.org:[0-9.]+v\d+", b"oai:arXiv.org:not-an-id", body, count=1)
                body = re.sub(
                    rb"<link>https://arxiv.org/abs/[0-9.]+</link>", b"<link>x</link>", body, count=1
                )
            if fault and fault.kind == "malformed":
                body = body.replace(b"</title>", b"</titel>", 3)
            etag = '"' + hashlib.sha256(body).hexdigest() + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag and not fault:
                return self.send(304, b"", "application/rss+xml", {"ETag": etag})
            if fault and fault.kind == "truncated":  # the connection drops mid-body
                cut = body[: len(body) // 2]
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(cut)))
                self.end_headers()
                self.wfile.write(cut)
                return
            self.send(status, body, "application/rss+xml", {"ETag": etag, "Cache-Control": "max-age=3600"})

        def serve_pdf(self, ident: str) -> None:
            base = ident.removesuffix(".pdf")
            base = re.sub(r"v\d+$", "", base)
            paper = arxiv.paper(base)
            if paper is None:
                return self.send(404, b"not found", "text/plain")
            self.send(200, render_pdf(paper.title, paper.abstract), "application/pdf")

        def send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if body:
                self.wfile.write(body)

    return Handler
