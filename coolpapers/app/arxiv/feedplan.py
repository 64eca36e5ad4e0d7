"""Which RSS feeds to request for the followed categories, and how to split a full one. Pure.

arXiv serves any `+`-joined set of archives and categories as one feed, capped at 2,000
items. Asking for all of arXiv one category at a time would be ~150 requests a day;
asking for everything at once would hit the cap. So archives are packed a few per feed
(the big ones alone), and a feed that comes back full is split in two and asked again.
"""

from __future__ import annotations

from coolpapers.app.arxiv.categories import canonical_category, taxonomy

# Busy archives get a feed of their own; quieter ones share one (≈ a few hundred items a day).
BIG_ARCHIVES = ("cs", "math", "cond-mat", "astro-ph", "physics")
ALL_OF_ARXIV = (
    "cs", "math", "cond-mat", "astro-ph", "physics",
    "hep-ex+hep-lat+hep-ph+hep-th+gr-qc",
    "quant-ph+nucl-ex+nucl-th+math-ph+nlin",
    "stat+eess+econ+q-bio+q-fin",
)  # fmt: skip
PACK_SIZE = 5


def _is_archive(term: str) -> bool:
    return "." not in term and term in taxonomy().archives()


def base_queries(categories: list[str]) -> list[str]:
    """Feeds for Settings.categories (`["all"]` or canonical archives/categories)."""
    if categories == ["all"]:
        return list(ALL_OF_ARXIV)
    archives = [c for c in categories if _is_archive(c)]
    # A category inside a followed archive is already covered by the archive's feed.
    loose = [c for c in categories if not _is_archive(c) and c.split(".")[0] not in archives]
    alone = [a for a in archives if a in BIG_ARCHIVES]
    packed = [a for a in archives if a not in BIG_ARCHIVES] + loose
    packs = ["+".join(packed[i : i + PACK_SIZE]) for i in range(0, len(packed), PACK_SIZE)]
    return alone + packs


def covered_categories(query: str) -> set[str]:
    """Canonical categories whose whole day listing a feed for `query` contains.

    An archive covers its categories and their alias partners (asking for `math`
    brings math.IT, which is cs.IT under its canonical name).
    """
    covered: set[str] = set()
    for term in query.split("+"):
        if _is_archive(term):
            for cat in taxonomy().categories:
                if cat.archive == term:
                    covered.add(canonical_category(cat.code) or cat.code)
            if canonical_category(term):  # single-category archives such as hep-th
                covered.add(canonical_category(term) or term)
        else:
            code = canonical_category(term)
            if code:
                covered.add(code)
    return covered


def split_query(query: str) -> list[str] | None:
    """Two smaller queries covering the same categories, or None if it cannot be split."""
    terms = query.split("+")
    if len(terms) == 1 and _is_archive(terms[0]):
        terms = sorted(c.code for c in taxonomy().categories if c.archive == terms[0])  # aliases too
    if len(terms) < 2:
        return None
    half = len(terms) // 2
    return ["+".join(terms[:half]), "+".join(terms[half:])]
