"""`cardhub validate`, `list`, `show` and `schema`: the registry from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from registry.card import Card, Finding
    from registry.store import Registry


def default_cards_dir() -> Path:
    """`./cards` when run from a checkout, else the cards installed with cardhub."""
    local = Path("cards")
    if local.is_dir():
        return local
    from registry import packaged_cards_dir

    return packaged_cards_dir()


def existing_paths(paths: tuple[str, ...]) -> tuple[str | Path, ...]:
    """The paths given (default: the cards folder); a usage error names any that do not exist."""
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise click.BadParameter(f"no such file or folder: {', '.join(missing)}", param_hint="PATHS")
    return paths or (default_cards_dir(),)


def open_registry(paths: tuple[str, ...]) -> Registry:
    """The cards under `paths`, their findings as `cardhub validate` reports them (inline
    suppressions, and the configuration found from the current folder upwards)."""
    from registry.config import load_config
    from registry.errors import ConfigError
    from registry.store import Registry

    try:
        config = load_config()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    return Registry.from_paths(existing_paths(paths)).settled(config)


def github_annotation(finding: Finding) -> str:
    """A GitHub Actions workflow command; its data must escape %, CR and LF."""

    def escape(text: str, extra: str = "") -> str:
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        for char, code in (("::", "%3A%3A"), (",", "%2C")) if extra else ():
            text = text.replace(char, code)
        return text

    message = finding.message + (f" (hint: {finding.hint})" if finding.hint else "")
    level = "notice" if finding.severity == "info" else finding.severity
    return (
        f"::{level} file={escape(finding.path, 'p')},line={max(finding.line, 1)},"
        f"title={escape(f'{finding.code} {finding.rule}: {finding.field}', 'p')}::{escape(message)}"
    )


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github", "sarif", "junit"]),
    default="text",
    show_default=True,
    help="github: workflow annotations (::error file=...,line=...::); sarif: SARIF 2.1.0 for "
    "code scanning; junit: JUnit XML, one test case per card.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False),
    help="cardhub.toml or pyproject.toml (default: the nearest one with cardhub's settings).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    envvar="CARDHUB_CACHE_DIR",
    default=".cardhub_cache",
    show_default=True,
    help="Where results per card are kept between runs of folders (safe to delete; env CARDHUB_CACHE_DIR).",
)
@click.option("--no-cache", is_flag=True, help="Validate every card afresh; read and write no cache.")
@click.option("--fix", is_flag=True, help="Apply the certain fixes, print their diff, then validate.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the certain fixes as a diff; write nothing.")
def validate(
    paths: tuple[str, ...],
    strict: bool,
    output_format: str,
    config_path: str | None,
    cache_dir: str,
    no_cache: bool,
    fix: bool,
    show_diff: bool,
) -> None:
    """Validate cards (files or folders; default: ./cards). Exit 1 on errors (and, with
    --strict, on warnings); every problem of every card is reported. Rules are chosen in
    [tool.cardhub] (pyproject.toml) or cardhub.toml; see docs/rules.md."""
    from registry.card import format_row
    from registry.config import load_config
    from registry.errors import ConfigError
    from registry.store import card_files, validate_paths

    try:
        config = load_config(Path(config_path) if config_path else None)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    cards = card_files(existing_paths(paths))
    if fix or show_diff:
        pending = apply_fixes(cards, config, write=fix)
        if show_diff:
            sys.exit(1 if pending else 0)
    # Findings only: the CI gate needs no card records, so none is kept or sent between processes.
    cache = None
    roots = existing_paths(paths)
    # Folders only: a run on a few files (a pre-commit hook's changed cards) gains nothing from
    # a cache, and each new set of files would leave one more behind.
    if not no_cache and all(Path(root).is_dir() for root in roots):
        from registry.cache import ValidationCache

        cache = ValidationCache(cache_dir, [str(root) for root in roots])
    validation = validate_paths(cards, config=config, cache=cache)
    errors, warnings = validation.count("error"), validation.count("warning")
    if output_format in ("sarif", "junit"):
        from cardhub_cli.validate_formats import junit, sarif

        findings = validation.findings
        click.echo(sarif(findings) if output_format == "sarif" else junit(cards, findings, strict))
    elif output_format == "json":
        click.echo(
            json.dumps(
                {
                    "cards": validation.cards,
                    "errors": errors,
                    "warnings": warnings,
                    "findings": [{**f.model_dump(), "code": f.code} for f in validation.findings],
                },
                indent=2,
            )
        )
    else:
        # One write: `click.echo` per line costs more than the whole warm validation.
        if output_format == "github":
            lines = [github_annotation(finding) for finding in validation.findings]
        else:
            lines = [format_row(row) for row in validation.rows]
        if lines:
            click.echo("\n".join(lines))
        summary = f"{validation.cards} cards: {errors} errors, {warnings} warnings"
        click.echo(summary, err=output_format == "github")
    if errors or (strict and warnings):
        sys.exit(1)


def apply_fixes(cards: list[str], config: object, write: bool) -> int:
    """Prints the unified diff of every card's certain fixes (to stderr when they are written, so
    that stdout stays the findings); writes them with `write`. Returns how many cards change."""
    from registry.config import Config
    from registry.fix import fix_card

    changed = 0
    for path in cards:
        try:
            fixed = fix_card(path, config if isinstance(config, Config) else None)
        except (OSError, UnicodeDecodeError):
            continue  # unreadable: validation reports it
        if not fixed.changed:
            continue
        changed += 1
        click.echo(fixed.diff(), nl=False, err=write)
        if write:
            Path(path).write_bytes(fixed.after.encode("utf-8"))
    if write and changed:
        click.echo(f"fixed {changed} card(s)", err=True)
    return changed


@click.command(name="list")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--task")
@click.option("--language", "--lang", "language")
@click.option("--annotator")
@click.option("--edition", help="Product, e.g. 'Spark NLP' or 'Healthcare NLP'.")
@click.option("--engine")
@click.option("--supported/--unsupported", default=None)
@click.option("--search", "text", help="Full-text search instead of listing everything.")
@click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def list_cards(
    paths: tuple[str, ...],
    task: str | None,
    language: str | None,
    annotator: str | None,
    edition: str | None,
    engine: str | None,
    supported: bool | None,
    text: str | None,
    output_format: str,
) -> None:
    """List models (every version), filtered."""
    registry = open_registry(paths)
    filters = {
        key: value
        for key, value in {
            "task": task,
            "language": language,
            "annotator": annotator,
            "edition": edition,
            "engine": engine,
            "supported": supported,
        }.items()
        if value is not None
    }
    cards = registry.search(text) if text else registry.list()
    wanted = {id(card) for card in registry.list(**filters)}
    cards = [card for card in cards if id(card) in wanted]
    if output_format == "json":
        click.echo(json.dumps([card_summary(card) for card in cards], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(cards)} models")
    for column in ("name", "lang", "version", "task", "annotator", "engine", "date", "findings"):
        table.add_column(column)
    for card in cards:
        table.add_row(
            card.name,
            card.language,
            card.version or "",
            card.task or "",
            card.annotator or "",
            card.engine or "",
            str(card.date or ""),
            _finding_counts(card),
        )
    Console().print(table)


def _finding_counts(card: Card) -> str:
    errors, warnings = len(card.errors), len(card.warnings)
    return ", ".join(
        part
        for part in (f"{errors} errors" if errors else "", f"{warnings} warnings" if warnings else "")
        if part
    )


def card_summary(card: Card) -> dict[str, object]:
    return {
        "name": card.name,
        "language": card.language,
        "version": card.version,
        "task": card.task,
        "annotator": card.annotator,
        "engine": card.engine,
        "date": str(card.date or ""),
        "path": card.path,
        "errors": len(card.errors),
        "warnings": len(card.warnings),
    }


@click.command()
@click.argument("name")
@click.option("--lang", default="en", show_default=True)
@click.option("--version", "library_version", help="Your Spark NLP version: the newest compatible card.")
@click.option("--cards", "cards_path", type=click.Path(exists=True), help="Cards folder (default: ./cards).")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def show(
    name: str, lang: str, library_version: str | None, cards_path: str | None, output_format: str
) -> None:
    """Show the card `pretrained(NAME, LANG)` resolves to."""
    from registry.errors import ModelNotFoundError

    registry = open_registry((cards_path,) if cards_path else ())
    try:
        card = registry.get(name, lang, library_version)
    except ModelNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    if output_format == "json":
        click.echo(card.model_dump_json(indent=2))
        return
    info = card.model_information
    rows = [
        ("name", f"{card.name} ({card.language})"),
        ("title", card.title),
        ("file", card.path),
        ("edition", card.edition.raw if card.edition else ""),
        ("spark", ", ".join(card.spark_versions)),
        ("date", str(card.date or "")),
        ("task", ", ".join(card.tasks)),
        ("annotator", (card.annotator or "") + (" (inferred)" if card.annotator_inferred else "")),
        (
            "engine",
            (card.engine or "")
            + (f" (from {card.engine_source})" if card.engine_source not in ("front_matter", "none") else ""),
        ),
        ("download", card.links.download.url if card.links.download else ""),
        ("s3", card.links.s3.url if card.links.s3 else ""),
        ("nlu", card.nlu_reference or ""),
        ("dimension", str(info.dimension) if info and info.dimension else ""),
        ("case sensitive", str(info.case_sensitive) if info and info.case_sensitive is not None else ""),
        ("versions", ", ".join(c.artifact or c.path for c in registry.versions(card.name, card.language))),
    ]
    for label, value in rows:
        if value:
            click.echo(f"{label:>15}: {value}")
    for finding in card.findings:
        click.echo(finding.format())


@click.command()
def schema() -> None:
    """Print the JSON Schema of the card record."""
    from registry.card import Card

    click.echo(json.dumps(Card.model_json_schema(mode="serialization"), indent=2))


@click.command()
@click.argument("model", type=click.Path(exists=True, path_type=Path))
@click.option("--name", required=True, help="The name pretrained() takes, without the language.")
@click.option("--lang", "language", default="en", show_default=True)
@click.option("--edition", default="Spark NLP 5.0.0", show_default=True)
@click.option("--spark", "spark_version", default="3.0", show_default=True, help="The card's spark_version.")
@click.option("--task", default="Embeddings", show_default=True)
@click.option("--annotator", help="Needed for a HuggingFace-style folder (a Spark NLP folder names its own).")
@click.option("--title")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("cards"),
    show_default=True,
)
@click.option("--force", is_flag=True, help="Overwrite an existing card file.")
def new(
    model: Path,
    name: str,
    language: str,
    edition: str,
    spark_version: str,
    task: str,
    annotator: str | None,
    title: str | None,
    out_dir: Path,
    force: bool,
) -> None:
    """Write a card for MODEL (a Spark NLP model folder or zip, or a HuggingFace-style ONNX
    folder), in the upstream layout, filled from the model's metadata; it passes validation."""
    from registry.errors import RegistryError
    from registry.new_card import new_card

    try:
        card = new_card(
            model,
            name=name,
            language=language,
            edition=edition,
            spark_version=spark_version,
            task=task,
            annotator=annotator,
            title=title,
        )
    except (RegistryError, ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    target = out_dir / card.file_name
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists (give --force to overwrite it)")
    out_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(card.text, encoding="utf-8")
    click.echo(f"wrote {target} ({card.annotator}, artifact {card.artifact}.zip)")


def register(cli: click.Group) -> None:
    for command in (validate, list_cards, show, schema, new):
        cli.add_command(command)
