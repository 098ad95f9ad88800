"""The sandboxed child: `python -E -s -m runtime.conformance.child RESULT_FD` with the job's spec
on stdin (the parent writes it once the child sits in its cgroups).

It isolates itself (isolation.py), maps `sparknlp` / `nlu` onto runtime.compat in this process
only, runs the prelude and then the snippet as a notebook cell (compiled under the card's path,
shifted so that line numbers are the card's lines; the final bare expression is evaluated and
kept), and writes one JSON document to RESULT_FD: status, exception at its card line, what the
cell displayed, and the pipeline's `result` rendered the way nlu renders it.
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.util
import io
import json
import os
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from types import CodeType, ModuleType
from typing import Any

STARTED = time.perf_counter()
ALIASES = {"sparknlp": "runtime.compat.sparknlp", "nlu": "runtime.compat.nlu"}
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class SkipSnippet(Exception):
    """Raised by the notebook shim: the cell needs something the sandbox cannot give."""


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`import sparknlp.base` -> the module runtime.compat.sparknlp.base, under both names."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        top = fullname.split(".", 1)[0]
        if top not in ALIASES:
            return None
        real = ALIASES[top] + fullname[len(top) :]
        try:
            found = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: the conformance runner maps it onto {real}, which this "
                "installation of cardhub does not have",
                name=fullname,
            )
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec: Any) -> ModuleType:
        top = spec.name.split(".", 1)[0]
        module = importlib.import_module(ALIASES[top] + spec.name[len(top) :])
        return module

    def exec_module(self, module: ModuleType) -> None:
        """The real module ran when it was imported under its own name."""


def _is_write(mode: object, flags: object) -> bool:
    if isinstance(mode, str):
        return any(ch in mode for ch in "wax+")
    if isinstance(flags, int):
        return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
    return False


def install_audit_hook(writable: list[str], namespaced: bool) -> None:
    """Writes outside the snippet's folder and network connections stop with a clear error.
    `writable[0]` is the snippet's folder; the others are throw-away overlays (the model cache)."""
    folders = tuple(os.path.realpath(folder) + os.sep for folder in writable)
    devices = ("/dev/null", "/dev/tty", "/dev/std", "/proc/self/fd/")

    def inside(path: str) -> bool:
        return (os.path.realpath(path) + os.sep).startswith(folders)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if (
            event == "open"
            and len(args) == 3
            and _is_write(args[1], args[2])
            and isinstance(args[0], str | bytes)
        ):
            path = os.fsdecode(args[0])
            if not inside(path) and not os.path.realpath(path).startswith(devices):
                raise PermissionError(
                    f"conformance sandbox: writing {path} is outside the snippet's folder; a card's "
                    "code may only write under its working folder"
                )
        elif event in ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "shutil.rmtree"):
            path = os.fsdecode(args[0]) if isinstance(args[0], str | bytes) else ""
            if path and not inside(path):
                raise PermissionError(f"conformance sandbox: {event} {path} is outside the snippet's folder")
        elif event == "socket.connect":
            sock, address = args
            if sock.family == socket.AF_UNIX:
                target = os.fsdecode(address) if isinstance(address, str | bytes) else ""
                if target and not target.startswith("\0") and not inside(target):
                    raise PermissionError(
                        f"conformance sandbox: no connections outside the sandbox ({target})"
                    )
                return
            host, port = address[0], address[1]
            from runtime.conformance.isolation import listening_ports

            if namespaced and host in _LOOPBACK and port in listening_ports():
                return  # a server this snippet started itself (the local JVM), inside its namespace
            raise PermissionError(
                f"conformance sandbox: no network: connection to {host}:{port} refused (snippets run "
                "offline; the model was fetched before the snippet started)"
            )

    sys.addaudithook(hook)


