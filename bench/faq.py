"""FAQ benchmarks against the local fake provider (embedded mode, SQLite, real HTTP):

1. 200 concurrent readers of one uncached paper: upstream calls, readers with the full text.
2. 200 papers with provider concurrency K: throughput against K × provider speed.
3. Time from the provider's first token to the first streamed text byte at a client.

Run: .venv/bin/python -m bench.faq   (numbers are noisy on a shared machine)"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from coolpapers.app.store.migrate import upgrade
from tests.fake_llm.server import FakeLlm, ServerThread, answer_for
from tests.faq.live import LiveApp, add_papers, faq_settings, wait_for

K = 8


async def follow(client: httpx.AsyncClient, url: str) -> tuple[str, float | None]:
    """Read one FAQ stream to its end: (text, monotonic time of the first non-empty text)."""
    text, first, name = "", None, ""
    async with client.stream("GET", url) as resp:
        async for line in resp.aiter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name == "text":
                data = json.loads(line[6:])
                if data["text"] and first is None:
                    first = time.monotonic()
                text = data["text"] if data.get("replace") else text + data["text"]
            elif line.startswith("data: ") and name in ("done", "error"):
                return (json.loads(line[6:]).get("markdown") or "" if name == "done" else "", first)
    return text, first


async def readers(base: str, paper: str, n: int) -> list[str]:
    limits = httpx.Limits(max_connections=n + 10)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def one() -> str:
            await client.post(f"/api/papers/{paper}/faq")
            text, _ = await follow(client, f"/api/papers/{paper}/faq/stream")
            return text

        return await asyncio.gather(*(one() for _ in range(n)))


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="cp-bench-"))
    db = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(db)
    llm = FakeLlm(chunk_delay_s=0.05, chunk_chars=12)
    with ServerThread(llm.app()) as provider:
        settings = faq_settings(db, f"{provider.url}/v1", faq_rate_limit_per_hour=0, llm_concurrency=K,
                                faq_daily_token_budget=0, llm_timeout_s=30, faq_heartbeat_s=5,
                                faq_sweep_s=1)  # fmt: skip
        papers = add_papers(db, 211)
        with LiveApp(settings) as live:
            # 1. one paper, 200 readers
            start = time.monotonic()
            texts = asyncio.run(readers(live.url, papers[0], 200))
            expected = answer_for(llm.prompts[0])
            print(f"[1] 200 concurrent readers, one paper: upstream calls={llm.calls}, "
                  f"readers with the full text={sum(t == expected for t in texts)}/200, "
                  f"wall={time.monotonic() - start:.2f}s")  # fmt: skip

            # 3. first token → first byte at the client (one reader per paper, sequentially)
            llm.first_token_delay_s = 0.3
            gaps = []
            for paper in papers[201:211]:
                llm.first_token_at.clear()
                _, first = asyncio.run(_one_stream(live.url, paper))
                assert first is not None and llm.first_token_at
                gaps.append((first - llm.first_token_at[0]) * 1000)
            llm.first_token_delay_s = 0
            print(f"[3] provider first token → client first text byte: "
                  f"median={statistics.median(gaps):.1f} ms, "
                  f"max={max(gaps):.1f} ms over {len(gaps)} papers")  # fmt: skip

            # 2. 200 papers with provider concurrency K
            one_answer = len(range(0, len(expected), llm.chunk_chars)) * llm.chunk_delay_s
            calls_before = llm.calls
            start = time.monotonic()
            with httpx.Client(base_url=live.url, timeout=30) as client:
                for paper in papers[1:201]:
                    client.post(f"/api/papers/{paper}/faq")
            wait_for(lambda: llm.completed - calls_before >= 200, 600, "200 FAQs")
            elapsed = time.monotonic() - start
            ideal = K / one_answer
            measured = 200 / elapsed
            print(f"[2] 200 papers, K={K}, provider {one_answer:.2f} s/answer: {measured:.2f} FAQs/s vs "
                  f"K × speed = {ideal:.2f} FAQs/s → ratio {measured / ideal:.2f} "
                  f"(max in flight at the provider: {llm.max_in_flight})")  # fmt: skip


async def _one_stream(base: str, paper: str) -> tuple[str, float | None]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await client.post(f"/api/papers/{paper}/faq")
        return await follow(client, f"/api/papers/{paper}/faq/stream")


if __name__ == "__main__":
    main()
