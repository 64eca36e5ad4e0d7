"""Headers every response carries: a Content-Security-Policy that the pages really satisfy (all
scripts, styles and fonts come from static/; no inline script), and the usual hardening headers.

KaTeX sets `style` attributes on the elements it renders, which CSP counts as inline style: style
attributes are allowed, scripts are not. A pure ASGI middleware, so streamed responses (the FAQ
event stream) pass through untouched apart from their headers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(pdf_url: str) -> str:
    """The pages' policy. The PDF panel frames arXiv's PDFs (`ARXIV_PDF_URL`), so that origin,
    and only it, may be framed."""
    parts = urlsplit(pdf_url)
    pdf_origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        f"frame-src 'self' {pdf_origin}".strip(),
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])  # fmt: skip


class SecurityHeaders:
    def __init__(self, app: ASGIApp, pdf_url: str) -> None:
        self.app = app
        self.headers: list[tuple[bytes, bytes]] = [
            (b"content-security-policy", content_security_policy(pdf_url).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *(h for h in self.headers if h[0] not in present)]  # fmt: skip
            await send(message)

        await self.app(scope, receive, with_headers)
