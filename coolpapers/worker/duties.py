"""What a worker process does, chosen from its Settings: each entry is one long-running duty."""

from __future__ import annotations

from coolpapers.app.settings import Settings
from coolpapers.worker.context import Duty
from coolpapers.worker.faq import faq_consumer, faq_pregenerator, faq_sweeper
from coolpapers.worker.indexer import run_indexer
from coolpapers.worker.lookups import lookup_worker
from coolpapers.worker.scheduler import feed_scheduler
from coolpapers.worker.text_model import text_model_keeper

# Duty groups a worker can be limited to (`coolpapers worker --only faq`), e.g. to scale
# FAQ writers separately from the one process that follows arXiv's feeds and writes the index.
GROUPS = ("feeds", "lookups", "faq", "search")


def duties_for(settings: Settings, only: frozenset[str] | None = None) -> list[tuple[str, Duty]]:
    """The duties `coolpapers worker` (and `serve --with-worker`) run, in start order."""
    duties: list[tuple[str, Duty]] = [
        ("feeds", feed_scheduler),
        ("lookups", lookup_worker),
        ("faq-consumer", faq_consumer),
        ("faq-sweeper", faq_sweeper),
        ("search-indexer", run_indexer),
        ("search-text-model", text_model_keeper),
    ]
    if settings.faq_pregenerate:
        duties.append(("faq-pregenerator", faq_pregenerator))
    if only is not None:
        duties = [(name, duty) for name, duty in duties if name.split("-")[0] in only]
    return duties
