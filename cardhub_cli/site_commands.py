"""`cardhub build` and `cardhub serve`: the static catalog."""

from __future__ import annotations

from pathlib import Path

import click


def register(cli: click.Group) -> None:
    """Adds this module's commands to `cli`."""
    cli.add_command(build)
    cli.add_command(serve)


@click.command()
@click.argument("cards", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", "out", default="site", show_default=True, type=click.Path(path_type=Path),
              help="Folder to write the site into (kept between builds for fast rebuilds).")
@click.option("--base-url", default="http://127.0.0.1:8000/", show_default=True,
              help="Public address of the site, used in sitemap.xml.")
@click.option("--full", is_flag=True, help="Ignore the previous build and rebuild everything.")
@click.option("--workers", type=int, default=None, help="Processes to render with (default: every core).")
@click.option("--previews", is_flag=True,
              help="On embeddings pages whose model is in the runtime's cache: a heat-map of probe sentences "
                   "(nothing is downloaded).")
@click.option("--conformance", "conformance", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A `cardhub conform --json` report: each card it covers gets its verdict (badge, facet, "
                   "API) and the site a report page, conformance.html.")
def build(
    cards: Path | None, out: Path, base_url: str, full: bool, workers: int | None, previews: bool,
    conformance: Path | None,
) -> None:
    """Render the cards in CARDS (default: the packaged cards) into a static catalog."""
    from site_builder.build import build_site
    from site_builder.errors import SiteError

    if cards is None:
        import registry

        cards = registry.packaged_cards_dir()
    try:
        report = build_site(cards, out, base_url=base_url, workers=workers, incremental=not full,
                            previews=previews, conformance=conformance)
    except SiteError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(report.summary())
    click.echo(f"open {(out / 'index.html').resolve().as_uri()} or run: cardhub serve {out}")


@click.command()
@click.argument("site_dir", default="site", type=click.Path(path_type=Path))
@click.option("--port", default=8000, show_default=True, type=int,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--verbose", is_flag=True, help="Log every request.")
@click.option("--no-try", is_flag=True,
              help="Do not answer the model pages' try-it panels (static files only).")
def serve(site_dir: Path, port: int, verbose: bool, no_try: bool) -> None:
    """Serve the built site in SITE_DIR (default: site) on 127.0.0.1 for local browsing; model
    pages of embeddings models get a try-it panel computed by the runtime (models are pulled
    into the runtime's cache on first use)."""
    from site_builder.errors import SiteError
    from site_builder.serve import make_server

    try:
        server = make_server(site_dir, port, verbose, try_it=not no_try)
    except (SiteError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    bound = server.server_address[1]
    click.echo(f"serving {site_dir} at http://127.0.0.1:{bound}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
