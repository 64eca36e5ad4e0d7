"""Output schemas of the FAQ API (ORM rows never reach JSON)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from coolpapers.app.faq.request import FaqView

RequestStatus = Literal["pending", "running", "done", "failed", "unconfigured"]
FaqStatus = Literal["absent", "pending", "running", "done", "failed", "unconfigured"]


class FaqRequested(BaseModel):
    status: RequestStatus
    position: int | None = Field(description="Place in the queue; 0 = being generated; null otherwise")
    message: str | None = Field(description="Human-readable explanation for unconfigured or failed")


class FaqUsage(BaseModel):
    prompt_tokens: int | None
    completion_tokens: int | None


class FaqOut(BaseModel):
    status: FaqStatus
    markdown: str | None
    html: str | None = Field(description="The Markdown rendered to sanitized HTML (math as .math elements)")
    model: str | None
    prompt_version: str | None
    input: Literal["full_text", "abstract"] | None = Field(description="What the model read")
    usage: FaqUsage
    created_at: dt.datetime | None
    error: str | None
    position: int | None
    message: str | None


def requested_out(view: FaqView) -> FaqRequested:
    status = "pending" if view.status == "absent" else view.status
    return FaqRequested(status=status, position=view.position, message=view.message)


def faq_out(view: FaqView) -> FaqOut:
    return FaqOut(
        status=view.status,
        markdown=view.markdown,
        html=view.html,
        model=view.model,
        prompt_version=view.prompt_version,
        input=view.input,
        usage=FaqUsage(prompt_tokens=view.prompt_tokens, completion_tokens=view.completion_tokens),
        created_at=view.created_at,
        error=view.error,
        position=view.position,
        message=view.message,
    )
