"""Redis killed and started again mid-generation (PostgreSQL + Redis, `serve` and a worker): the
FAQ is completed or retried and stored once, and every viewer is told — the stream ends with an
event the page shows (the answer, or a retryable error with its Retry button), never in silence.
Viewers then do what the page's Retry does (ask again, follow again) until they have the answer."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.drills.faq_rows import faq_rows, record_stores, request_faqs, summary
from bench.drills.result import Result
from bench.drills.services import Coolpapers, PrivatePostgres, PrivateRedis, fake_llm, wait_until
from tests.fake_llm.server import answer_for
from tests.faq.live import add_papers

VIEWERS = 5
REDIS_DOWN_S = 2.0


@dataclass
class Viewer:
    base: str
    paper: str
    told: list[str] = field(default_factory=list)  # how each stream ended: done, an error code, or "silent"
    text: str = ""

    def follow(self, deadline_s: float = 90) -> None:
        ends = time.monotonic() + deadline_s
        with httpx.Client(base_url=self.base, timeout=httpx.Timeout(30, read=20)) as client:
            while time.monotonic() < ends and "done" not in self.told:
                ending = self._one_stream(client)
                self.told.append(ending)
                if ending != "done":
                    time.sleep(1)  # the reader notices the message and presses Retry
                    with contextlib.suppress(httpx.HTTPError):
                        client.post(f"/api/papers/{self.paper}/faq")

    def _one_stream(self, client: httpx.Client) -> str:
        event = ""
        try:
            with client.stream("GET", f"/api/papers/{self.paper}/faq/stream") as answer:
                if answer.status_code != 200:
                    return f"HTTP {answer.status_code}"
                for line in answer.iter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event == "done":
                        self.text = json.loads(line[5:])["markdown"]
                        return "done"
                    elif line.startswith("data:") and event == "error":
                        return str(json.loads(line[5:])["code"])
        except httpx.HTTPError:
            pass
        return "silent"  # the stream ended (or was cut) without saying how


def run(tmp: Path, pg: PrivatePostgres) -> Result:
    start = time.monotonic()
    name = "restart Redis mid-generation"
    redis = PrivateRedis(tmp)
    redis.start()
    llm, server = fake_llm(chunk_delay_s=0.12)  # ~3 s per answer
    url = pg.create("drill_redis_restart")
    with server:
        cp = Coolpapers(
            tmp,
            {
                "DATABASE_URL": url,
                "REDIS_URL": redis.url,
                "REDIS_PREFIX": "restart",
                "LLM_BASE_URL": f"{server.url}/v1",
            },
        )
        try:
            cp.run("db", "upgrade")
            papers = add_papers(url, 1)
            record_stores(url)
            base = cp.serve()
            cp.start("worker", "--only", "faq")
            request_faqs(base, papers)
            viewers = [Viewer(base, papers[0]) for _ in range(VIEWERS)]
            threads = [threading.Thread(target=v.follow) for v in viewers]
            for thread in threads:
                thread.start()
            wait_until(lambda: llm.in_flight > 0, 30, "the generation streaming")
            time.sleep(0.8)
            redis.kill()
            time.sleep(REDIS_DOWN_S)
            redis.start()
            for thread in threads:
                thread.join(120)
            wait_until(
                lambda: all(r.status in ("done", "failed") for r in faq_rows(url)), 60, "the FAQ ended"
            )
            ok, detail = summary(faq_rows(url), 1)
        except RuntimeError as exc:
            return Result(name, False, f"{exc}\n{cp.log_tail()}", time.monotonic() - start)
        finally:
            cp.stop_all()
            redis.kill()
    whole = answer_for("Title: Paper " + papers[0])
    silent = sum("silent" in v.told for v in viewers)
    answered = sum(v.text == whole for v in viewers)
    told = sorted({e for v in viewers for e in v.told})
    ok = ok and silent == 0 and answered == VIEWERS
    detail = (
        f"{detail}; {llm.calls} provider call(s); {VIEWERS} viewers: streams ended with {told}, "
        f"{silent} ended in silence, {answered}/{VIEWERS} have the whole answer"
    )
    return Result(name, ok, detail, time.monotonic() - start)
