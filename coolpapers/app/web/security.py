"""What keeps the pages safe in a browser: cross-site requests refused for anything that changes
state, and on every response a Content-Security-Policy that the pages really satisfy (all scripts,
styles and fonts come from static/; no inline script), with the usual hardening headers.

KaTeX sets `style` attributes on the elements it renders, which CSP counts as inline style: style
attributes are allowed, scripts are not. Pure ASGI middlewares, so streamed responses (the FAQ
event stream) pass through untouched apart from their headers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import JSONResponse
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


UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def cross_site(headers: dict[str, str]) -> str | None:
    """Why a state-changing request comes from another site, or None. Browsers say where a request
    comes from (`Sec-Fetch-Site`, else `Origin`), and a page on another site cannot hide it, even
    for a "simple" form POST. A request without either is not from a browser page (curl, scripts):
    it carries no visitor's cookies or standing, so it is let through. Go's CrossOriginProtection
    draws the same line."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return None if site in ("same-origin", "none") else f"Sec-Fetch-Site is {site!r}"
    origin = headers.get("origin")
    if origin is None:
        return None
    host = headers.get("host", "")
    parts = urlsplit(origin)
    return (
        None if origin != "null" and parts.netloc == host else f"Origin {origin!r} is not this site ({host})"
    )


class CrossSiteGuard:
    """403 for a POST, PUT, PATCH or DELETE sent by a page on another site (a request a visitor's
    browser makes for someone else: asking FAQs on the host's budget, stars, counters)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            reason = cross_site(headers)
            if reason is not None:
                body = {"error": {"code": "cross_site", "message": f"Cross-site request refused: {reason}."}}
                await JSONResponse(body, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)
