"""A small separate process for tests/test_arxiv_pacing_processes.py: builds its ArxivClient the way
the composition root does (COOLPAPERS_* settings, the instance pacer) and sends a burst of requests
once told to go.

    python -m tests.pacing_client READY_FILE GO_FILE URL...
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from coolpapers.app.arxiv.client import ArxivClient
from coolpapers.app.settings import load_settings
from coolpapers.app.store.arxiv_pacing import instance_pacer
from coolpapers.app.store.db import make_engine


async def burst(urls: list[str], ready: Path, go: Path) -> None:
    settings = load_settings()
    engine = make_engine(settings.database_url)
    client = ArxivClient(settings, pacer=instance_pacer(settings, engine), backoff_base_s=0.05)
    try:
        ready.touch()
        deadline = time.monotonic() + 60
        while not go.exists():  # every client starts its burst at the same moment
            if time.monotonic() > deadline:
                raise SystemExit("never told to go")
            await asyncio.sleep(0.01)
        responses = await asyncio.gather(*(client.get(url) for url in urls))
        bad = [r.status for r in responses if r.status != 200]
        if bad:
            raise SystemExit(f"unexpected statuses {bad}")
    finally:
        await client.aclose()
        engine.dispose()


if __name__ == "__main__":
    asyncio.run(burst(sys.argv[3:], Path(sys.argv[1]), Path(sys.argv[2])))
