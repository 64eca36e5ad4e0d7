"""A real uvicorn server in a background thread and Debian's Chromium, for browser tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from coolpapers.app.settings import Settings
from coolpapers.app.web.app import create_app
from tests.servers import free_port, wait_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip
ARTIFACTS = Path(__file__).parent / "artifacts"


@contextmanager
def serve(
    settings: Settings, extend: Callable[[Any], None] | None = None, *, freeze_gc: bool = False
) -> Iterator[str]:
    """Serve create_app(settings) on a free port (after `extend(app)`); yields the base URL.
    `freeze_gc`: as the serving process does (benchmarks; a test run makes many apps)."""
    port = free_port()
    app = create_app(settings, freeze_gc=freeze_gc)
    if extend is not None:
        extend(app)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/healthz", timeout_s=20)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def chromium_missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, env={**os.environ, "HOME": "/tmp"}
    )
