"""Write bench/queries.txt: the fixed list of realistic queries, drawn once from the sample days.

.venv/bin/python -m bench.make_queries   # rewrites the committed list (seeded: same output)
"""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

from bench.corpus import sample_papers

QUERIES_FILE = Path(__file__).parent / "queries.txt"
_WORD = re.compile(r"^[A-Za-z][a-z]{3,}$")
_STOP = {"this", "that", "with", "from", "which", "their", "these", "those", "have", "been", "into", "also"}


def make() -> list[str]:
    rng = random.Random(7)
    papers = sample_papers()
    df: Counter[str] = Counter()
    for p in papers:
        df.update({w.lower() for w in re.findall(r"[A-Za-z]+", p["title"] + " " + p["summary"])})
    words = [w for w, _ in df.most_common() if _WORD.match(w) and w not in _STOP]
    common = words[:60]
    rare = sorted(w for w in words if 2 <= df[w] <= 4)
    out: list[str] = []
    out += rng.sample(common, 45)  # single common words
    out += rng.sample(rare, 30)  # rare words
    titles = [p["title"].split() for p in papers]
    for _ in range(60):  # 2–4 word queries from real titles
        t = rng.choice([t for t in titles if len(t) >= 4])
        n = rng.randint(2, 4)
        start = rng.randrange(len(t) - n + 1)
        out.append(" ".join(w.strip(":,.()") for w in t[start : start + n]))
    for _ in range(35):  # quoted phrases from abstracts
        sentence = rng.choice(papers)["summary"].split()
        n = rng.randint(2, 3)
        start = rng.randrange(max(1, len(sentence) - n))
        out.append('"' + " ".join(w.strip(':,.()"') for w in sentence[start : start + n]) + '"')
    authors = [a for p in papers for a in p["authors"] if len(a.split()) >= 2]
    for i in range(36):  # author names, with and without the operator
        name = rng.choice(authors)
        out.append(f'author:"{name}"' if i % 2 else name.split()[-1])
    return out


if __name__ == "__main__":
    queries = make()
    QUERIES_FILE.write_text("\n".join(queries) + "\n", "utf-8")
    print(f"{len(queries)} queries -> {QUERIES_FILE}")
