from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_builder.errors import OutputDirError
from site_builder.serve import make_server


@pytest.fixture()
def base_url(built_site: Path) -> Iterator[str]:
    server = make_server(built_site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_serves_pages_assets_and_json_on_loopback(base_url: str) -> None:
    with urllib.request.urlopen(base_url + "index.html", timeout=5) as response:
        assert response.status == 200 and b"All models" in response.read()
    with urllib.request.urlopen(base_url + "static/site.js", timeout=5) as response:
        assert "javascript" in response.headers["Content-Type"]
    with urllib.request.urlopen(base_url + "api/models.json", timeout=5) as response:
        assert response.headers["Content-Type"].startswith("application/json")


def test_unknown_path_gets_the_sites_404_page(base_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(base_url + "models/nope_en/1.0.html", timeout=5)
    assert caught.value.code == 404 and b"Page not found" in caught.value.read()


def test_refuses_a_folder_without_a_built_site(tmp_path: Path) -> None:
    with pytest.raises(OutputDirError, match="cardhub build"):
        make_server(tmp_path, port=0)
