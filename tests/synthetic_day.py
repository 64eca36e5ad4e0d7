"""A synthetic announcement day of any size (2026-06-10, four categories and their cross-lists),
for the long-day browser test and `python -m bench.long_day`."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.announce import derive_announcements
from coolpapers.app.arxiv.records import ListedPaper, PaperRecord
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.papers import store_announcements, store_papers

DAY = dt.date(2026, 6, 10)
UNION = "cs.AI,cs.CL,cs.CV,cs.LG"
CATS = ("cs.AI", "cs.CL", "cs.CV", "cs.LG", "stat.ML", "cs.RO")
TOPICS = ("diffusion", "transformers", "graph networks", "reinforcement learning", "retrieval", "robotics")
WORDS = ("model", "data", "robust", "efficient", "benchmark", "training", "method", "results", "analysis")


def synthetic_day(n: int, seed: int = 7) -> list[ListedPaper]:
    rng = random.Random(seed)
    items = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        primary = CATS[i % 4]
        cross = rng.sample([c for c in CATS if c != primary], k=rng.randint(0, 2))
        authors = tuple(f"Author {i}-{k}" for k in range(45 if i % 97 == 0 else rng.randint(1, 8)))
        abstract = " ".join(rng.choice(WORDS) for _ in range(150)) + f" about {topic}."
        rec = PaperRecord(
            arxiv_id=f"2606.{20000 + i:05d}", title=f"Synthetic study {i} of {topic}", authors=authors,
            abstract=abstract, categories=(primary, *cross),
        )  # fmt: skip
        items.append(ListedPaper(rec))
    return items


def store_synthetic_day(factory: sessionmaker[Session], n: int) -> list[ListedPaper]:
    items = synthetic_day(n)
    with session_scope(factory) as session:
        ids, _ = store_papers(session, (i.paper for i in items))
        store_announcements(session, derive_announcements(DAY, items), ids)
    return items
