"""Front-matter rules (CH1xx). The reader (`registry.build`) reports most of them as it types
the front matter; `check_spark_version_present` is a per-card check."""

from __future__ import annotations

from registry.card import Card, Finding
from registry.rules.base import Rule, finding
from registry.rules.links import DOWNLOAD_FILE


def check_spark_version_present(card: Card) -> list[Finding]:
    if card.spark_versions:
        return []
    match = DOWNLOAD_FILE.match(card.artifact + ".zip") if card.artifact else None
    found = f"; the download file says {match.group('spark')}" if match else ""
    hint = f"add 'spark_version: {match.group('spark') if match else '3.0'}' to the front matter"
    return [
        finding(
            card,
            1,
            "warning",
            "spark_version",
            "the card has no spark_version" + found,
            hint,
            "required-field",
        )
    ]


READER = "registry.build.build_card"

RULES = (
    Rule(
        "CH001",
        "readable",
        "file",
        "error",
        "The file can be read as a card: UTF-8 text with a `---` front-matter block of YAML.",
        fixed="title: Smaller BERT Embeddings (L-2_H-768_A-12)\n",
        bad="title: [Smaller BERT Embeddings\n",
        check="registry.parse.split_front_matter",
    ),
    Rule(
        "CH101",
        "required-field",
        "front matter",
        "warning",
        "A key the registry needs is present (name, language, title, date, edition, task, "
        "annotator, spark_version).",
        fixed="tags: [open_source, embeddings, en, onnx]\ntask: Embeddings\n",
        bad="tags: [open_source, embeddings, en, onnx]\n",
        check=READER + ", registry.rules.front_matter.check_spark_version_present",
    ),
    Rule(
        "CH102",
        "date-format",
        "front matter",
        "error",
        "`date:` is a date written YYYY-MM-DD.",
        fixed="date: 2023-06-28\n",
        bad="date: someday\n",
        check=READER,
    ),
    Rule(
        "CH103",
        "front-matter-type",
        "front matter",
        "error",
        "`supported`, `deprecated` and `recommended` are YAML booleans.",
        fixed="supported: true\n",
        bad="supported: perhaps\n",
        check=READER,
    ),
    Rule(
        "CH104",
        "front-matter-indent",
        "front matter",
        "warning",
        "`type: cover` is indented under `article_header:` (else it is a top-level key).",
        fixed="article_header:\n  type: cover\n",
        bad="article_header:\ntype: cover\n",
        check=READER,
    ),
    Rule(
        "CH105",
        "legacy-key",
        "front matter",
        "warning",
        "An old front-matter key is replaced by today's (e.g. `class:` by `annotator:`).",
        fixed="annotator: BertEmbeddings\n",
        bad="class: BertEmbeddings\n",
        check=READER,
    ),
    Rule(
        "CH106",
        "unknown-key",
        "front matter",
        "warning",
        "Every front-matter key is one the Models Hub knows.",
        fixed='use_language_switcher: "Python-Scala-Java"\n',
        bad='use_language_switcher: "Python-Scala-Java"\nfavourite_colour: blue\n',
        check=READER,
    ),
)
