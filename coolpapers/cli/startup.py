"""What every `coolpapers` command does first: read the settings, set up logging, check the
database, and fail with one clear line (no traceback) when any of that is wrong."""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

import click

from coolpapers.app.settings import ConfigError, Settings, load_settings
from coolpapers.app.store.db import DatabaseUnavailable, check_database, make_engine, masked_url


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def settings_from_env(**overrides: object) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        fail(f"invalid configuration: {exc}", 2)


def require_database(settings: Settings, *, schema: bool = True) -> None:
    """Exit with one line (password masked) when the database is down or not migrated."""
    from coolpapers.app.store.migrate import schema_is_current

    engine = make_engine(settings.database_url)
    try:
        check_database(engine)
        if schema and not schema_is_current(engine):
            fail(
                f"database {masked_url(settings.database_url)} is not at the current schema; "
                "run `coolpapers db upgrade` first"
            )
    except DatabaseUnavailable as exc:
        fail(str(exc))
    finally:
        engine.dispose()


class Redacting(logging.Formatter):
    """Every log line passes Settings.redact: no API key reaches a log, whoever logged it."""

    def __init__(self, settings: Settings, fmt: str) -> None:
        super().__init__(fmt)
        self.settings = settings

    def format(self, record: logging.LogRecord) -> str:
        return self.settings.redact(super().format(record))


def setup_logging(settings: Settings) -> None:
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=settings.log_level.upper(), format=fmt)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(Redacting(settings, fmt))
    logging.getLogger("alembic").setLevel(logging.WARNING)
