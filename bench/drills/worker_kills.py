"""kill -9 the worker during generations, 20 times, on PostgreSQL + Redis: no FAQ lost, none stored
twice. The web process (`serve`) and the workers (`worker --only faq`) are separate processes, as in
the compose file; each worker is killed once a generation is streaming, at a random point in it."""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

from bench.drills.faq_rows import faq_rows, record_stores, request_faqs, summary
from bench.drills.result import Result
from bench.drills.services import Coolpapers, PrivatePostgres, PrivateRedis, fake_llm, wait_until
from tests.faq.live import add_papers

PAPERS = 40
# A row held by a killed worker counts that claim as an attempt (a paper that kills its worker on
# every attempt must end failed: tests/faq/test_faq_units.py). With up to 20 kills landing on one
# row, the cap is set above them so that what this drill measures is only what the kills lose.
MAX_ATTEMPTS = 25


def run(tmp: Path, pg: PrivatePostgres, kills: int = 20) -> Result:
    start = time.monotonic()
    redis = PrivateRedis(tmp)
    redis.start()
    llm, server = fake_llm(chunk_delay_s=0.04)  # ~1 s per answer
    url = pg.create("drill_kills")
    with server:
        cp = Coolpapers(
            tmp,
            {
                "DATABASE_URL": url,
                "REDIS_URL": redis.url,
                "REDIS_PREFIX": "kills",
                "LLM_BASE_URL": f"{server.url}/v1",
                "FAQ_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
                "LLM_CONCURRENCY": "4",
            },
        )
        try:
            cp.run("db", "upgrade")
            papers = add_papers(url, PAPERS)
            record_stores(url)
            base = cp.serve()
            request_faqs(base, papers)
            rng = random.Random(7)
            for _ in range(kills):
                worker = cp.start("worker", "--only", "faq")
                calls = llm.calls
                streaming = lambda: llm.in_flight > 0 and llm.calls > calls  # noqa: B023, E731
                wait_until(streaming, 60, "a generation streaming")
                time.sleep(rng.uniform(0, 0.8))
                worker.send_signal(signal.SIGKILL)
                worker.wait(10)
            cp.start("worker", "--only", "faq")
            wait_until(
                lambda: all(r.status in ("done", "failed") for r in faq_rows(url)),
                180,
                "every FAQ ended",
                every_s=0.5,
            )
            time.sleep(3)  # long enough for a sweep to hand anything back that it wrongly thought stale
            ok, detail = summary(faq_rows(url), PAPERS)
        except RuntimeError as exc:
            return Result(
                f"kill -9 the worker {kills} times",
                False,
                f"{exc}\n{cp.log_tail()}",
                time.monotonic() - start,
            )
        finally:
            cp.stop_all()
            redis.kill()
    detail += f"; {llm.calls} provider calls, {llm.completed} streams finished"
    return Result(
        f"kill -9 the worker {kills} times during generations (PostgreSQL + Redis)",
        ok,
        detail,
        time.monotonic() - start,
    )
