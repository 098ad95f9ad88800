"""Card text to safe HTML: Markdown through markdown-it-py, code through pygments, and every
piece of card-supplied HTML through an allowlist sanitizer (nh3), because cards are untrusted.

The renderers are built lazily, once per process, so that importing this module stays cheap."""

from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import nh3
    from markdown_it import MarkdownIt

# Tags a card's Markdown may produce. No img (external images would break the CSP and leak
# visits), no forms, no media, no style.
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
        "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "small", "span", "strong",
        "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "abbr": {"title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Headings inside a card section sit below the page's own h1/h2.
_HEADING = re.compile(r"<(/?)h([1-6])>")
# The registry gives header-less tables an empty header row; an empty header helps nobody.
_EMPTY_THEAD = re.compile(r"<thead>\s*<tr>\s*(?:<th(?: [^>]*)?>\s*</th>\s*)+</tr>\s*</thead>\s*")


@functools.cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    return md


@functools.cache
def _cleaner() -> nh3.Cleaner:
    import nh3

    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "template", "iframe", "object", "noscript", "textarea"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def sanitize(html: str) -> str:
    """Keeps only allowlisted tags, attributes and URL schemes: no script, no event handler,
    no `javascript:` URL survives."""
    return _cleaner().clean(html)


def _shift_headings(html: str) -> str:
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, max(3, int(m.group(2)) + 1))}>", html)


@functools.lru_cache(maxsize=4096)
def markdown_to_html(markdown: str) -> str:
    """CommonMark (+ tables) to sanitized HTML; card headings are demoted below the page's."""
    if not markdown.strip():
        return ""
    return sanitize(_EMPTY_THEAD.sub("", _shift_headings(_markdown().render(markdown))))


PYGMENTS_LEXERS = {"python": "python", "scala": "scala", "nlu": "python", "bash": "text", "other": "text"}
# Stands in for the model's name while highlighting: cards of one family share their snippets
# except for the name, so highlighting the name-free text once serves the whole family. Letters
# only, so that it lexes like the name does (inside a string or as an identifier).
NAME_PLACEHOLDER = "Zqxcardhubnamezqx"


@functools.cache
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name

    return get_lexer_by_name(PYGMENTS_LEXERS.get(language, "text"), stripnl=False, ensurenl=False)


@functools.cache
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


_disk_cache: Path | None = None


def use_highlight_cache(folder: Path | None) -> None:
    """Keep highlighted snippets in `folder` across builds: a rebuild then loads no lexer at all
    (building pygments' Python and Scala lexers alone takes about half a second)."""
    global _disk_cache
    _disk_cache = folder
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)


@functools.lru_cache(maxsize=8192)
def _highlight_cached(code: str, language: str) -> str:
    from pygments import highlight as pyg_highlight

    cached = None
    if _disk_cache is not None:
        key = hashlib.blake2b(f"{language}\0{code}".encode(), digest_size=16).hexdigest()
        cached = _disk_cache / f"{key}.frag"
        if cached.is_file():
            return cached.read_text(encoding="utf-8")
    html = pyg_highlight(code, _lexer(language), _formatter()).rstrip("\n")
    if cached is not None:
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, cached)  # workers may race on one snippet: each rename is whole
    return html


def highlight(code: str, language: str, name: str | None = None) -> str:
    """Code to HTML spans with pygments classes (escaped by pygments, so card code stays text).

    With `name`, the name is swapped for a placeholder before highlighting and back after, so
    that a family of cards that differ only by model name is highlighted once."""
    if not name or NAME_PLACEHOLDER in code or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        return _highlight_cached(code, language)
    html = _highlight_cached(code.replace(name, NAME_PLACEHOLDER), language)
    return html.replace(NAME_PLACEHOLDER, name)


def pygments_css(light_style: str = "default", dark_style: str = "github-dark") -> str:
    """Highlighting CSS for light and dark (prefers-color-scheme), scoped to `.hl`."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style=light_style).get_style_defs(".hl")
    dark = HtmlFormatter(style=dark_style).get_style_defs(".hl")
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
