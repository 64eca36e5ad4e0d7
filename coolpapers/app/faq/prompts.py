"""Prompt templates, one file per language, and the prompt version derived from their content.

The version is a hash of the template file: editing a prompt gives new rows, so answers written
under an old prompt are never mixed with new ones."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).parent / "prompts"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class UnknownLanguage(ValueError):
    """No prompt template exists for the language."""


@dataclass(frozen=True)
class PromptTemplate:
    language: str
    text: str

    @property
    def version(self) -> str:
        return f"{self.language}-{hashlib.sha256(self.text.encode()).hexdigest()[:12]}"

    def render(self, *, title: str, authors: list[str], text: str, input_kind: str) -> str:
        what = "full text" if input_kind == "full_text" else "title and abstract only"
        names = ", ".join(authors[:30]) + (" et al." if len(authors) > 30 else "")
        values = {"title": title, "authors": names, "text": text, "input": what}
        # One pass over the template: text from the paper containing "{{title}}" is never expanded.
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.text)


@cache
def prompt_for(language: str) -> PromptTemplate:
    path = PROMPTS_DIR / f"{language}.md"
    if not path.is_file():
        raise UnknownLanguage(f"no FAQ prompt for language {language!r} (add {path.name} to {PROMPTS_DIR})")
    return PromptTemplate(language, path.read_text(encoding="utf-8"))
