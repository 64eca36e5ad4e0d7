"""The FastAPI application factory: everything it needs comes in through Settings."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from coolpapers.app.queue.channels import FaqChannels
from coolpapers.app.settings import Settings, load_settings
from coolpapers.app.web.assets import served_static
from coolpapers.app.web.errors import install_error_handlers
from coolpapers.app.web.openapi import install_openapi
from coolpapers.app.web.routes import (
    atom,
    counters,
    faq,
    health,
    home,
    library,
    listings,
    listings_api,
    papers,
    profiles,
    search,
    status,
)
from coolpapers.app.web.security import CrossSiteGuard, SecurityHeaders
from coolpapers.app.web.state import AppState


def create_app(
    settings: Settings, faq_channels: FaqChannels | None = None, *, freeze_gc: bool = False
) -> FastAPI:
    """`faq_channels`: in embedded `serve --with-worker`, the worker's own, so both share one set of
    wake-ups, streams and counters; otherwise built here. The web holds no arXiv client.

    `freeze_gc` (the serving process, not the many apps of a test run): once started, everything
    alive moves out of the garbage collector's reach. The ~240,000 objects of the imported
    libraries made every full collection pause a request for ~100 ms (a For you ranking's p95
    went from 34 ms to 140 ms, bench/foryou_rank.py); they live as long as the process anyway."""
    core = AppState.build(settings, faq_channels)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(core.warm_up)
        if freeze_gc:
            gc.collect()
            gc.freeze()
        yield
        if core.faq is not None and faq_channels is None:
            await core.faq.channels.aclose()
        core.close()

    app = FastAPI(
        title="coolpapers",
        summary="Daily arXiv listings with an LLM-written FAQ for every paper",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.core = core
    app.add_middleware(CrossSiteGuard)
    app.add_middleware(SecurityHeaders, pdf_url=settings.arxiv_pdf_url)  # outermost: on the 403 too
    install_error_handlers(app)
    install_openapi(app, settings)
    served_static().mount(app)
    app.include_router(health.router)
    app.include_router(home.router)
    app.include_router(faq.router)
    # Before the papers router, whose /api/papers/{id:path} would take …/related as an id, and
    # before the listing router: /arxiv/search is not a category.
    app.include_router(search.router)
    app.include_router(papers.router)
    app.include_router(status.router)
    app.include_router(counters.router)
    app.include_router(library.router)
    app.include_router(profiles.router)
    # Before the listing router, which would read /arxiv/{cats}/feed as a category list.
    app.include_router(atom.router)
    # Last: its /arxiv/{spec} catch-all must not shadow other /arxiv/... routes (search, feeds).
    app.include_router(listings_api.router)
    app.include_router(listings.router)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` and multi-worker serving: settings from the environment."""
    return create_app(load_settings(), freeze_gc=True)
