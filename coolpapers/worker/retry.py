"""How a duty rides out an outage of what it depends on: the error is logged, the duty waits
(doubling from a second to a minute) and tries again, and the other duties never notice.

Without this the error would end the duty, and a duty that ends stops the whole worker
(cli/supervisor.py), cancelling FAQs being written, for what is often a few seconds: SQLite's
write lock held by a `coolpapers import` past the busy timeout, PostgreSQL restarting, Redis
failing over.
"""

from __future__ import annotations

import random

from coolpapers.app.store.db import TRANSIENT

__all__ = ["TRANSIENT", "Backoff"]

RETRY_FIRST_S = 1.0
RETRY_MAX_S = 60.0


class Backoff:
    """The pause before the next try: doubling while failures go on, back to the start after a
    success. A little jitter keeps the worker processes of one site from retrying in step."""

    def __init__(self, first_s: float = RETRY_FIRST_S, max_s: float = RETRY_MAX_S) -> None:
        self.first_s, self.max_s = first_s, max_s
        self.failures = 0

    def failed(self) -> float:
        self.failures += 1
        pause = min(self.max_s, self.first_s * 2 ** (self.failures - 1))
        return pause * random.uniform(0.9, 1.1)

    def succeeded(self) -> None:
        self.failures = 0
