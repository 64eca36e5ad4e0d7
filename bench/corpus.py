"""Build a benchmark corpus in arXiv's metadata snapshot format (one JSON object per line).

Real papers from the bundled sample days are varied into as many distinct papers as asked:
every variant gets its own id (spread over arXiv's months since 2007), about a third of its
title words and a tenth of its abstract words swapped for words drawn from the whole
sample, one abstract sentence borrowed from another paper, and recombined author names.
Word frequencies therefore stay those of real abstracts, which is what BM25 costs depend on.

    .venv/bin/python -m bench.corpus 200000        # -> bench/out/corpus-200000.jsonl
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from coolpapers.app.ingest.demo import DEMO_DIR

BENCH_DIR = Path(__file__).parent
OUT_DIR = BENCH_DIR / "out"
SAMPLE_DIRS = (DEMO_DIR, BENCH_DIR / "data" / "arxiv-daily")
SEED = 20260608
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def sample_papers() -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for directory in SAMPLE_DIRS:
        for file in sorted(directory.glob("*.jsonl")):
            for line in file.read_text("utf-8").splitlines():
                if line.strip():
                    obj = json.loads(line)
                    if obj.get("title") and obj.get("categories"):
                        seen.setdefault(obj["id"], obj)
    return [seen[k] for k in sorted(seen)]


def months() -> list[tuple[int, int]]:
    return [(y, m) for y in range(7, 27) for m in range(1, 13) if (7, 4) <= (y, m) <= (26, 6)]


def corpus_path(size: int) -> Path:
    return OUT_DIR / f"corpus-{size}.jsonl"


def _swap(words: list[str], share: float, vocab: list[str], rng: random.Random) -> list[str]:
    out = list(words)
    for _ in range(max(1, round(len(out) * share))):
        out[rng.randrange(len(out))] = rng.choice(vocab)
    return out


def _authors(names: list[str], firsts: list[str], lasts: list[str], rng: random.Random) -> list[list[str]]:
    return [[rng.choice(lasts), rng.choice(firsts), ""] for _ in names]


def generate(size: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(SEED)
    bases = sample_papers()
    title_vocab = [w for p in bases for w in p["title"].split()]
    abstract_vocab = [w for p in bases for w in p["summary"].split()]
    names = [a.split() for p in bases for a in p["authors"] if len(a.split()) >= 2]
    firsts, lasts = [n[0] for n in names], [n[-1] for n in names]
    sentences = [s for p in bases for s in _SENTENCE.split(p["summary"]) if s]
    cal = months()
    for i in range(size):
        base = bases[i % len(bases)]
        variant = i // len(bases)
        year, month = cal[i % len(cal)]
        seq = i // len(cal) + 1
        arxiv_id = f"{year:02d}{month:02d}.{seq:0{4 if (year, month) <= (14, 12) else 5}d}"
        if variant == 0:
            title, abstract = base["title"], base["summary"]
            parsed = [[a.split()[-1], " ".join(a.split()[:-1]), ""] for a in base["authors"]]
        else:
            title = " ".join(_swap(base["title"].split(), 0.34, title_vocab, rng))
            parts = _SENTENCE.split(base["summary"])
            parts[rng.randrange(len(parts))] = rng.choice(sentences)
            abstract = " ".join(_swap(" ".join(parts).split(), 0.1, abstract_vocab, rng))
            parsed = _authors(base["authors"], firsts, lasts, rng)
        authors = [f"{first} {last}".strip() for last, first, _ in parsed]
        day = rng.randint(1, 28)
        created = f"{day} {MONTHS[month - 1]} {2000 + year} 12:00:00 GMT"
        yield {
            "id": arxiv_id, "submitter": authors[0] if authors else None,
            "authors": ", ".join(authors[:-1]) + (" and " if len(authors) > 1 else "") + authors[-1],
            "title": title, "comments": None, "journal-ref": None, "doi": None, "report-no": None,
            "categories": " ".join(base["categories"]), "license": None,
            "abstract": "  " + abstract + "\n",
            "versions": [{"version": "v1", "created": created}],
            "update_date": f"{2000 + year}-{month:02d}-{day:02d}",
            "authors_parsed": parsed,
        }  # fmt: skip


def build(size: int) -> Path:
    path = corpus_path(size)
    if path.exists():
        return path
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for obj in generate(size):
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["200000"]:
        print(build(int(arg)))
