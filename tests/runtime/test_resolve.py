from __future__ import annotations

from pathlib import Path

import pytest

from runtime.artifacts.resolve import apply_mirror, bucket_relative_path, resolve
from runtime.config import Settings
from runtime.errors import ResolveError
from tests.fixtures.sparknlp_artifacts import make_card

HTTPS = "https://s3.amazonaws.com/auxdata.johnsnowlabs.com/public/models/sent_small_bert_L6_768_en_2.6.0_2.4_1598351137007.zip"
S3 = "s3://auxdata.johnsnowlabs.com/public/models/sent_small_bert_L6_768_en_2.6.0_2.4_1598351137007.zip"
RELATIVE = "auxdata.johnsnowlabs.com/public/models/sent_small_bert_L6_768_en_2.6.0_2.4_1598351137007.zip"


def _settings(tmp_path: Path, **changes: object) -> Settings:
    return Settings(cache_dir=tmp_path).with_(**changes)


def test_download_link_is_used_as_is_and_keyed_like_upstream(tmp_path: Path) -> None:
    card = make_card(name="sent_small_bert_L6_768", download=HTTPS, s3=S3)
    resolved = resolve(card, settings=_settings(tmp_path))
    assert resolved.url == HTTPS
    assert resolved.cache_key == "sent_small_bert_L6_768_en_2.6.0_2.4_1598351137007"
    assert resolved.model == "sent_small_bert_L6_768 (en)"


def test_s3_uri_maps_to_the_public_https_endpoint(tmp_path: Path) -> None:
    resolved = resolve(make_card(s3=S3), settings=_settings(tmp_path))
    assert resolved.url == HTTPS
    custom = resolve(make_card(s3=S3), settings=_settings(tmp_path, s3_endpoint="http://127.0.0.1:9/"))
    assert custom.url == "http://127.0.0.1:9/" + RELATIVE


@pytest.mark.parametrize(
    "upstream",
    [
        HTTPS,
        S3,
        "https://auxdata.johnsnowlabs.com.s3.amazonaws.com/public/models/"
        "sent_small_bert_L6_768_en_2.6.0_2.4_1598351137007.zip",
    ],
)
def test_every_upstream_form_maps_to_the_same_mirror_path(upstream: str) -> None:
    assert bucket_relative_path(upstream) == RELATIVE
    assert apply_mirror(upstream, "http://mirror.local/base/") == "http://mirror.local/base/" + RELATIVE


def test_mirror_folder_becomes_a_file_url(tmp_path: Path) -> None:
    resolved = resolve(make_card(download=HTTPS), settings=_settings(tmp_path, mirror=str(tmp_path / "m")))
    assert resolved.url == (tmp_path / "m" / RELATIVE).as_uri()
    assert resolved.upstream_url == HTTPS


def test_per_call_url_overrides_the_card(tmp_path: Path) -> None:
    resolved = resolve(
        make_card(download=HTTPS), settings=_settings(tmp_path), url="http://127.0.0.1:1/x/other.zip"
    )
    assert resolved.url == "http://127.0.0.1:1/x/other.zip"
    assert resolved.cache_key == "other"


def test_card_without_links_names_the_model_and_card(tmp_path: Path) -> None:
    with pytest.raises(ResolveError, match=r"sent_tiny_bert \(en\).*sent_tiny_bert.md"):
        resolve(make_card(), settings=_settings(tmp_path))


def test_unsupported_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ResolveError, match="ftp"):
        resolve(make_card(download="ftp://host/x.zip"), settings=_settings(tmp_path))


def test_settings_from_env_reads_the_documented_variables(tmp_path: Path) -> None:
    env = {"CARDHUB_CACHE": str(tmp_path), "CARDHUB_MIRROR": "http://m/", "HF_HUB_OFFLINE": "1"}
    settings = Settings.from_env(env)
    assert (settings.cache_dir, settings.mirror, settings.offline) == (tmp_path, "http://m/", True)
    assert Settings.from_env({"CARDHUB_CACHE": str(tmp_path), "CARDHUB_OFFLINE": "0"}).offline is False
    assert Settings.from_env({}).cache_dir.name == "models"
