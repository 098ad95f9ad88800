"""`cardhub embed NAME [TEXT...] [--input F] [--output F]`: vectors from the command line.

Input: TEXT arguments, or --input with a .txt (one text per line), .jsonl (a JSON string or an
object with a "text" field per line) or .csv (a "text" column, else the first one). Output by
the --output suffix: .npy (sentence models), .parquet or .jsonl; JSON lines on stdout without it.
Everything streams, so a file of any size runs in flat memory.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

if TYPE_CHECKING:
    import numpy as np

    from runtime.models import EmbeddingModel

INPUT_SUFFIXES = (".txt", ".jsonl", ".csv")
OUTPUT_SUFFIXES = (".npy", ".parquet", ".jsonl")


def read_texts(path: Path, column: str) -> Iterator[str]:
    """Texts from a .txt, .jsonl or .csv file, one at a time."""
    suffix = path.suffix.lower()
    with path.open(encoding="utf-8", newline="" if suffix == ".csv" else None) as handle:
        if suffix == ".csv":
            reader = csv.DictReader(handle)
            field = column if reader.fieldnames and column in reader.fieldnames else None
            if field is None and reader.fieldnames:
                field = reader.fieldnames[0]
            for row in reader:
                yield row.get(field or "", "") or ""
            return
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n").rstrip("\r")
            if suffix == ".txt":
                yield line
            elif line.strip():
                yield _jsonl_text(line, column, f"{path}:{number}")


def _jsonl_text(line: str, column: str, where: str) -> str:
    try:
        value = json.loads(line)
    except ValueError as error:
        raise click.ClickException(f"{where}: not JSON ({error})") from error
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get(column), str):
        return str(value[column])
    raise click.ClickException(f'{where}: expected a JSON string or an object with a "{column}" string field')


def count_texts(path: Path, column: str) -> int:
    return sum(1 for _ in read_texts(path, column))


class Writer:
    """Writes one block of results at a time to the chosen format."""

    def __init__(self, path: Path | None, level: str, total: int) -> None:
        self.path, self.level, self.total = path, level, total
        self.suffix = path.suffix.lower() if path else ".jsonl"
        self._array: Any = None
        self._parquet: Any = None
        self._written = 0
        self._stream: TextIO = sys.stdout
        if path is not None and self.suffix == ".jsonl":
            self._stream = path.open("w", encoding="utf-8")

    def sentences(self, texts: list[str], vectors: np.ndarray) -> None:
        if self.suffix == ".npy":
            if self._array is None:
                from numpy.lib.format import open_memmap

                assert self.path is not None
                self._array = open_memmap(
                    self.path, mode="w+", dtype="float32", shape=(self.total, vectors.shape[1])
                )
            self._array[self._written : self._written + len(vectors)] = vectors
        elif self.suffix == ".parquet":
            self._parquet_block({"text": texts, "embedding": [v.tolist() for v in vectors]})
        else:
            for text, vector in zip(texts, vectors, strict=True):
                self._stream.write(json.dumps({"text": text, "embedding": vector.tolist()}) + "\n")
        self._written += len(texts)

    def tokens(self, texts: list[str], results: list[tuple[list[str], np.ndarray]]) -> None:
        if self.suffix == ".parquet":
            self._parquet_block(
                {
                    "text": texts,
                    "tokens": [tokens for tokens, _ in results],
                    "embeddings": [vectors.tolist() for _, vectors in results],
                }
            )
        else:
            for text, (tokens, vectors) in zip(texts, results, strict=True):
                record = {"text": text, "tokens": tokens, "embeddings": vectors.tolist()}
                self._stream.write(json.dumps(record) + "\n")
        self._written += len(texts)

    def _parquet_block(self, columns: dict[str, list[Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(columns)
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(str(self.path), table.schema)
        self._parquet.write_table(table)

    def close(self) -> None:
        if self._array is not None:
            self._array.flush()
        if self._parquet is not None:
            self._parquet.close()
        if self._stream is not sys.stdout:
            self._stream.close()


def _blocks(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    from runtime.session import in_windows

    yield from in_windows(texts, size)


def _progress(enabled: bool, total: int) -> AbstractContextManager[Callable[[int], None]]:
    if not enabled:
        return nullcontext(lambda _n: None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    class _Bar:
        def __enter__(self) -> Callable[[int], None]:
            self.progress = Progress(
                TextColumn("embedding"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self.progress.start()
            task = self.progress.add_task("embed", total=total)
            return lambda n: self.progress.advance(task, n)

        def __exit__(self, *exc: object) -> None:
            self.progress.stop()

    return _Bar()


def load_model(name: str, lang: str, options: dict[str, Any]) -> EmbeddingModel:
    """NAME is a folder on disk or a card name in the registry."""
    from registry.errors import RegistryError
    from runtime.errors import RuntimeErrorBase

    try:
        if Path(name).is_dir():
            import runtime

            return runtime.load(Path(name), **options)
        import registry

        model: EmbeddingModel = registry.load(name, lang=lang, **options)
        return model
    except (RegistryError, RuntimeErrorBase) as error:
        raise click.ClickException(str(error)) from error


@click.command("embed")
@click.argument("name")
@click.argument("texts", nargs=-1)
@click.option(
    "--input", "input_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Texts file"
)
@click.option("--output", "output_path", type=click.Path(dir_okay=False, path_type=Path), help="Result file")
@click.option("--lang", default="en", show_default=True, help="Card language")
@click.option("--column", default="text", show_default=True, help="Text field of .jsonl/.csv input")
@click.option("--batch-size", type=click.IntRange(1, 4096), default=32, show_default=True)
@click.option("--threads", type=click.IntRange(1, 512), default=None, help="Default: physical cores")
@click.option("--progress/--no-progress", default=None, help="Default: on when stderr is a terminal")
def embed(
    name: str,
    texts: tuple[str, ...],
    input_path: Path | None,
    output_path: Path | None,
    lang: str,
    column: str,
    batch_size: int,
    threads: int | None,
    progress: bool | None,
) -> None:
    """Embed TEXT arguments or an --input file with model NAME (a card name or a folder)."""
    if bool(texts) == bool(input_path):
        raise click.UsageError("give TEXT arguments or --input FILE (one of the two)")
    if input_path and input_path.suffix.lower() not in INPUT_SUFFIXES:
        raise click.UsageError(f"--input must end in {', '.join(INPUT_SUFFIXES)}: {input_path}")
    if output_path and output_path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise click.UsageError(f"--output must end in {', '.join(OUTPUT_SUFFIXES)}: {output_path}")
    model = load_model(name, lang, {"batch_size": batch_size, "threads": threads})
    if model.level == "token" and output_path and output_path.suffix.lower() == ".npy":
        raise click.UsageError(
            f"{name} gives token vectors (BertEmbeddings): use --output .jsonl or .parquet"
        )
    total = count_texts(input_path, column) if input_path else len(texts)
    source: Iterable[str] = read_texts(input_path, column) if input_path else list(texts)
    show = progress if progress is not None else sys.stderr.isatty()
    writer = Writer(output_path, model.level, total)
    try:
        with _progress(show, total) as advance:
            for block in _blocks(source, min(model.options.window, 512)):
                if model.level == "sentence":
                    writer.sentences(block, model.embed(block))
                else:
                    writer.tokens(block, model.embed_tokens(block))
                advance(len(block))
    finally:
        writer.close()
    if output_path:
        click.echo(f"{total} texts -> {output_path}", err=True)


def register(cli: click.Group) -> None:
    """Adds `cardhub embed` to `cli`."""
    cli.add_command(embed)
