"""Markdown (with $…$ / $$…$$ math) → sanitized HTML.

Raw HTML in the model's answer is escaped by the parser, and the result goes through an
allow-list sanitizer as well, so nothing the model writes can inject script or markup. Math is
emitted as `<span class="math inline">` / `<div class="math block">` holding escaped TeX, which
the page typesets offline."""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
    "div",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
ALLOWED_CLASSES = {"span": {"math", "inline", "block"}, "div": {"math", "block"}}


def _math_inline(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    return f'<span class="math inline">{html.escape(tokens[idx].content)}</span>'


def _math_display_in_text(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    # $$…$$ inside a paragraph: displayed, but a <div> may not sit inside a <p>.
    return f'<span class="math block">{html.escape(tokens[idx].content.strip())}</span>'


def _math_block(_self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any) -> str:
    return f'<div class="math block">{html.escape(tokens[idx].content.strip())}</div>\n'


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")
    md.use(dollarmath_plugin, allow_labels=False, allow_space=True, allow_digits=False, double_inline=True)
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_inline_double", _math_display_in_text)
    md.add_render_rule("math_block", _math_block)
    return md


def render_markdown(markdown: str) -> str:
    raw = _parser().render(markdown)
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer nofollow",
    )
