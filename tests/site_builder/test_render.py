from __future__ import annotations

import pytest

from site_builder.render import highlight, markdown_to_html, pygments_css, sanitize

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://example.com"></iframe>',
    '<div style="background:url(javascript:alert(1))" onmouseover="alert(1)">x</div>',
    '<details open ontoggle="alert(1)"><summary>s</summary></details>',
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
]


@pytest.mark.parametrize("html", HOSTILE)
def test_sanitize_drops_scripts_handlers_and_script_urls(html: str) -> None:
    clean = sanitize(html).lower()
    assert "<script" not in clean
    assert "javascript:" not in clean
    assert "data:" not in clean
    assert " on" not in clean.replace(" only", "")  # no event-handler attribute
    assert "<iframe" not in clean and "<form" not in clean and "style=" not in clean


def test_sanitize_keeps_ordinary_markup_and_marks_links() -> None:
    clean = sanitize('<p>Hi <a href="https://arxiv.org/abs/1">paper</a> <strong>now</strong></p>')
    assert '<a href="https://arxiv.org/abs/1" rel="noopener noreferrer nofollow">paper</a>' in clean
    assert "<strong>now</strong>" in clean


def test_markdown_renders_tables_links_and_demotes_headings() -> None:
    html = markdown_to_html("# Big\n\n## Small\n\n| | |\n|---|---|\n|Dimension:|768|\n\n[x](https://a.b/c)")
    assert "<h3>Big</h3>" in html and "<h3>Small</h3>" in html and "<h1>" not in html
    assert "<table>" in html and "<td>Dimension:</td>" in html and "<td>768</td>" in html
    assert "<thead>" not in html  # the empty header row the registry adds is dropped
    assert '<a href="https://a.b/c"' in html


def test_markdown_markdown_links_with_script_urls_are_not_links() -> None:
    html = markdown_to_html("[x](javascript:alert(1)) and <script>alert(2)</script> text")
    assert "href" not in html and "<script" not in html and "alert(2)" not in html
    assert "[x](javascript:alert(1))" in html  # CommonMark refuses the link: it stays inert text


def test_markdown_of_blank_text_is_empty() -> None:
    assert markdown_to_html("  \n ") == ""


def test_highlight_escapes_code_and_adds_token_classes() -> None:
    html = highlight('x = "</code><script>alert(1)</script>"\n', "python")
    assert "<script" not in html and "&lt;/code&gt;&lt;script&gt;" in html
    assert '<span class="n">x</span>' in html


def test_highlight_of_unknown_language_is_plain_escaped_text() -> None:
    assert highlight("a < b", "other") == "a &lt; b"


def test_pygments_css_has_light_and_dark_rules() -> None:
    css = pygments_css()
    assert ".hl .k" in css and "@media (prefers-color-scheme: dark)" in css
