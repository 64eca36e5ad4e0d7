"""Category expressions in listing URLs, papers.cool style. Pure.

`cs.AI` one category · `cs.AI,cs.CL` or `cs.AI+cs.CL` union · `cs.AI+cs.LG-cs.CY` union
minus the papers also in cs.CY. Aliases fold to their canonical code (`cs.NA` → `math.NA`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from coolpapers.app.arxiv.categories import canonical_category, taxonomy

MAX_EXPR_LENGTH = 1000
_SEPARATORS = re.compile(r"[,+\s]+")


class UnknownCategory(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown arXiv category {code!r}")
        self.code = code
        self.suggestions = suggest_categories(code)


class BadCategoryExpression(ValueError):
    pass


@dataclass(frozen=True)
class CategoryExpr:
    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "+".join(self.include) + "".join(f"-{c}" for c in self.exclude)


_LOOKALIKE = str.maketrans({"l": "i", "1": "i", "0": "o", "_": "-"})


def suggest_categories(code: str, limit: int = 5) -> list[str]:
    """Close codes for a 404 page: `cs.Al` → `cs.AI`, `cs.CLL` → `cs.CL`."""
    codes = [c.code for c in taxonomy().canonical]
    wanted = code.lower().translate(_LOOKALIKE)
    lookalikes = [c for c in codes if c.lower().translate(_LOOKALIKE) == wanted]
    lowered = {c.lower(): c for c in codes}
    close = difflib.get_close_matches(code.lower(), list(lowered), n=limit, cutoff=0.6)
    return list(dict.fromkeys([*lookalikes, *(lowered[h] for h in close)]))[:limit]


def _split_term(term: str) -> list[str] | None:
    """Split `cs.LG-cs.CY` into known codes at the hyphens that separate them.

    Hyphens also occur inside codes (`hep-th`, `cond-mat.soft`), so a hyphen is a
    separator only where both sides read as categories.
    """
    if canonical_category(term):
        return [term]
    for i, ch in enumerate(term):
        if ch == "-" and canonical_category(term[:i]):
            rest = _split_term(term[i + 1 :])
            if rest is not None:
                return [term[:i], *rest]
    return None


def parse_category_expr(text: str) -> CategoryExpr:
    """Parse `cs.AI+cs.LG-cs.CY` into sorted sets of canonical codes; raise UnknownCategory or
    BadCategoryExpression."""
    expr = (text or "").strip()
    if not expr:
        raise BadCategoryExpression("no category given")
    if len(expr) > MAX_EXPR_LENGTH:
        raise BadCategoryExpression(f"category list longer than {MAX_EXPR_LENGTH} characters")
    include: list[str] = []
    exclude: list[str] = []
    for term in (t for t in _SEPARATORS.split(expr) if t):
        leading_minus = term.startswith("-")
        parts = _split_term(term.lstrip("-"))
        if parts is None:
            bad = next((p for p in term.lstrip("-").split("-") if not canonical_category(p)), term)
            raise UnknownCategory(bad)
        for index, code in enumerate(parts):
            canonical = canonical_category(code)
            assert canonical is not None
            target = exclude if (index > 0 or leading_minus) else include
            if canonical not in target:
                target.append(canonical)
    if not include:
        raise BadCategoryExpression("at least one category must be included")
    # One spelling per set: every ordering of a union is the same listing, and must be one cache
    # entry (otherwise each reordering of a large union was a new multi-MB entry).
    return CategoryExpr(tuple(sorted(include)), tuple(sorted(c for c in exclude if c not in include)))
