"""`cardhub pull NAME`, `cardhub cache list|rm|verify`: thin shells over runtime.artifacts."""

from __future__ import annotations

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


@click.group()
def cache() -> None:
    """Inspect and manage the model cache (CARDHUB_CACHE)."""


@cache.command("list")
def cache_list() -> None:
    """Cached models: key, size of the download, model, URL; incomplete folders are flagged."""
    from runtime.artifacts.cache import ModelCache
    from runtime.config import Settings

    store = ModelCache(Settings.from_env().cache_dir)
    click.echo(f"cache: {store.root}")
    for entry in store.entries():
        click.echo(f"{entry.key}\t{entry.archive_size / 1e6:.1f} MB\t{entry.model}\t{entry.url}")
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
    """Adds `pull` and the `cache` group to `cli`."""
    cli.add_command(pull)
    cli.add_command(cache)
