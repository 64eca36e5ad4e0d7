"""`make run` in a test: `coolpapers db upgrade`, then `serve --with-worker` as a real subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CLI = [sys.executable, "-m", "coolpapers.cli.main"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Embedded:
    base: str
    env: dict[str, str]
    proc: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)  # filled when the server has stopped

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], env=self.env, check=True, capture_output=True, text=True, timeout=60
        )


@contextmanager
def embedded_server(
    tmp_path: Path, ready: Callable[[str], bool] | None = None, settings: dict[str, str] | None = None
) -> Iterator[Embedded]:
    """Serve web + in-process worker on a free port with a fresh SQLite database and search index.

    `ready(base)` says when the server is usable (default: /healthz answers 200); `settings` adds
    COOLPAPERS_* variables (names without the prefix).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
    env["COOLPAPERS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    env["COOLPAPERS_SEARCH_INDEX_DIR"] = str(tmp_path / "search-index")
    # No text-model fits in the background of tests about something else (each is a child process).
    env["COOLPAPERS_RANKING_MODEL_PAPERS"] = "0"
    # Point every outside service at a closed local port: these tests must not reach the internet.
    env["COOLPAPERS_ARXIV_RSS_URL"] = env["COOLPAPERS_ARXIV_API_URL"] = "http://127.0.0.1:9"
    env.update({f"COOLPAPERS_{name}": value for name, value in (settings or {}).items()})
    port = free_port()
    subprocess.run([*CLI, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=60)
    # Output goes to a file, not a pipe: a pipe nobody reads fills up (64 KB of access log) and then
    # freezes the server mid-test.
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [*CLI, "serve", "--with-worker", "--port", str(port)], env=env,
            stdout=sink, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    server = Embedded(f"http://127.0.0.1:{port}", env, proc)
    is_ready = ready or (lambda base: httpx.get(f"{base}/healthz", timeout=1).status_code == 200)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if is_ready(server.base):
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not come up in 30 s"
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        server.output.append(log.read_text())
