"""What the drills run against, all private to one run: a PostgreSQL cluster and a redis-server of
their own (so restarting them touches nothing else on the machine), coolpapers' own processes
started as a self-hoster starts them, and the fake LLM provider from tests/."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from redis import Redis

from tests.fake_llm.server import FakeLlm, ServerThread
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql")
# Quick retries and heartbeats, no per-client limit, and arXiv at a closed local port: a drill never
# reaches the internet (the embedded worker's feed duty runs too).
NOWHERE = "http://127.0.0.1:9"
FAST = {
    "ARXIV_MIN_INTERVAL_S": "0", "ARXIV_RSS_URL": f"{NOWHERE}/rss", "ARXIV_API_URL": f"{NOWHERE}/api/query",
    "ARXIV_PDF_URL": f"{NOWHERE}/pdf", "FAQ_FULL_TEXT": "false", "FAQ_RETRY_BASE_S": "0.1",
    "FAQ_RETRY_MAX_S": "1", "FAQ_HEARTBEAT_S": "0.5", "FAQ_SWEEP_S": "0.5", "LLM_TIMEOUT_S": "5",
    "LLM_MODEL": "fake-1", "FAQ_RATE_LIMIT_PER_HOUR": "0", "LOG_LEVEL": "warning", "CATEGORIES": "cs.LG",
}  # fmt: skip


def wait_until(check: Callable[[], bool], timeout_s: float, what: str, every_s: float = 0.05) -> float:
    """Seconds it took for `check()` to hold; RuntimeError naming `what` after `timeout_s`."""
    start = time.monotonic()
    while True:
        try:
            if check():
                return time.monotonic() - start
        except Exception:
            pass
        if time.monotonic() - start > timeout_s:
            raise RuntimeError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(every_s)


def _pg_tool(name: str) -> str:
    found = sorted(PG_BIN.glob(f"*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install -y postgresql)")
    return str(found[-1])


class PrivatePostgres:
    """initdb in a temporary directory, on a free port; `restart()` is a real server restart."""

    def __init__(self, tmp: Path) -> None:
        self.dir = tmp / "pgdata"
        self.port = free_port()
        self.log = self.dir / "server.log"  # inside the cluster's directory: the server's user writes it
        self._as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
            self._as = ["runuser", "-u", "postgres", "--"]
            os.chmod(tmp, 0o755)
        self.dir.mkdir()
        if self._as:
            shutil.chown(self.dir, "postgres")
        self._run(_pg_tool("initdb"), "-D", str(self.dir), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self._as, *cmd], check=True, capture_output=True)

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        self._run(
            _pg_tool("pg_ctl"), action, "-D", str(self.dir), "-l", str(self.log), "-o", options, "-w", *extra
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create(self, database: str) -> str:
        psql = _pg_tool("psql")
        subprocess.run(
            [
                psql,
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-qc",
                f'CREATE DATABASE "{database}"',
            ],
            check=True,
            capture_output=True,
        )
        return self.url(database)

    def accepting(self) -> bool:
        ready = [_pg_tool("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"]
        return subprocess.run(ready, check=False).returncode == 0


class PrivateRedis:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.tmp = tmp
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = Redis(port=self.port)
        wait_until(lambda: bool(client.ping()), 10, "redis-server")
        client.close()

    def kill(self) -> None:
        """Gone at once, as a crashed or restarted Redis is: everything it held is lost."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


class Coolpapers:
    """`coolpapers …` processes with one environment, logging to one file."""

    def __init__(self, tmp: Path, settings: dict[str, str]) -> None:
        self.log_path = tmp / "coolpapers.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
        values = {**FAST, "SEARCH_INDEX_DIR": str(tmp / "index"), **settings}
        self.env.update({f"COOLPAPERS_{k}": v for k, v in values.items()})
        self.env["PYTHONPATH"] = str(ROOT)
        self.procs: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "coolpapers.cli.main", *args],
            env=self.env,
            check=True,
            capture_output=True,
        )

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        out = self.log_path.open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "coolpapers.cli.main", *args], env=self.env, stdout=out, stderr=out
        )
        self.procs.append(proc)
        return proc

    def serve(self, *args: str) -> str:
        port = free_port()
        self.start("serve", "--port", str(port), *args)
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(f"{base}/healthz", timeout=1).status_code == 200, 60, "coolpapers serve")
        return base

    def log_tail(self, chars: int = 2000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def fake_llm(**options: float) -> tuple[FakeLlm, ServerThread]:
    llm = FakeLlm(**options)  # type: ignore[arg-type]
    return llm, ServerThread(llm.app())


def scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="coolpapers-drill-")
