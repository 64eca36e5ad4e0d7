"""The `coolpapers` command: the group, the long-running commands (`serve`, `worker`) and the
database ones (`db upgrade`, `demo`); the data commands come from cli/tasks.py. cli/ is the one
package that starts both halves (web and worker) and may import them both; app/ never imports
worker/ or cli/."""

from __future__ import annotations

import asyncio
import math

import click

from coolpapers.app.store.db import make_engine, make_session_factory, masked_url
from coolpapers.cli import tasks
from coolpapers.cli.startup import fail, require_database, settings_from_env, setup_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """coolpapers: daily arXiv listings with an LLM-written FAQ for every paper.

    Configuration comes from COOLPAPERS_* environment variables or a .env file
    (see README.md).
    """


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default: COOLPAPERS_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: COOLPAPERS_PORT, 8000).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Web processes; more than one needs Redis for shared queues and caches.",
)
@click.option("--with-worker", is_flag=True, help="Also run the background worker in this process.")
def serve(host: str | None, port: int | None, workers: int, with_worker: bool) -> None:
    """Serve the web pages and JSON API."""
    import uvicorn

    from coolpapers.cli.serving import serve_in_process
    from coolpapers.cli.signals import Shutdown

    settings = settings_from_env(host=host, port=port)
    setup_logging(settings)
    if workers > 1:
        require_database(settings)
        if with_worker:
            fail(
                "--with-worker runs in a single process; use --workers 1 or a separate `coolpapers worker`", 2
            )
        uvicorn.run(
            "coolpapers.app.web.app:create_app_from_env", factory=True, host=settings.host,
            port=settings.port, workers=workers, log_level=settings.log_level,
            proxy_headers=bool(settings.trusted_proxies), forwarded_allow_ips=settings.forwarded_allow_ips,
            # Open responses (FAQ event streams last minutes) are cut when the grace period ends.
            timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_s),
        )  # fmt: skip
        return
    shutdown = Shutdown(settings.shutdown_grace_s)
    shutdown.install()
    require_database(settings)
    serve_in_process(settings, shutdown, with_worker=with_worker)


@main.command()
@click.option("--only", type=click.Choice(["feeds", "lookups", "faq", "search"]), multiple=True,
              help="Run only these duties (repeatable); default: all of them.")  # fmt: skip
def worker(only: tuple[str, ...]) -> None:
    """Run the background worker: arXiv schedule, paper lookups, FAQ jobs, search indexing."""
    from coolpapers.cli.signals import Shutdown
    from coolpapers.cli.supervisor import run_worker
    from coolpapers.worker.context import WorkerContext
    from coolpapers.worker.duties import duties_for

    settings = settings_from_env()
    setup_logging(settings)
    shutdown = Shutdown(settings.shutdown_grace_s)
    shutdown.install()
    require_database(settings)

    async def run() -> None:
        ctx = WorkerContext.build(settings)
        stop = asyncio.Event()
        shutdown.attach(asyncio.get_running_loop(), stop.set)
        try:
            await run_worker(ctx, stop, duties_for(settings, frozenset(only) if only else None))
        finally:
            shutdown.arm()  # however the worker ended, the process is gone within the bound
            if ctx.faq_channels is not None:
                await ctx.faq_channels.aclose()
            ctx.close()

    asyncio.run(run())


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target migration.")
def db_upgrade(revision: str) -> None:
    """Create or migrate the database schema (safe to run every start)."""
    from coolpapers.app.store.migrate import upgrade

    settings = settings_from_env()
    require_database(settings, schema=False)
    upgrade(settings.database_url, revision)
    click.echo(f"database {masked_url(settings.database_url)} is at {revision}")


@main.command()
def demo() -> None:
    """Load the two bundled sample days of arXiv listings (idempotent)."""
    from coolpapers.app.ingest.demo import load_demo

    settings = settings_from_env()
    require_database(settings)
    engine = make_engine(settings.database_url)
    try:
        result = load_demo(make_session_factory(engine))
    finally:
        engine.dispose()
    click.echo(
        f"sample days loaded: {result.inserted} papers added, {result.updated} updated, "
        f"{result.unchanged} already stored, {result.announcements_added} listing entries added"
    )


for command in (tasks.faq, tasks.fetch, tasks.import_, tasks.search):
    main.add_command(command)

if __name__ == "__main__":
    main()
