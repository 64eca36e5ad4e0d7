"""A small but real PDF with a text layer, built by hand (so no PDF writer is needed), and a
server that hands it out like arxiv.org/pdf/{id}."""

from __future__ import annotations

import threading

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(lines: list[str]) -> bytes:
    text = "BT /F1 10 Tf 50 780 Td 12 TL " + " ".join(f"({_escape(line)}) '" for line in lines) + " ET"
    stream = text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


PAPER_LINES = [
    "Attention Is Enough For Tests",
    "Abstract. We study how a streaming reader summarises papers.",
    *[f"Section {i}. The method processes token {i} with care and measures its effect." for i in range(40)],
    "Conclusions. Streaming works and every reader gets the same answer.",
    "References",
    "[1] A. Author. A paper. 2020.",
]


class FakePdfHost:
    def __init__(self, pdf: bytes | None = None) -> None:
        self.pdf = pdf if pdf is not None else make_pdf(PAPER_LINES)
        self.requests: list[str] = []
        self.status = 200
        self.lock = threading.Lock()

    async def handle(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(request.path_params["paper"])
        if self.status != 200:
            return Response(b"not here", self.status)
        return Response(self.pdf, media_type="application/pdf")

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/pdf/{paper:path}", self.handle)])
