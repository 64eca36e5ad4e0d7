"""arXiv's taxonomy (group -> archive -> category) and its aliases, from a bundled copy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    group: str
    archive: str


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    aliases: dict[str, str]  # alias code -> canonical code
    by_lower: dict[str, str]  # lower-cased code -> code as arXiv writes it

    @property
    def canonical(self) -> tuple[Category, ...]:
        """Categories as arXiv displays them: alias codes folded into their partner."""
        return tuple(c for c in self.categories if c.code not in self.aliases)

    def archives(self) -> set[str]:
        return {c.archive for c in self.categories}


# Archives retired into categories; they still appear in old ids and metadata.
LEGACY_ARCHIVES = {
    "alg-geom": "math.AG", "dg-ga": "math.DG", "funct-an": "math.FA", "q-alg": "math.QA",
    "cmp-lg": "cs.CL", "adap-org": "nlin.AO", "comp-gas": "nlin.CG", "chao-dyn": "nlin.CD",
    "solv-int": "nlin.SI", "patt-sol": "nlin.PS", "mtrl-th": "cond-mat.mtrl-sci",
    "supr-con": "cond-mat.supr-con", "acc-phys": "physics.acc-ph", "ao-sci": "physics.ao-ph",
    "atom-ph": "physics.atom-ph", "bayes-an": "physics.data-an", "chem-ph": "physics.chem-ph",
    "plasm-ph": "physics.plasm-ph",
}  # fmt: skip


@cache
def taxonomy() -> Taxonomy:
    raw = json.loads((Path(__file__).parent / "data" / "arxiv-categories.json").read_text("utf-8"))
    cats = tuple(Category(c["code"], c["name"], c["group"], c["archive"]) for c in raw["categories"])
    by_lower = {c.code.lower(): c.code for c in cats}
    return Taxonomy(categories=cats, aliases=dict(raw["aliases"]), by_lower=by_lower)


def canonical_category(code: str) -> str | None:
    """The canonical code for a category name in any case, alias or legacy form; None if unknown."""
    tax = taxonomy()
    key = code.strip().lower()
    found = tax.by_lower.get(key) or LEGACY_ARCHIVES.get(key)
    if found is None:
        return None
    return tax.aliases.get(found, found)


def is_known_archive(code: str) -> bool:
    return code.strip().lower() in taxonomy().archives()


def archive_categories(code: str) -> list[str]:
    """The canonical categories of an archive (`cs` -> cs.AI, cs.AR, ...); empty if it is none."""
    key = code.strip().lower()
    return [c.code for c in taxonomy().canonical if c.archive == key]


def category_name(code: str) -> str:
    tax = taxonomy()
    for cat in tax.categories:
        if cat.code == code:
            return cat.name
    return code


def grouped_categories() -> list[tuple[str, list[tuple[str, list[Category]]]]]:
    """[(group, [(archive, [categories…]), …]), …] in arXiv's order, aliases folded."""
    groups: dict[str, dict[str, list[Category]]] = {}
    for cat in taxonomy().canonical:
        groups.setdefault(cat.group, {}).setdefault(cat.archive, []).append(cat)
    return [(group, list(archives.items())) for group, archives in groups.items()]
