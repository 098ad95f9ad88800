"""`cardhub pull NAME`, `cardhub convert NAME`, `cardhub cache list|rm|verify`: thin shells over
runtime.artifacts and runtime.tensorflow."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from runtime.artifacts.cache import ModelCache


@click.command()
@click.argument("name")
@click.option("--lang", default="en", show_default=True, help="Language of the model card.")
@click.option("--url", default=None, help="Download from this URL instead of the card's link.")
@click.option("--sha256", default=None, help="Expected sha256 of the downloaded zip.")
def pull(name: str, lang: str, url: str | None, sha256: str | None) -> None:
    """Download NAME into the cache (verified, unpacked) and print its folder."""
    import registry
    from runtime.artifacts import fetch
    from runtime.config import Settings
    from runtime.errors import RuntimeErrorBase

    try:
        card = registry.get(name, lang)
        folder = fetch(card, settings=Settings.from_env(), url=url, sha256=sha256)
    except (RuntimeErrorBase, LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(folder))


@click.command()
@click.argument("name")
@click.option("--lang", default="en", show_default=True, help="Language of the model card.")
@click.option("--version", default=None, help="Library version to resolve the card for (default: newest).")
def convert(name: str, lang: str, version: str | None) -> None:
    """Convert NAME's TensorFlow model to ONNX in the cache now (needs `pip install 'cardhub[tf]'`),
    e.g. to fill a cache or a mirror for machines without TensorFlow. Prints the ONNX file."""
    import registry
    from runtime.artifacts import fetch
    from runtime.artifacts.sparknlp_folder import TENSORFLOW_CONTAINERS, read_vocabulary
    from runtime.config import Settings
    from runtime.errors import RuntimeErrorBase
    from runtime.tensorflow import conversion_record, converted_onnx, ensure_converted

    try:
        card = registry.get(name, lang, version)
        folder = fetch(card, settings=Settings.from_env())
        container = next((c for c in TENSORFLOW_CONTAINERS if (folder / c).is_file()), None)
        if container is None:
            click.echo(
                f"{card.name} ({card.language}) is not a TensorFlow model; nothing to convert: {folder}"
            )
            return
        if converted_onnx(folder, container) is not None:
            click.echo(f"already converted: {converted_onnx(folder, container)}")
            return
        label = f"model {card.name} ({card.language})"
        onnx = ensure_converted(
            folder, container, label=label, vocab_size=len(read_vocabulary(folder)), card=card
        )
    except (RuntimeErrorBase, LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    record = conversion_record(folder, container)
    if record is not None:
        click.echo(
            f"converted in {record.seconds:.1f} s ({record.layout}; {record.converter} "
            f"{record.converter_version}, TensorFlow {record.tensorflow_version}, max |ONNX - TF| "
            f"{record.max_abs_diff:.1e}): {onnx}"
        )


def _engine_column(folder: Path) -> str:
    """What model file a cached folder holds, and whether a TensorFlow one is converted."""
    from runtime.artifacts.sparknlp_folder import ONNX_CONTAINERS, TENSORFLOW_CONTAINERS
    from runtime.tensorflow import converted_onnx

    if any((folder / c).is_file() for c in ONNX_CONTAINERS):
        return "onnx"
    for container in TENSORFLOW_CONTAINERS:
        if (folder / container).is_file():
            if converted_onnx(folder, container) is not None:
                return "tensorflow, converted to onnx"
            return "tensorflow, not converted (`cardhub convert`)"
    return "-"


@click.group()
def cache() -> None:
    """Inspect and manage the model cache (CARDHUB_CACHE)."""


@cache.command("list")
def cache_list() -> None:
    """Cached models: key, size of the download, engine (and whether a TensorFlow model is
    converted), model, URL; incomplete folders are flagged."""
    from runtime.artifacts.cache import ModelCache
    from runtime.config import Settings

    store = ModelCache(Settings.from_env().cache_dir)
    click.echo(f"cache: {store.root}")
    for entry in store.entries():
        engine = _engine_column(store.folder(entry.key))
        click.echo(f"{entry.key}\t{entry.archive_size / 1e6:.1f} MB\t{engine}\t{entry.model}\t{entry.url}")
    for folder in store.incomplete():
        click.echo(f"{folder.name}\tINCOMPLETE (never used; remove with `cardhub cache rm {folder.name}`)")


def _matching_keys(store: ModelCache, name: str) -> list[str]:
    """A key matches itself; a model name matches its `<name>_<lang>_...` keys."""
    keys = [e.key for e in store.entries()] + [p.name for p in store.incomplete()]
    return [k for k in keys if k == name or k.startswith(name + "_")]


@cache.command("rm")
@click.argument("name")
def cache_rm(name: str) -> None:
    """Remove NAME (a cache key, or a model name: every cached version of it)."""
    from runtime.artifacts.cache import ModelCache
    from runtime.config import Settings

    store = ModelCache(Settings.from_env().cache_dir)
    keys = _matching_keys(store, name)
    if not keys:
        raise click.ClickException(f"{name}: not in the cache at {store.root} (see `cardhub cache list`)")
    for key in keys:
        store.remove(key)
        click.echo(f"removed {key}")


@cache.command("verify")
def cache_verify() -> None:
    """Re-hash every cached file against the manifest written at download; exit 1 on damage."""
    from runtime.artifacts.cache import ModelCache
    from runtime.config import Settings

    store = ModelCache(Settings.from_env().cache_dir)
    damaged = 0
    for entry in store.entries():
        problems = store.verify(entry.key)
        damaged += bool(problems)
        click.echo(f"{entry.key}: {'ok' if not problems else 'DAMAGED'}")
        for problem in problems:
            click.echo(f"  {problem}")
    if damaged:
        raise click.ClickException(
            f"{damaged} cached model(s) damaged; `cardhub cache rm NAME` then pull again"
        )


def register(cli: click.Group) -> None:
    """Adds `pull`, `convert` and the `cache` group to `cli`."""
    cli.add_command(pull)
    cli.add_command(convert)
    cli.add_command(cache)
