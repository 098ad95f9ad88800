"""`cardhub serve`: the built site on 127.0.0.1, for local browsing (not a production server),
with the model pages' try-it panel (site_builder.tryit) answered at /api/try."""

from __future__ import annotations

import functools
import http.server
import json
from pathlib import Path
from typing import Any

from site_builder.errors import OutputDirError, TryItError
from site_builder.tryit import MAX_BODY, TryIt

TRY_URL = "/api/try"
DRAIN_LIMIT = 32 * 1024 * 1024
STATUS_URL = "/api/try/status"


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder; unknown paths get the site's own 404 page."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == STATUS_URL and self._try_it() is not None:
            self._json(200, self._try_it().status())  # type: ignore[union-attr]
            return
        super().do_GET()

    def do_POST(self) -> None:
        tryit = self._try_it()
        if self.path.split("?", 1)[0] != TRY_URL or tryit is None:
            message = f"nothing to POST to at {self.path}; the try-it panel posts to {TRY_URL}"
            self._json(404, {"error": message})
            return
        try:
            self._json(*tryit.handle(self._body()))
        except TryItError as exc:
            self._json(exc.status, {"error": str(exc)})

    def _body(self) -> bytes:
        """The request body, refused before it is read when too big or not JSON (a web page of
        another site cannot send JSON here without a preflight this server never answers)."""
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise TryItError(415, "send the request as JSON (Content-Type: application/json)")
        origin = self.headers.get("Origin")
        host = self.headers.get("Host", "")
        if origin and origin not in (f"http://{host}", "null"):
            raise TryItError(403, f"requests from {origin} are refused: open the page from this server")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise TryItError(411, "the request needs a Content-Length") from None
        if length > MAX_BODY:
            self._drain(length)
            message = f"the request has {length} bytes (at most {MAX_BODY}); send fewer or shorter texts"
            raise TryItError(413, message)
        return self.rfile.read(length)

    def _drain(self, length: int) -> None:
        """Reads and drops a refused body (up to DRAIN_LIMIT), so that the client, still sending,
        gets the answer rather than a reset connection; the connection is closed after it."""
        self.close_connection = True
        left = min(length, DRAIN_LIMIT)
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 16))
            if not chunk:
                break
            left -= len(chunk)

    def _json(self, status: int, data: dict[str, Any]) -> None:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _try_it(self) -> TryIt | None:
        return getattr(self.server, "tryit", None)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


class _Server(http.server.ThreadingHTTPServer):
    # The default listen backlog (5) resets a burst of simultaneous connections; each request
    # gets a thread, and the try-it runs themselves are capped in site_builder.tryit.
    request_queue_size = 128
    daemon_threads = True


def make_server(
    site_dir: str | Path, port: int = 8000, verbose: bool = False, try_it: bool = True, settings: Any = None
) -> http.server.ThreadingHTTPServer:
    """A server bound to 127.0.0.1 only; port 0 picks a free port (see `server.server_address`).
    With `try_it`, model pages' try-it panels are answered (runtime `settings`: default from the
    environment)."""
    folder = Path(site_dir)
    if not (folder / "index.html").is_file():
        raise OutputDirError(str(folder), "no built site there (run `cardhub build --out` first)")
    handler = functools.partial(SiteRequestHandler, directory=str(folder))
    server = _Server(("127.0.0.1", port), handler)
    server.verbose = verbose  # type: ignore[attr-defined]
    server.tryit = TryIt(folder, settings) if try_it else None  # type: ignore[attr-defined]
    return server
