"""`cardhub new`: a card in the upstream layout for a Spark NLP model folder or zip, or a
HuggingFace-style ONNX folder, filled from the model's metadata and size.

The model is read with `runtime.artifacts.open_model_folder`, imported on use (the registry
imports none of the runtime at import time). The card names its artifact by the naming rules
(`<name>_<lang>_<version>_<spark>_<epoch-ms>.zip`) and passes `cardhub validate`. Its Results
section holds an empty ```bash block, where the hub's cards print their snippet's output: the
conformance runner fills it (`cardhub conform --update`) from what the nlu snippet shows.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from registry.errors import RegistryError
from registry.rules.model_information import ANNOTATOR_TYPES

BUCKET = "auxdata.johnsnowlabs.com/public/models"


@dataclass(frozen=True)
class NewCard:
    """What `cardhub new` wrote or would write: the file name and its text."""

    file_name: str
    text: str
    annotator: str
    artifact: str


def human_size(size: int) -> str:
    """Bytes as the hub prints them: binary multiples, one decimal (`141.9 MB`)."""
    value, unit = float(size), "B"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            break
        value /= 1024
    return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def new_card(
    model: Path,
    *,
    name: str,
    language: str = "en",
    edition: str = "Spark NLP 5.0.0",
    spark_version: str = "3.0",
    task: str = "Embeddings",
    annotator: str | None = None,
    title: str | None = None,
    author: str = "John Snow Labs",
    date: dt.date | None = None,
) -> NewCard:
    """The card for the model at `model` (a folder or a .zip)."""
    from runtime.artifacts import open_model_folder

    if name.endswith(f"_{language}"):
        raise RegistryError(f"name {name!r} ends with the language: give the name without '_{language}'")
    date = date or dt.date.today()
    with tempfile.TemporaryDirectory(prefix="cardhub-new-") as scratch:
        folder = model
        if model.is_file() and zipfile.is_zipfile(model):
            folder = Path(scratch) / "model"
            with zipfile.ZipFile(model) as archive:
                archive.extractall(folder)
        size = model.stat().st_size if model.is_file() else _folder_size(folder)
        opened = open_model_folder(folder)
    found = opened.annotator_class.rsplit(".", 1)[-1] if opened.annotator_class else None
    annotator = annotator or found
    if annotator is None:
        raise RegistryError(
            f"{model}: a {opened.layout} folder does not say which annotator loads it: give --annotator "
            f"(one of {', '.join(sorted(ANNOTATOR_TYPES))})"
        )
    if annotator not in ANNOTATOR_TYPES:
        raise RegistryError(f"annotator {annotator!r} is not one of {', '.join(sorted(ANNOTATOR_TYPES))}")
    version = edition.rsplit(" ", 1)[-1]
    epoch = int(dt.datetime.combine(date, dt.time(12), tzinfo=dt.UTC).timestamp() * 1000)
    artifact = f"{name}_{language}_{version}_{spark_version}_{epoch}"
    text = render(
        name=name,
        language=language,
        edition=edition,
        version=version,
        spark_version=spark_version,
        task=task,
        annotator=annotator,
        title=title or f"{annotator} {name} ({language})",
        author=author,
        date=date,
        artifact=artifact,
        size=human_size(size),
        dimension=opened.dimension,
        case_sensitive=opened.case_sensitive,
        max_sentence_length=opened.max_sentence_length,
    )
    return NewCard(f"{date.isoformat()}-{name}_{language}.md", text, annotator, artifact)


def render(
    *,
    name: str,
    language: str,
    edition: str,
    version: str,
    spark_version: str,
    task: str,
    annotator: str,
    title: str,
    author: str,
    date: dt.date,
    artifact: str,
    size: str,
    dimension: int | None,
    case_sensitive: bool,
    max_sentence_length: int,
) -> str:
    inputs, output = ANNOTATOR_TYPES[annotator]
    sentence_level = inputs == ["document"]
    input_labels = "[sentence]" if sentence_level else "[sentence, token]"
    output_column = "sentence_embeddings" if sentence_level else "embeddings"
    columns = '"sentence"' if sentence_level else '"sentence", "token"'
    stages = "document_assembler, sentence_detector" + ("" if sentence_level else ", tokenizer")
    tokenizer_py = (
        "" if sentence_level else 'tokenizer = Tokenizer().setInputCols("sentence").setOutputCol("token")\n'
    )
    tokenizer_scala = (
        ""
        if sentence_level
        else 'val tokenizer = new Tokenizer().setInputCols("sentence").setOutputCol("token")\n'
    )
    nlu = f"{language}.{'embed_sentence' if sentence_level else 'embed'}.{name}"
    level = "sentence" if sentence_level else "token"
    url = f"https://s3.amazonaws.com/{BUCKET}/{artifact}.zip"
    rows = [
        ("Model Name", name),
        ("Compatibility", f"{edition}+"),
        ("License", "Open Source"),
        ("Edition", "Official"),
        ("Input Labels", input_labels),
        ("Output Labels", f"[{output_column}]"),
        ("Language", language),
        ("Size", size),
        ("Case sensitive", str(case_sensitive).lower()),
        ("Max sentence length", str(max_sentence_length)),
    ]
    if dimension:
        rows.insert(7, ("Dimension", str(dimension)))
    table = "\n".join(f"|{key}:|{value}|" for key, value in rows)
    return f"""---
