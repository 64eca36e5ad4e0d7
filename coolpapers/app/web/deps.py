"""FastAPI dependencies, as Annotated aliases so routes read `session: SessionDep`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from coolpapers.app.search.engine import SearchIndex
from coolpapers.app.settings import Settings
from coolpapers.app.store.db import session_scope
from coolpapers.app.web.foryou import ForYou
from coolpapers.app.web.keyword_sort import KeywordSort
from coolpapers.app.web.listing import ListingService
from coolpapers.app.web.state import AppState


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.core
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings(state: StateDep) -> Settings:
    return state.settings


def get_session(state: StateDep) -> Iterator[Session]:
    with session_scope(state.session_factory) as session:
        yield session


def get_foryou(state: StateDep) -> ForYou:
    return state.foryou


def get_keyword_sort(state: StateDep) -> KeywordSort:
    return state.keyword_sort


def get_templates(state: StateDep) -> Jinja2Templates:
    return state.templates


def get_listings(state: StateDep) -> ListingService:
    return state.listings


ListingsDep = Annotated[ListingService, Depends(get_listings)]


def get_search(state: StateDep) -> SearchIndex:
    return state.search


SettingsDep = Annotated[Settings, Depends(get_settings)]
# "function" scope: the unit of work commits before the response is sent, so a reader is told
# 200 only for writes that were stored, and a commit the database refuses (it went away between
# the query and the commit) is a 503 from the error handlers, not a connection reset mid-response.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
ForYouDep = Annotated[ForYou, Depends(get_foryou)]
KeywordSortDep = Annotated[KeywordSort, Depends(get_keyword_sort)]
SearchDep = Annotated[SearchIndex, Depends(get_search)]
