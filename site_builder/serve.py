"""`cardhub serve`: the built site on 127.0.0.1, for local browsing (not a production server)."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

from site_builder.errors import OutputDirError


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

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


def make_server(
    site_dir: str | Path, port: int = 8000, verbose: bool = False
) -> http.server.ThreadingHTTPServer:
    """A server bound to 127.0.0.1 only; port 0 picks a free port (see `server.server_address`)."""
    folder = Path(site_dir)
    if not (folder / "index.html").is_file():
        raise OutputDirError(str(folder), "no built site there (run `cardhub build --out` first)")
    handler = functools.partial(SiteRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.verbose = verbose  # type: ignore[attr-defined]
    return server