class _NotebookShell:
    """What `get_ipython()` must answer for cells that IPython's transformer rewrote."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.user_ns = namespace

    def system(self, command: str) -> int:
        from runtime.conformance.snippets import provided_install

        if provided_install(command):
            print(f"[cardhub] `!{command}`: provided by cardhub's compatibility layer", file=sys.stderr)
            return 0
        return subprocess.run(command, shell=True, check=False).returncode

    def getoutput(self, command: str) -> list[str]:
        done = subprocess.run(command, shell=True, check=False, capture_output=True, text=True)
        return done.stdout.splitlines()

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1) -> Any:
        if name in ("time", "timeit"):
            started = time.perf_counter()
            code = compile(line, "<magic>", "exec")
            exec(code, self.user_ns)
            print(f"Wall time: {time.perf_counter() - started:.3f} s", file=sys.stderr)
            return None
        if name == "pip":
            return self.system("pip " + line)
        raise SkipSnippet(f"IPython magic %{name} is not supported by the conformance runner")

    def run_cell_magic(self, name: str, line: str, cell: str) -> Any:
        if name in ("time", "timeit", "capture"):
            exec(compile(cell, "<cell magic>", "exec"), self.user_ns)
            return None
        raise SkipSnippet(f"IPython cell magic %%{name} is not supported by the conformance runner")


def split_last_expression(tree: ast.Module) -> tuple[ast.Module, ast.Expression | None]:
    """A notebook shows the value of the cell's final bare expression; `...` shows nothing."""
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        if not (isinstance(last.value, ast.Constant) and last.value.value is Ellipsis):
            body = ast.Module(body=tree.body[:-1], type_ignores=[])
            return body, ast.Expression(body=last.value)
    return tree, None


def compile_cell(code: str, path: str, first_line: int) -> tuple[CodeType, CodeType | None]:
    tree = ast.parse("\n" * (first_line - 1) + code, path)
    body, last = split_last_expression(tree)
    return compile(body, path, "exec"), compile(last, path, "eval") if last is not None else None


def _cell_value(value: Any) -> Any:
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list | tuple) and value and all(isinstance(v, int | float) for v in value):
        return [float(v) for v in value]
    if isinstance(value, list | tuple) and not value:
        return []
    return str(value)


def render_display(value: Any) -> dict[str, Any]:
    """A pandas DataFrame as a table (index dropped, as the cards print it), else its repr."""
    if value is None:
        return {}
    if type(value).__name__ == "DataFrame" and hasattr(value, "itertuples") and hasattr(value, "columns"):
        rows = [[_cell_value(v) for v in row] for row in value.itertuples(index=False, name=None)]
        return {"table": {"columns": [str(c) for c in value.columns], "rows": rows}}
    return {"text": repr(value)}


_LEVELS = {"sentence_embeddings": "sentence", "word_embeddings": "token"}


def render_pipeline(
    frame: Any, nlu_column: str | None, expected_columns: list[str] | None
) -> dict[str, Any] | None:
    """A Spark DataFrame of annotations the way nlu shows it: one row per embedding annotation,
    its vector under nlu's column name, its text under `sentence` / `token`. nlu takes a token's
    text from the tokenizer's column (the embeddings' own `result` is lowercased for uncased
    models), so the text comes from the `token` annotation with the same offsets when there is one."""
    fields = [f.name for f in frame.schema.fields if "annotatorType" in f.dataType.simpleString()]
    if not fields:
        return None
    rows = frame.select(*fields).collect()
    chosen = None
    for name in reversed(fields):
        found = [a for row in rows for a in (row[name] or [])]
        if found and all(a["annotatorType"] in _LEVELS for a in found):
            chosen = name
            break
    if chosen is None:
        return None
    rows_out: list[tuple[str, list[float]]] = []
    level = "sentence"
    for row in rows:
        tokens = {
            (a["begin"], a["end"]): a["result"]
            for name in fields
            for a in (row[name] or [])
            if a["annotatorType"] == "token"
        }
        for annotation in row[chosen] or []:
            level = _LEVELS[annotation["annotatorType"]]
            text = annotation["result"]
            if level == "token":
                text = tokens.get((annotation["begin"], annotation["end"]), text)
            rows_out.append((text, [float(x) for x in annotation["embeddings"]]))
    name = nlu_column or chosen
    columns = [name, level] if level == "sentence" else [level, name]
    if expected_columns and set(expected_columns) == {name, level}:
        columns = list(expected_columns)
    table = [[vector if c == name else text for c in columns] for text, vector in rows_out]
    return {"columns": columns, "rows": table}


