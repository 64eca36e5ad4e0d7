"""Load a snapshot-format corpus (see bench/corpus.py) into a database with `coolpapers import`:
the same command, parser and storage path a self-hoster uses for arXiv's history."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from coolpapers.app.store.migrate import upgrade


def load(path: Path, database_url: str) -> float:
    """Import every paper of the file; returns the seconds it took."""
    upgrade(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOLPAPERS_")}
    env["COOLPAPERS_DATABASE_URL"] = database_url
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "coolpapers.cli.main", "import", str(path)],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started
