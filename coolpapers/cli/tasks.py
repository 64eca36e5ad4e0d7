"""`coolpapers` commands that move data: fetch listings, import history, write FAQs, rebuild the
search index. cli/main.py adds them to the `coolpapers` group."""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from coolpapers.app.store.db import make_engine, make_session_factory
from coolpapers.cli.startup import fail, require_database, settings_from_env, setup_logging


@click.command()
@click.argument("words", nargs=-1, required=True, metavar="[regenerate] ID")
@click.option("--lang", default="en", show_default=True, help="One of COOLPAPERS_FAQ_LANGUAGES.")
def faq(words: tuple[str, ...], lang: str) -> None:
    """Write a paper's FAQ in the terminal, or print it when it is already stored.

    `coolpapers faq regenerate ID` writes it again, replacing the stored one.
    """
    from coolpapers.cli.faq import CliError, write_faq

    regenerate = words[0] == "regenerate"
    ids = words[1:] if regenerate else words
    if len(ids) != 1:
        fail("give one arXiv id: coolpapers faq [regenerate] ID", 2)
    settings = settings_from_env()
    require_database(settings)
    try:
        text = asyncio.run(write_faq(settings, ids[0], lang, regenerate=regenerate))
    except CliError as exc:
        fail(str(exc))
    click.echo(text)


@click.command()
@click.option(
    "--cats",
    default=None,
    help="Archives and categories to fetch, e.g. cs.CL or cs,stat.ML (default: COOLPAPERS_CATEGORIES).",
)
def fetch(cats: str | None) -> None:
    """Fetch the listing feeds once now, whether or not they are due, and store any new day."""
    from coolpapers.app.ingest.refresh import refresh_feeds
    from coolpapers.worker.context import WorkerContext

    settings = settings_from_env(categories=cats)
    setup_logging(settings)
    require_database(settings)

    async def run() -> list[Any]:
        ctx = WorkerContext.build(settings)
        try:
            return await refresh_feeds(
                ctx.session_factory, ctx.arxiv, settings.arxiv_rss_url, settings.categories,
                owner=ctx.worker_id, force=True,
            )  # fmt: skip
        finally:
            await ctx.arxiv.aclose()
            ctx.close()

    reports = asyncio.run(run())
    for r in reports:
        detail = r.error if r.error else (  # the outcome already says "error"
            f"{r.items} items, {r.papers_added} papers added, {r.papers_updated} updated, "
            f"{r.announcements_added} listing entries added, {r.skipped} bad items skipped"
        )  # fmt: skip
        click.echo(f"{r.query} [{r.date or '-'}] {r.outcome}: {detail}")
    if not reports:
        click.echo("nothing fetched: another worker holds every feed's lease right now")
    if any(r.outcome == "error" for r in reports):
        sys.exit(1)


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", type=click.IntRange(1, 50_000), default=2000, show_default=True,
              help="Records stored per transaction.")  # fmt: skip
@click.option("--lock-timeout", type=click.FloatRange(0, 86_400), default=300, show_default=True,
              help="Seconds to wait while another process (e.g. a running server) holds the "
                   "database's write lock, before giving up.")  # fmt: skip
def import_(path: Path, batch_size: int, lock_timeout: float) -> None:
    """Import arXiv's history from PATH, the Kaggle arxiv-metadata-oai-snapshot JSON-lines file.

    Safe to interrupt (Ctrl-C) and run again: stored records are skipped, none is duplicated.
    Imported papers have no listing day; they are found by id.
    """
    import psycopg
    from sqlalchemy.exc import SQLAlchemyError

    from coolpapers.app.ingest.snapshot_import import import_snapshot
    from coolpapers.app.store.bulk import ConcurrentWrite
    from coolpapers.app.store.db import error_line, is_lock_timeout

    settings = settings_from_env()
    setup_logging(settings)
    require_database(settings)
    # A batch job: it may wait for other writers far longer than a web request would.
    engine = make_engine(settings.database_url, lock_timeout_s=lock_timeout)
    # The first Ctrl-C asks to stop after the batch being stored (a query cut off midway
    # would leave the connection unusable); a second one interrupts at once.
    stop = threading.Event()

    def request_stop(_signum: int, _frame: Any) -> None:
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, request_stop)
    try:
        with click.progressbar(length=path.stat().st_size, label="importing", file=sys.stderr) as bar:
            report = import_snapshot(
                make_session_factory(engine), path, batch_size=batch_size, on_progress=bar.update, stop=stop
            )
    except KeyboardInterrupt:
        report = None
    except (SQLAlchemyError, psycopg.Error, ConcurrentWrite) as exc:  # psycopg's own: COPY (bulk.py)
        # Each batch is one transaction: the failed one was rolled back, the earlier ones are kept.
        if isinstance(exc, ConcurrentWrite):
            why = "another process kept storing the same papers"
        elif is_lock_timeout(exc):
            why = f"the database stayed locked by another process for over {lock_timeout:g} s"
        else:
            why = f"database error: {error_line(exc)}"
        click.echo("", err=True)  # end the progress bar's line
        fail(f"import stopped, {why}; the batches stored so far are kept: run the same command to continue")
    finally:
        signal.signal(signal.SIGINT, previous)
        engine.dispose()
    if report is None or report.stopped:
        click.echo("\ninterrupted: the batches stored so far are kept; run the same command to continue",
                   err=True)  # fmt: skip
        sys.exit(130)
    click.echo(
        f"{report.lines} records read: {report.inserted} papers added, {report.updated} updated, "
        f"{report.unchanged} already stored, {report.bad} unusable lines skipped"
    )
    for example in report.bad_examples:
        click.echo(f"  skipped {example}", err=True)


@click.group()
def search() -> None:
    """The full-text search index (kept up to date by the worker)."""


@search.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index from the database (stop the worker first: one writer at a time)."""
    from pathlib import Path

    from coolpapers.app.search.writer import IndexDirectoryInUse, IndexLocked, IndexUpdater

    settings = settings_from_env()
    setup_logging(settings)
    require_database(settings)
    engine = make_engine(settings.database_url)
    try:
        updater = IndexUpdater(Path(settings.search_index_dir), make_session_factory(engine))
        result = updater.rebuild()
        updater.close()
    except (IndexLocked, IndexDirectoryInUse) as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    where = settings.search_index_dir
    click.echo(f"search index {where}: {result.indexed} papers indexed in {result.seconds:.1f}s")
