"""More like my stars (the search page, `?like=ID,ID,…`): each liked paper's related papers from
the search index (its distinctive words), pooled and ordered For you, each card saying which liked
paper it is close to. The ids come from the page (the stars live in the browser)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from coolpapers.app.search.engine import IndexNotReady, SearchIndex
from coolpapers.app.store.text_models import liked_papers
from coolpapers.app.web.cards import Cards, cards_for
from coolpapers.app.web.foryou import ForYou, Liked

SEEDS = 30  # liked papers asked for their related ones
PER_SEED = 20


def more_like(
    session: Session, search: SearchIndex, foryou: ForYou, liked: Liked, pdf_url: str
) -> tuple[Cards, dict[str, dict[str, str]]]:
    """The cards, best first, and for each the liked paper it is closest to ({id, title})."""
    pooled: list[str] = []
    for seed in liked.ids[:SEEDS]:
        try:
            pooled += [r.arxiv_id for r in search.related(seed, PER_SEED) or []]
        except IndexNotReady:
            break
    mine = set(liked.ids)
    cards = cards_for(session, [i for i in dict.fromkeys(pooled) if i not in mine], pdf_url)
    ranked = foryou.rank_listing(session, None, cards.papers, liked, [])
    titles = {i: found.title for i, found in liked_papers(session, liked.ids).items()}
    why = {
        p.arxiv_id: {"id": b, "title": titles.get(b, b)}
        for p in ranked.papers
        if (b := ranked.because.get(p.arxiv_id)) is not None
    }
    return Cards(ranked.papers, cards.counters, cards.first_days), why
