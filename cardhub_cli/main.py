"""The `cardhub` command: a thin shell over the registry, site_builder and runtime packages.

Each command group lives in its own module and adds itself to the group with `register`."""

from __future__ import annotations

import click

from cardhub_cli import artifact_commands, conform_commands, embed_commands, registry_commands, site_commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cardhub")
def cli() -> None:
    """Model cards in, a validated registry, a static catalog and an embedding runtime out."""


for _module in (registry_commands, site_commands, artifact_commands, embed_commands, conform_commands):
    _module.register(cli)
