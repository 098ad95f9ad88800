"""mkdocs hook: fills the generated parts of the docs at build time, so that they never drift
from the code: `<!-- card-schema -->` becomes the card record's fields from the registry's JSON
Schema, `<!-- cli-reference -->` the help of every `cardhub` command."""

from __future__ import annotations

from typing import Any

import click


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if "<!-- card-schema -->" in markdown:
        markdown = markdown.replace("<!-- card-schema -->", card_schema_markdown())
    if "<!-- cli-reference -->" in markdown:
        markdown = markdown.replace("<!-- cli-reference -->", cli_reference_markdown())
    return markdown


def _type_of(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in spec:
        return " or ".join(_type_of(option) for option in spec["anyOf"])
    if "enum" in spec:
        return " / ".join(f"`{value}`" for value in spec["enum"])
    if spec.get("type") == "array":
        return f"list of {_type_of(spec.get('items', {}))}"
    if spec.get("type") == "object":
        extra = spec.get("additionalProperties")
        return f"map to {_type_of(extra)}" if isinstance(extra, dict) and extra else "map"
    if "const" in spec:
        return f"`{spec['const']}`"
    return str(spec.get("format") or spec.get("type") or "any")


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _fields_table(schema: dict[str, Any]) -> str:
    required = set(schema.get("required", []))
    lines = ["| Field | Type | Required | Description |", "|---|---|---|---|"]
    for name, spec in schema.get("properties", {}).items():
        description = _cell(spec.get("description", ""))
        yes = "yes" if name in required else ""
        lines.append(f"| `{name}` | {_type_of(spec)} | {yes} | {description} |")
    return "\n".join(lines)


def card_schema_markdown() -> str:
    from registry.card import Card

    schema = Card.model_json_schema(mode="serialization")
    parts = ["## Card", "", _cell(schema.get("description", "")), "", _fields_table(schema), ""]
    for name, definition in sorted(schema.get("$defs", {}).items()):
        description = _cell(definition.get("description", ""))
        parts += [f"## {name}", "", description, "", _fields_table(definition), ""]
    return "\n".join(parts)


def cli_reference_markdown() -> str:
    from cardhub_cli.main import cli

    parts = []
    for name in sorted(cli.commands):
        command = cli.commands[name]
        with click.Context(command, info_name=f"cardhub {name}") as ctx:
            help_text = command.get_help(ctx)
        parts += [f"## cardhub {name}", "", "```text", help_text, "```", ""]
    return "\n".join(parts)