def _card_line(exc: BaseException, path: str) -> int | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
    return frames[-1].lineno if frames else None


def _format_exception(exc: BaseException, path: str) -> str:
    frames = traceback.format_exception(exc)
    return "".join(line for line in frames if "runtime/conformance/child.py" not in line)[-4000:]


def register_card(path: str) -> None:
    """Make the card under test the one `pretrained(name)` and `nlu.load(ref)` resolve to, when
    it is not one of the packaged cards (fixture cards, a catalog's own folder)."""
    import registry
    from registry import index
    from registry.store import Registry

    own = Registry.from_paths([path])
    registry.default_registry = lambda: own  # type: ignore[assignment]
    # The packaged index answers for the packaged cards only; this run's registry is the card.
    index.packaged_entries = lambda: None  # type: ignore[assignment]


def run(spec: dict[str, Any], result: dict[str, Any]) -> None:
    path, first_line = spec["card_path"], spec["line"]
    if spec.get("register_card"):
        register_card(path)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    shell = _NotebookShell(namespace)
    namespace["get_ipython"] = lambda: shell
    body, last = compile_cell(spec["code"], path, first_line)
    if spec["prelude"]:
        started = time.perf_counter()
        try:
            exec(
                compile(spec["prelude"], "<cardhub prelude: what the card elides with ...>", "exec"),
                namespace,
            )
        except Exception as exc:
            result.update(
                status="exception",
                message=f"the prelude failed: {type(exc).__name__}: {exc}",
                traceback=_format_exception(exc, path),
            )
            return
        finally:
            result["prelude_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    result["startup_seconds"] = started - STARTED
    try:
        exec(body, namespace)
        value = eval(last, namespace) if last is not None else None
    except SkipSnippet as exc:
        result.update(status="skip", message=str(exc))
        return
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are the snippet's too
        line = _card_line(exc, path)
        where = f"{path}:{line}: " if line else f"{path}:{first_line}: "
        result.update(
            status="exception",
            message=f"{where}{type(exc).__name__}: {exc}",
            error_line=line,
            traceback=_format_exception(exc, path),
        )
        return
    finally:
        sys.stdout.flush()
        result["snippet_seconds"] = time.perf_counter() - started
    result["status"] = "ok"
    result["display"] = render_display(value)
    frame = namespace.get("result")
    if (
        spec["kind"] == "python"
        and frame is not None
        and hasattr(frame, "schema")
        and hasattr(frame, "collect")
    ):
        result["pipeline"] = render_pipeline(frame, spec.get("nlu_column"), spec.get("expected_columns"))


def main() -> None:
    out = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
    spec = json.loads(sys.stdin.read())  # blocks until the parent has put us in our cgroups
    result: dict[str, Any] = {"status": "crashed", "isolation": []}
    try:
        from runtime.conformance import isolation

        limits = spec["limits"]
        overlays = [d for d in spec.get("overlays", []) if os.path.isdir(d)] if spec["namespaces"] else []
        result["isolation"] += isolation.set_rlimits(
            limits["cpu_seconds"],
            limits["max_file_bytes"],
            limits["max_open_files"],
            limits["max_processes"],
            limits.get("address_space"),
        )
        if spec["namespaces"]:
            result["isolation"] += isolation.enter_namespaces(
                [spec["workdir"], spec["overlay_scratch"]], overlays
            )
        result["isolation"] += isolation.drop_capabilities()
        namespaced = any(line.startswith("network namespace") for line in result["isolation"])
        install_audit_hook([spec["workdir"], *overlays], namespaced)
        result["isolation"].append("audit hook: writes outside the folder and network connections refused")
        sys.meta_path.insert(0, _AliasFinder())
        sys.stdin = io.StringIO("")
        run(spec, result)
    except BaseException as exc:
        result.update(
            status="crashed", message=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc()
        )
    json.dump(result, out)
    out.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
