"""The OpenAPI schema, made exact for this instance's settings."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from coolpapers.app.settings import Settings


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Document `lang` as the languages this instance offers (COOLPAPERS_FAQ_LANGUAGES), so the
    schema says exactly which values are accepted instead of any string."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    for param in operation.get("parameters", []):
                        if param.get("name") == "lang" and param.get("in") == "query":
                            param["schema"]["enum"] = list(settings.faq_languages)
                            param["schema"]["default"] = settings.faq_languages[0]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
