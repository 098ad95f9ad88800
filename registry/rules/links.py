"""Links rules (CH2xx): the Download link's file name and the S3 URI agree with the card."""

from __future__ import annotations

import re

from registry.card import Card, Finding
from registry.resolve import is_compatible
from registry.rules.base import Rule, finding

DOWNLOAD_FILE = re.compile(
    r"^(?P<prefix>.+)_(?P<library>\d+\.\d+(?:\.\d+)*)_(?P<spark>\d+\.\d+(?:\.\d+)*)_(?P<epoch>\d{10,})\.zip$"
)


S3_HTTPS = re.compile(r"^https?://s3(?:[.-][\w-]+)*\.amazonaws\.com/(?P<bucket>[^/]+)/(?P<key>.+)$")


S3_URI = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)$")


def check_download_file_name(card: Card) -> list[Finding]:
    """`<name>_<lang>_<sparknlp>_<spark>_<epoch-ms>.zip` agrees with the front matter."""
    link = card.links.download
    if link is None or not link.url:
        return []
    file_name = link.url.rsplit("/", 1)[-1]
    match = DOWNLOAD_FILE.match(file_name)
    field = "links.download"
    if not match:
        return [
            finding(
                card,
                link.line,
                "error",
                field,
                f"download file {file_name!r} is not named <name>_<lang>_<version>_<spark>_<epoch-ms>.zip",
                "link the model's zip as published",
                "download-name",
            )
        ]
    found: list[Finding] = []
    expected_prefix = f"{card.name}_{card.language}"
    if match.group("prefix") == card.name and card.name.endswith(f"_{card.language}"):
        short = card.name[: -len(card.language) - 1]
        found.append(
            finding(
                card,
                card.lines.get("name", link.line),
                "warning",
                "name",
                f"the name {card.name!r} ends with the language: the download is "
                f"pretrained({short!r}, {card.language!r})",
                f"write 'name: {short}' and 'language: {card.language}'",
                "name-has-language",
            )
        )
    elif match.group("prefix") != expected_prefix:
        found.append(
            finding(
                card,
                link.line,
                "error",
                field,
                f"download file {file_name!r} is for {match.group('prefix')!r}, but the card is "
                f"{expected_prefix!r} (name_language)",
                "fix the link or the card's name and language",
                "download-name",
            )
        )
    if (
        card.version
        and match.group("library") != card.version
        and is_compatible(match.group("library"), card.version)
    ):
        found.append(
            finding(
                card,
                link.line,
                "info",
                field,
                f"download file {file_name!r} was built with Spark NLP {match.group('library')}, older "
                f"than the edition's {card.version}: compatible (Spark NLP's Version.isCompatible)",
                None,
                "older-artifact",
            )
        )
    elif card.version and match.group("library") != card.version:
        found.append(
            finding(
                card,
                link.line,
                "error",
                field,
                f"download file {file_name!r} is for version {match.group('library')}, newer than "
                f"the edition's {card.version}",
                "fix the edition or the link",
                "download-version",
            )
        )
    spark = match.group("spark")
    if (
        card.spark_versions
        and spark not in card.spark_versions
        and any(is_compatible(spark, claimed) for claimed in card.spark_versions)
    ):
        found.append(
            finding(
                card,
                link.line,
                "info",
                field,
                f"download file {file_name!r} was built for Spark {spark}, older than spark_version "
                f"{', '.join(card.spark_versions)}: compatible (Spark NLP's Version.isCompatible)",
                None,
                "older-artifact",
            )
        )
    elif card.spark_versions and spark not in card.spark_versions:
        found.append(
            finding(
                card,
                link.line,
                "error",
                field,
                f"download file {file_name!r} is for Spark {match.group('spark')}, but "
                f"spark_version says {', '.join(card.spark_versions)}",
                "fix spark_version or the link",
                "download-spark",
            )
        )
    return found


def check_s3_uri(card: Card) -> list[Finding]:
    """The Copy S3 URI link names the same object as the Download link."""
    download, s3 = card.links.download, card.links.s3
    if download is None or s3 is None:
        return []
    https, uri = S3_HTTPS.match(download.url), S3_URI.match(s3.url)
    if uri is None:
        return [
            finding(
                card,
                s3.line,
                "error",
                "links.s3",
                f"S3 URI {s3.url!r} is not s3://bucket/key",
                "write s3://auxdata.johnsnowlabs.com/public/models/<file>.zip",
                "s3-uri",
            )
        ]
    if https is None or (https.group("bucket"), https.group("key")) != (
        uri.group("bucket"),
        uri.group("key"),
    ):
        expected = f"s3://{https.group('bucket')}/{https.group('key')}" if https else None
        return [
            finding(
                card,
                s3.line,
                "error",
                "links.s3",
                f"S3 URI {s3.url!r} does not name the download {download.url!r}",
                f"use {expected}" if expected else "make both links name the same object",
                "s3-uri",
            )
        ]
    return []


_DOWNLOAD = (
    "public/models/small_bert_L2_768_en_5.0.0_3.0_1687953630830.zip)"
    "{:.button.button-orange.button-orange-trans.arr"
)
RULES = (
    Rule(
        "CH201",
        "download-name",
        "links",
        "error",
        "The Download link's file is `<name>_<lang>_<version>_<spark>_<epoch-ms>.zip` for the "
        "card's name and language.",
        fixed=_DOWNLOAD,
        bad=_DOWNLOAD.replace("small_bert_L2_768", "small_bert_L4_768"),
        check="registry.rules.links.check_download_file_name",
    ),
    Rule(
        "CH202",
        "download-version",
        "links",
        "error",
        "The Download file's Spark NLP version is not newer than the edition's.",
        fixed="edition: Spark NLP 5.0.0\n",
        bad="edition: Spark NLP 4.4.0\n",
        check="registry.rules.links.check_download_file_name",
    ),
    Rule(
        "CH203",
        "download-spark",
        "links",
        "error",
        "The Download file's Spark version is not newer than the card's `spark_version`.",
        fixed="spark_version: 3.0\n",
        bad="spark_version: 2.4\n",
        check="registry.rules.links.check_download_file_name",
    ),
    Rule(
        "CH204",
        "name-has-language",
        "links",
        "warning",
        "The name does not end with the language: `pretrained(name, lang)` takes them apart.",
        fixed="name: small_bert_L2_768\n",
        bad="name: small_bert_L2_768_en\n",
        check="registry.rules.links.check_download_file_name",
    ),
    Rule(
        "CH205",
        "s3-uri",
        "links",
        "error",
        "The Copy S3 URI link is `s3://bucket/key` of the same object as the Download link.",
        fixed="(s3://auxdata.johnsnowlabs.com/public/models/small_bert_L2_768_en_5.0.0_3.0_1687953630830.zip)",
        bad="(s3://auxdata.johnsnowlabs.com/public/models/small_bert_L2_768_en_5.0.0_3.0_1687953630831.zip)",
        check="registry.rules.links.check_s3_uri",
    ),
    Rule(
        "CH206",
        "older-artifact",
        "links",
        "info",
        "Information: the Download file was built with an older Spark NLP or Spark than the card "
        "claims, which Spark NLP's `Version.isCompatible` accepts (a newer one is CH202 / CH203).",
        fixed="edition: Spark NLP 5.0.0\n",
        bad="edition: Spark NLP 5.1.0\n",
        check="registry.rules.links.check_download_file_name",
    ),
)
