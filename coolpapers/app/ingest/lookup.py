"""Any paper by id: from the database, or fetched once from arXiv's API and stored.

Usable from the web (app/ never imports worker/). A syntactically impossible id never
reaches arXiv; an id arXiv does not know is remembered for a while so repeated clicks
do not ask again.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session, sessionmaker

from coolpapers.app.arxiv.api import ApiError, id_list_url, parse_api_feed
from coolpapers.app.arxiv.client import ArxivClient
from coolpapers.app.arxiv.ids import parse_arxiv_id
from coolpapers.app.store.db import session_scope
from coolpapers.app.store.lookup import paper_by_arxiv_id
from coolpapers.app.store.models import Paper, utcnow
from coolpapers.app.store.papers import store_papers
from coolpapers.app.store.unknown_ids import recently_unknown, remember_unknown

log = logging.getLogger(__name__)
UNKNOWN_TTL = dt.timedelta(hours=1)


async def find_or_fetch_paper(
    factory: sessionmaker[Session], client: ArxivClient, api_url: str, raw_id: str
) -> Paper | None:
    """The stored paper for any spelling of an arXiv id, fetching it from arXiv if needed.

    Returns None for an id arXiv does not know (remembered for UNKNOWN_TTL). Raises
    InvalidArxivId for text that cannot be an id (nothing is asked), and ArxivUnavailable
    when arXiv cannot be reached (nothing is remembered, so the next click tries again).
    """
    ident = parse_arxiv_id(raw_id)
    now = utcnow()
    with session_scope(factory) as session:
        paper = paper_by_arxiv_id(session, ident.base)
        if paper is not None:
            return paper
        if recently_unknown(session, ident.base, now - UNKNOWN_TTL):
            return None
    url = id_list_url(api_url, [ident.base])
    resp = await client.get(url)
    reason = None
    try:
        result = parse_api_feed(resp.body) if resp.status == 200 else None
    except ApiError as exc:
        log.warning("arXiv API gave an unusable answer for %s: %s", ident.base, exc)
        result = None
        reason = str(exc)
    with session_scope(factory) as session:
        found = [p for p in (result.papers if result else []) if p.arxiv_id == ident.base]
        if found:
            store_papers(session, found)
            return paper_by_arxiv_id(session, ident.base)
        if result is not None:  # a real, well-formed answer that does not have it
            remember_unknown(session, ident.base, "; ".join(result.errors) or "not found", now)
        elif reason is None:
            log.warning("arXiv API answered HTTP %s for %s", resp.status, ident.base)
    return None
