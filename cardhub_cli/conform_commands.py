"""`cardhub conform [CARDS...]`: run each card's python and nlu snippets against its model,
sandboxed, and compare what they show with the card's Results block (runtime.conformance)."""

from __future__ import annotations

from pathlib import Path

import click

VERDICT_COLORS = {"pass": "green", "fail": "red", "error": "red", "skip": "yellow"}


def _allow(value: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [name for name in names if name not in ("fail", "error")]
    if unknown:
        raise click.BadParameter(
            f"{', '.join(unknown)}: --allow takes fail and/or error, e.g. --allow fail,error"
        )
    return names


@click.command()
@click.argument("cards", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write the JSON report here.")
@click.option("--junit", "junit_path", type=click.Path(path_type=Path), help="Write JUnit XML here.")
@click.option(
    "--timeout", type=float, default=120.0, show_default=True, help="Wall-clock seconds per snippet."
)
@click.option("--memory", "memory_mb", type=int, default=6144, show_default=True, help="MB per snippet.")
@click.option(
    "--atol", type=float, default=1e-4, show_default=True, help="Absolute tolerance on vector values."
)
@click.option(
    "--update", is_flag=True, help="Rewrite failing cards' Results blocks from what the snippets show."
)
@click.option("--jobs", "-j", type=int, default=2, show_default=True, help="Snippets run at the same time.")
@click.option("--allow", default="", help="Verdicts that do not fail the run: fail, error (comma-separated).")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures, errors and the summary.")
def conform(
    cards: tuple[Path, ...],
    json_path: Path | None,
    junit_path: Path | None,
    timeout: float,
    memory_mb: int,
    atol: float,
    update: bool,
    jobs: int,
    allow: str,
    quiet: bool,
) -> None:
    """Check that each card's code, run against its model, prints its Results.

    CARDS are card files or folders (default: the packaged cards). Verdicts: pass, fail (with a
    diff), error (at the card's file:line), skip (with the reason). Exit 1 on fail or error."""
    import registry
    from runtime.conformance.records import Limits
    from runtime.conformance.report import format_report, summary, write_json, write_junit
    from runtime.conformance.runner import ConformOptions, conform, exit_status

    allowed = _allow(allow)
    limits = Limits(wall_seconds=timeout, cpu_seconds=int(timeout * 2) + 5, memory_bytes=memory_mb << 20)
    options = ConformOptions(limits=limits, atol=atol, jobs=jobs, update=update)
    paths = list(cards) or [registry.packaged_cards_dir()]

    def show(report: object) -> None:
        from runtime.conformance.records import SnippetReport

        assert isinstance(report, SnippetReport)
        if quiet and report.verdict in ("pass", "skip"):
            return
        click.secho(format_report(report), fg=VERDICT_COLORS[report.verdict])

    reports = conform(paths, options, progress=show)
    counts = summary(reports)
    click.echo(", ".join(f"{count} {verdict}" for verdict, count in counts.items()) + f" (atol {atol:g})")
    if json_path:
        click.echo(f"JSON report: {write_json(reports, json_path, atol)}")
    if junit_path:
        click.echo(f"JUnit report: {write_junit(reports, junit_path)}")
    raise SystemExit(exit_status(reports, allowed))


def register(cli: click.Group) -> None:
    cli.add_command(conform)
