"""`nlu.load(ref).predict(...)`: the cards' NLU snippets, run as written, give the column names
and row layout of the cards' Results blocks (values differ: the weights are stand-ins)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import registry
from runtime.compat import nlu
from runtime.errors import UnknownModelReferenceError
from tests.fixtures.compat_models import SEED_MODELS

pytestmark = pytest.mark.filterwarnings("ignore:.*in the metadata but.*")
REPO = Path(__file__).resolve().parents[3]


def run_nlu_snippet(name: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The card's NLU snippet with `import nlu` bound to runtime.compat.nlu (in this test only);
    returns the value of its final bare expression, as a notebook shows it."""
    snippet = registry.get(name).snippet("nlu")
    assert snippet is not None
    monkeypatch.setitem(sys.modules, "nlu", nlu)
    tree = ast.parse(snippet.code)
    last = tree.body.pop()
    assert isinstance(last, ast.Expr), "the NLU snippets end with the DataFrame as a bare expression"
    namespace: dict[str, Any] = {}
    exec(compile(tree, "<card>", "exec"), namespace)
    return eval(compile(ast.Expression(last.value), "<card>", "eval"), namespace)


@pytest.mark.parametrize("name", sorted(SEED_MODELS))
def test_a_cards_nlu_snippet_gives_its_results_layout(
    name: str, seed_models: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = run_nlu_snippet(name, monkeypatch)
    card = registry.get(name)
    reference = card.nlu_reference
    assert reference is not None
    column = reference.replace(".", "_") + "_embeddings"
    table = card.results.table if card.results else None
    if table is None:  # sent_bert_wiki_books_sst2 prints no Results: nlu's layout all the same
        assert list(frame.columns) == [column, "sentence"]
        assert list(frame["sentence"]) == ["I love NLP"]
        return
    assert list(frame.columns) == table.columns
    assert len(frame) == len(table.rows)
    text_column = next(c for c in table.columns if not c.endswith("_embeddings"))
    expected = [row[table.columns.index(text_column)].strip() for row in table.rows]
    assert [str(v) for v in frame[text_column]] == expected
    for vector in frame[column]:
        assert isinstance(vector, list) and all(isinstance(v, float) for v in vector)


def test_sentence_and_document_levels_and_the_index(tiny_seed_models: str) -> None:
    pipe = nlu.load("en.embed_sentence.small_bert_L6_768")
    texts = ["First one. Second one.", "Only one"]
    sentences = pipe.predict(texts, output_level="sentence")
    assert list(sentences.index) == [0, 0, 1]
    assert list(sentences["sentence"]) == ["First one.", "Second one.", "Only one"]
    documents = pipe.predict(texts, output_level="document")
    assert list(documents.index) == [0, 1] and list(documents["document"]) == texts
    model = registry.load("sent_small_bert_L6_768")
    column = pipe.embeddings_column
    np.testing.assert_allclose(
        np.array(list(sentences[column]), dtype=np.float32), model.embed(list(sentences["sentence"])),
        atol=1e-6, rtol=0,
    )
    with pytest.raises(ValueError, match="output_level='sentence'"):
        pipe.predict(texts, output_level="token")


def test_token_level_keeps_the_tokens_case_and_the_model_vectors(tiny_seed_models: str) -> None:
    pipe = nlu.load("embed.bert.small_L2_768")  # nlu lets the 'en.' prefix go
    frame = pipe.predict("I love NLP. Spark too", output_level="token")
    assert list(frame["token"]) == ["I", "love", "NLP", ".", "Spark", "too"]
    assert list(frame.index) == [0] * 6
    model = registry.load("small_bert_L2_768")
    expected = np.concatenate([vectors for _, vectors in model.embed_tokens(["I love NLP.", "Spark too"])])
    got = np.array(list(frame["en_embed_bert_small_L2_768_embeddings"]), dtype=np.float32)
    np.testing.assert_allclose(got, expected, atol=1e-6, rtol=0)
    by_sentence = pipe.predict("I love NLP. Spark too", output_level="sentence")
    assert list(by_sentence["sentence"]) == ["I love NLP.", "Spark too"]
    assert list(by_sentence["token"]) == [["I", "love", "NLP", "."], ["Spark", "too"]]


def test_an_unknown_reference_names_the_closest_known_ones() -> None:
    closest = r"closest known: en\.embed_sentence\.small_bert_L6_768"
    with pytest.raises(UnknownModelReferenceError, match=closest):
        nlu.load("en.embed_sentence.small_bert_L6_786")


NO_PYSPARK = """
import json, sys, warnings
warnings.simplefilter("ignore")
sys.modules["pyspark"] = None  # as if pyspark were not installed: `import pyspark` raises
from runtime.compat import nlu
frame = nlu.load("en.embed_sentence.small_bert_L6_768").predict(["I hate cancer"])
print(json.dumps({"columns": list(frame.columns), "rows": len(frame),
                  "pyspark": [m for m in sys.modules if m.startswith("pyspark") and sys.modules[m]]}))
"""


def test_nlu_needs_no_pyspark(tiny_seed_models: str) -> None:
    env = {**os.environ, "CARDHUB_OFFLINE": "1"}  # the model is in the cache by now
    nlu.load("en.embed_sentence.small_bert_L6_768")
    child = subprocess.run(
        [sys.executable, "-c", NO_PYSPARK], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout)
    assert report == {
        "columns": ["en_embed_sentence_small_bert_L6_768_embeddings", "sentence"], "rows": 1, "pyspark": []
    }