layout: model
title: {title}
author: {author}
name: {name}
date: {date.isoformat()}
tags: [open_source, embeddings, {language}, onnx]
task: {task}
language: {language}
edition: {edition}
spark_version: {spark_version}
supported: true
engine: onnx
annotator: {annotator}
article_header:
  type: cover
use_language_switcher: "Python-Scala-Java"
---

## Description

{name} ({language}): {output.replace("_", " ")} computed by {annotator}. Describe the model here: where it
comes from, what it was trained on and what it is for.

## Predicted Entities



{{:.btn-box}}
<button class="button button-orange" disabled>Live Demo</button>
<button class="button button-orange" disabled>Open in Colab</button>
[Download]({url}){{:.button.button-orange.button-orange-trans.arr.button-icon}}
[Copy S3 URI](s3://{BUCKET}/{artifact}.zip){{:.button.button-orange.button-orange-trans.button-icon.button-copy-s3}}

## How to use

<div class="tabs-box" markdown="1">

{{% include programmingLanguageSelectScalaPythonNLU.html %}}

```python
document_assembler = DocumentAssembler().setInputCol("text").setOutputCol("document")
sentence_detector = SentenceDetector().setInputCols("document").setOutputCol("sentence")
{tokenizer_py}embeddings = {annotator}.pretrained("{name}", "{language}") \\
.setInputCols({columns}) \\
.setOutputCol("{output_column}")
nlp_pipeline = Pipeline(stages=[{stages}, embeddings])
pipeline_model = nlp_pipeline.fit(spark.createDataFrame([[""]]).toDF("text"))
result = pipeline_model.transform(spark.createDataFrame([['I love NLP']], ["text"]))
```

```scala
val document_assembler = new DocumentAssembler().setInputCol("text").setOutputCol("document")
val sentence_detector = new SentenceDetector().setInputCols("document").setOutputCol("sentence")
{tokenizer_scala}val embeddings = {annotator}.pretrained("{name}", "{language}")
.setInputCols({columns})
.setOutputCol("{output_column}")
val pipeline = new Pipeline().setStages(Array({stages}, embeddings))
val data = Seq("I love NLP").toDF("text")
val result = pipeline.fit(data).transform(data)
```

{{:.nlu-block}}
```python
import nlu

text = ["I love NLP"]
embeddings_df = nlu.load('{nlu}').predict(text, output_level='{level}')
embeddings_df
```

</div>

## Results

```bash
```

{{:.model-param}}
## Model Information

{{:.table-model}}
|---|---|
{table}
"""
