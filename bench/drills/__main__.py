"""Run every drill of "safe to expose" and print one line each; exit 1 unless all pass.

    python -m bench.drills [--only kills,postgres,redis,sqlite,replay] [--kills 20]

Each drill brings its own PostgreSQL cluster (initdb in a temporary directory; as root, run as the
postgres user), redis-server and fake LLM provider, so it can restart them without touching
anything else on the machine. Needs PostgreSQL's server binaries, redis-server and Chromium (the
replay runs one browser test); about five minutes on two cores."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench.drills import postgres_restart, redis_restart, replay, sqlite_lock, worker_kills
from bench.drills.result import Result
from bench.drills.services import PrivatePostgres, scratch

DRILLS = ("kills", "postgres", "redis", "sqlite", "replay")


def _one(name: str, pg: PrivatePostgres, tmp: Path, kills: int) -> list[Result]:
    started = time.monotonic()
    try:
        if name == "kills":
            return [worker_kills.run(tmp, pg, kills)]
        if name == "postgres":
            return [postgres_restart.run(tmp, pg)]
        if name == "redis":
            return [redis_restart.run(tmp, pg)]
        if name == "sqlite":
            return [sqlite_lock.run(tmp)]
        return replay.run(tmp, pg)
    except Exception as exc:  # a drill that breaks is a failed drill, reported like the others
        return [Result(name, False, f"the drill itself failed: {exc!r}", time.monotonic() - started)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(DRILLS), help=f"comma-separated, of {', '.join(DRILLS)}")
    parser.add_argument("--kills", type=int, default=20)
    args = parser.parse_args()
    chosen = [d.strip() for d in args.only.split(",") if d.strip()]
    if unknown := sorted(set(chosen) - set(DRILLS)):
        parser.error(f"unknown drill(s): {', '.join(unknown)}")
    colour = sys.stdout.isatty()
    results: list[Result] = []
    with scratch() as root:
        pg = PrivatePostgres(Path(root))
        pg.start()
        try:
            for name in chosen:
                tmp = Path(root) / name
                tmp.mkdir()
                tmp.chmod(0o755)
                for result in _one(name, pg, tmp, args.kills):
                    print(result.line(colour), flush=True)
                    results.append(result)
        finally:
            pg.stop("immediate")
    passed = sum(r.ok for r in results)
    print(f"{passed}/{len(results)} drills passed")
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
