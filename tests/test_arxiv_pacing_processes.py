"""One arXiv budget per instance: separate OS processes — `coolpapers fetch` runs and small client
processes — firing at once never reach the fake arXiv closer together than ARXIV_MIN_INTERVAL_S.

Once with Redis + PostgreSQL (the slot in Redis), once embedded on a shared SQLite file (the slot
in the database). The lower bound on the gaps holds on a loaded machine: load only widens them.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coolpapers.app.store.migrate import upgrade
from tests.fake_arxiv.server import FakeArxiv

INTERVAL_S = 0.3
SLACK_S = 0.005  # timer granularity between the slot's clock and the fake server's
CLIENTS, PER_CLIENT = 3, 3
ROOT = Path(__file__).resolve().parents[1]


def _env(fake: FakeArxiv, database_url: str, redis: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
    env.update({f"COOLPAPERS_{k.upper()}": str(v) for k, v in fake.settings_overrides().items()})
    env.update(redis)
    env["COOLPAPERS_DATABASE_URL"] = database_url
    env["COOLPAPERS_ARXIV_MIN_INTERVAL_S"] = str(INTERVAL_S)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _fire(fake: FakeArxiv, env: dict[str, str], tmp_path: Path) -> None:
    """Start every process, let the clients burst together, and wait for all of them to end."""
    go = tmp_path / "go"
    procs: list[tuple[str, subprocess.Popen[bytes]]] = []
    ready = []
    for n in range(CLIENTS):
        ready.append(tmp_path / f"ready-{n}")
        urls = [f"{fake.url}/api/query?id_list=2606.1037{n}{k}" for k in range(PER_CLIENT)]
        cmd = [sys.executable, "-m", "tests.pacing_client", str(ready[-1]), str(go), *urls]
        procs.append((f"client {n}", _start(cmd, env, tmp_path, f"client-{n}")))
    for n, cats in enumerate(("cs.CL", "math")):
        cmd = [sys.executable, "-m", "coolpapers.cli.main", "fetch", "--cats", cats]
        procs.append((f"fetch {cats}", _start(cmd, env, tmp_path, f"fetch-{n}")))
    deadline = time.monotonic() + 60
    while not all(r.exists() for r in ready):
        assert time.monotonic() < deadline, "the client processes did not start"
        assert all(p.poll() is None for _, p in procs[:CLIENTS]), _logs(tmp_path)
        time.sleep(0.02)
    go.touch()
    for name, proc in procs:
        assert proc.wait(timeout=120) == 0, f"{name} failed:\n{_logs(tmp_path)}"


def _start(cmd: list[str], env: dict[str, str], cwd: Path, name: str) -> subprocess.Popen[bytes]:
    with (cwd / f"{name}.log").open("wb") as sink:
        return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT)


def _logs(tmp_path: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()}" for p in sorted(tmp_path.glob("*.log")))


def _assert_spaced(fake: FakeArxiv) -> None:
    times = sorted(r.at for r in fake.requests)
    fetched = len(fake.paths("/rss/"))
    # Every client request arrived, and both fetch runs reached arXiv too.
    assert len(fake.paths("/api/query")) == CLIENTS * PER_CLIENT and fetched >= 2, fake.paths()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= INTERVAL_S - SLACK_S, sorted(gaps)[:3]


def test_processes_share_one_budget_through_redis(
    fake_arxiv: FakeArxiv, pg_url: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    redis = {"COOLPAPERS_REDIS_URL": redis_url, "COOLPAPERS_REDIS_PREFIX": redis_prefix}
    _fire(fake_arxiv, _env(fake_arxiv, pg_url, redis), tmp_path)
    _assert_spaced(fake_arxiv)


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_processes_share_one_budget_through_the_database(
    fake_arxiv: FakeArxiv, database: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("pg_url")
    _fire(fake_arxiv, _env(fake_arxiv, url, {}), tmp_path)
    _assert_spaced(fake_arxiv)
