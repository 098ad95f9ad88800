"""The fixes that are certain, one per rule that has one: each reads the card, one of its findings
and the file's lines, and returns an `Edit` (or None when the fix would be a guess).

Lines are the file split on "\\n", so a line keeps its "\\r" (CRLF files stay CRLF). An edit
replaces lines `start .. end` (0-based, end excluded) by `new`; everything else stays as it was.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from registry.card import Card, Finding


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    new: tuple[str, ...]
    rule: str


Fix = Callable[[Card, Finding, list[str]], Edit | None]


def _ending(line: str) -> str:
    return "\r" if line.endswith("\r") else ""


def fix_front_matter_indent(card: Card, finding: Finding, lines: list[str]) -> Edit | None:
    """`type: cover` right below an empty `article_header:` is indented under it."""
    index = finding.line - 1
    if index < 1 or index >= len(lines):
        return None
    line, above = lines[index], lines[index - 1].rstrip("\r")
    if not line.startswith(f"{finding.field}:") or above.rstrip() != "article_header:":
        return None
    return Edit(index, index + 1, ("  " + line,), finding.rule)


SPARK_FROM_DOWNLOAD = re.compile(r"the download file says (\d+(?:\.\d+)*)$")
LANGUAGE_READ = re.compile(r"read '([a-z]{2,3}|xx)' from ")


def fix_required_field(card: Card, finding: Finding, lines: list[str]) -> Edit | None:
    """A missing `spark_version` or `language` that the download file name states is added
    (spark_version after the edition line, language after the name line, else at the end of the
    front matter)."""
    if finding.field == "spark_version":
        match, after = SPARK_FROM_DOWNLOAD.search(finding.message), card.lines.get("edition")
    elif finding.field == "language":
        match, after = LANGUAGE_READ.search(finding.message), card.lines.get("name")
        download = card.links.download.url.rsplit("/", 1)[-1] if card.links.download else ""
        if match and not download.startswith(f"{card.name}_{match.group(1)}_"):
            match = None  # only the language the download file name states is certain
    else:
        return None
    if match is None:
        return None
    closing = card.body_line - 2  # the `---` that ends the front matter
    if not (0 < closing < len(lines)) or lines[closing].rstrip("\r") != "---":
        return None
    at = after if after is not None and after - 1 < closing else closing
    if at != closing and lines[at - 1].rstrip("\r").endswith(("|", ">", ":")):
        at = closing  # a block value or a nested mapping follows: add the key at the end instead
    ending = _ending(lines[at - 1])
    return Edit(at, at, (f"{finding.field}: {match.group(1)}{ending}",), finding.rule)


S3_EXPECTED = re.compile(r"^use (s3://\S+)$")


def fix_s3_uri(card: Card, finding: Finding, lines: list[str]) -> Edit | None:
    """The Copy S3 URI link is rewritten to name the Download link's object."""
    match = S3_EXPECTED.match(finding.hint or "")
    s3 = card.links.s3
    if match is None or s3 is None or s3.line != finding.line:
        return None
    line = lines[finding.line - 1]
    if line.count(s3.url) != 1:
        return None
    return Edit(finding.line - 1, finding.line, (line.replace(s3.url, match.group(1)),), finding.rule)


def fix_indented_snippet(card: Card, finding: Finding, lines: list[str]) -> Edit | None:
    """The indentation common to every line of the code block is removed."""
    snippet = next((s for s in card.snippets if s.line == finding.line), None)
    if snippet is None:
        return None
    start = snippet.line - 1
    end = start + snippet.code.count("\n") + 1
    block = lines[start:end]
    endings = [_ending(line) for line in block]
    dedented = textwrap.dedent("\n".join(line.rstrip("\r") for line in block)).split("\n")
    if len(dedented) != len(block):
        return None
    new = tuple(text + ending for text, ending in zip(dedented, endings, strict=True))
    return None if list(new) == block else Edit(start, end, new, finding.rule)


FIXES: dict[str, Fix] = {
    "front-matter-indent": fix_front_matter_indent,
    "required-field": fix_required_field,
    "s3-uri": fix_s3_uri,
    "indented-snippet": fix_indented_snippet,
}
"""The rules that have a certain fix, by name."""
