"""PostgreSQL restarted (down 3 s) under page load: pages are back within 5 s of the server
accepting connections, nothing answers 500 meanwhile, and no coolpapers process was restarted —
the web processes and the worker have the same pids after, and the worker still writes FAQs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.drills.faq_rows import faq_rows, record_stores, request_faqs
from bench.drills.result import Result
from bench.drills.services import Coolpapers, PrivatePostgres, fake_llm, wait_until

CLIENTS = 8
DOWN_S = 3.0
RECOVERY_TARGET_S = 5.0


def _pages(base: str) -> tuple[list[str], list[str]]:
    """Pages of the sample days (each answers 200 when all is well), and two of its papers."""
    listing = httpx.get(f"{base}/api/arxiv/cs.LG", params={"size": 2}, timeout=30).json()
    papers = [p["arxiv_id"] for p in listing["papers"]]
    pages = [
        "/",
        "/arxiv/cs.LG",
        "/arxiv/cs.AI,cs.CL?sort=popular",
        f"/arxiv/{papers[0]}",
        f"/api/papers/{papers[1]}",
        "/api/arxiv/cs.CV",
        "/status",
        "/api/search?q=language+models",
    ]
    if bad := [p for p in pages if httpx.get(base + p, timeout=30).status_code != 200]:
        raise RuntimeError(f"before the drill, these do not answer 200: {bad}")
    return pages, papers


def _children(pid: int) -> set[int]:
    """The web processes uvicorn started (not its multiprocessing resource tracker)."""
    try:
        pids = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        return {c for c in pids if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()}
    except OSError:
        return set()


class Load:
    """CLIENTS threads asking for the pages in turn; every answer kept as (time, path, status)."""

    def __init__(self, base: str, paths: list[str]) -> None:
        self.base, self.paths = base, paths
        self.answers: list[tuple[float, str, int]] = []
        self.broken: list[str] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def _client(self, offset: int) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as client:
            n = offset
            while not self.stop.is_set():
                path = self.paths[n % len(self.paths)]
                n += 1
                try:
                    status = client.get(path).status_code
                except httpx.HTTPError as exc:
                    status = 0  # no answer at all, or a cut one
                    with self._lock:
                        self.broken.append(f"{path}: {exc!r}")
                with self._lock:
                    self.answers.append((time.monotonic(), path, status))

    def __enter__(self) -> Load:
        self.pool = ThreadPoolExecutor(CLIENTS)
        for k in range(CLIENTS):
            self.pool.submit(self._client, k)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.pool.shutdown(wait=True)

    def after(self, t: float) -> Iterator[tuple[float, str, int]]:
        with self._lock:
            return iter([a for a in self.answers if a[0] >= t])


def run(tmp: Path, pg: PrivatePostgres) -> Result:
    start = time.monotonic()
    name = "restart PostgreSQL under page load"
    _llm, server = fake_llm()
    url = pg.create("drill_pg_restart")
    with server:
        cp = Coolpapers(tmp, {"DATABASE_URL": url, "LLM_BASE_URL": f"{server.url}/v1"})
        try:
            cp.run("db", "upgrade")
            cp.run("demo")
            cp.run("search", "reindex")
            record_stores(url)
            base = cp.serve("--workers", "2")
            web = cp.procs[-1]
            worker = cp.start("worker", "--only", "faq")
            wait_until(lambda: len(_children(web.pid)) == 2, 30, "two web processes")
            before = _children(web.pid)
            pages, papers = _pages(base)
            # The worker is up and writing before the outage (a worker still starting when the
            # database goes away exits with its error, as a misconfigured one should).
            request_faqs(base, papers[:1])
            wait_until(lambda: any(r.status == "done" for r in faq_rows(url)), 60, "a FAQ written before")
            with Load(base, pages) as load:
                time.sleep(3)
                down_at = time.monotonic()
                pg.stop("fast")
                time.sleep(DOWN_S)
                pg.start()
                back_at = time.monotonic()
                time.sleep(RECOVERY_TARGET_S + 5)
            during = [a for a in load.answers if a[0] >= down_at]
            failed_after = [t for t, _, status in load.after(back_at) if status != 200]
            recovered_s = (max(failed_after) - back_at) if failed_after else 0.0
            bad = sorted({s for _, _, s in during if s not in (200, 503)})
            request_faqs(base, papers[-1:])
            wait_until(lambda: sum(r.status == "done" for r in faq_rows(url)) == 2, 30, "a FAQ written after")
            same = _children(web.pid) == before and web.poll() is None and worker.poll() is None
        except RuntimeError as exc:
            return Result(name, False, f"{exc}\n{cp.log_tail()}", time.monotonic() - start)
        finally:
            cp.stop_all()
    statuses = {s: sum(1 for a in during if a[2] == s) for s in sorted({a[2] for a in during})}
    ok = recovered_s <= RECOVERY_TARGET_S and not bad and same
    detail = (
        f"down {DOWN_S:.0f} s; every page 200 again {recovered_s:.1f} s after it accepted connections "
        f"(target ≤ {RECOVERY_TARGET_S:.0f} s); answers from the stop on {statuses}; "
        f"{'same' if same else 'CHANGED'} web and worker processes, which wrote a FAQ after"
    )
    if load.broken:
        detail += "\n" + "\n".join(sorted(set(load.broken))[:10])
    return Result(name, ok, detail, time.monotonic() - start)
