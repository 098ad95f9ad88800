"""What `registry.load(name)` returns: a model that embeds texts the way Spark NLP does.

    m = registry.load("sent_small_bert_L6_768")
    m.embed(["I hate cancer"])                  # np.ndarray [n, dim] (BertSentenceEmbeddings)
    m.embed_tokens(["I love NLP"])              # [(tokens, [n_tokens, dim])] (BertEmbeddings)
    m.predict(texts, output_level="sentence")   # pandas DataFrame with nlu's column names
    m.info                                      # the card record

Each input text is one sentence (no sentence detector runs): Spark NLP pipelines on the cards
put a SentenceDetector first, so a text holding several sentences gets one vector here and one
per sentence there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from runtime.errors import ModelFolderError, UnsupportedAnnotatorError
from runtime.session import BertSession, Output, SessionOptions, in_windows, run_in_input_order
from runtime.tokenizer import (
    SparkNlpTokenizer,
    SparkToken,
    TokenAlignment,
    read_vocab_txt,
    spark_default_tokenize,
    vocab_from_tokenizer_json,
)

if TYPE_CHECKING:
    import pandas as pd

    from registry.card import Card
    from runtime.artifacts.model_folder import ModelFolder
    from runtime.card_facts import CardFacts

Level = Literal["sentence", "token"]
SUPPORTED_ANNOTATORS: dict[str, Level] = {"BertSentenceEmbeddings": "sentence", "BertEmbeddings": "token"}


def check_supported(annotator: str | None, model: str) -> Level:
    """The output level of a supported annotator; a clear error for the others."""
    short = (annotator or "").rsplit(".", 1)[-1]
    if short in SUPPORTED_ANNOTATORS:
        return SUPPORTED_ANNOTATORS[short]
    supported = ", ".join(SUPPORTED_ANNOTATORS)
    raise UnsupportedAnnotatorError(
        f"{model}: annotator {annotator or '(none given)'} is not run by cardhub's runtime yet; "
        f"it runs {supported}. Use Spark NLP for this model, or pass annotator=... if the card "
        "omits it"
    )


@dataclass(frozen=True)
class ModelOptions:
    """Runtime knobs; every one has a default that matches Spark NLP's numbers."""

    threads: int | None = None
    """Intra-op threads; None = one per physical core."""
    batch_size: int = 32
    """Most texts per onnxruntime run."""
    batch_tokens: int | None = 512
    """Most padded tokens per run (None: no limit). Long texts then run two or three at a time:
    their attention scores (heads x length x length per text) stay in cache, and a few short
    texts are not padded to the length of a long one. Measured on MiniLM, 2 threads, batch 32:
    long texts 18 -> 29 per s, a mix of short and long 36 -> 86, short texts unchanged."""
    window: int = 2048
    """Texts tokenized and length-sorted together; bounds memory when streaming."""
    max_sentence_length: int | None = None
    """Override of the model's maxSentenceLength (Spark NLP allows up to 512)."""
    case_sensitive: bool | None = None
    annotator: str | None = None
    """Override when neither the card nor the folder says which annotator the model is."""
    cache_optimized: bool = True
    int8: bool = False
    """Opt-in weight-only int8 (see runtime.session.weight_only_int8); fp32 is the default."""


def _tokenizer_for(folder: ModelFolder, options: ModelOptions) -> SparkNlpTokenizer:
    case_sensitive = folder.case_sensitive
    if folder.vocabulary is not None:
        vocabulary: Sequence[str] = folder.vocabulary
    elif folder.tokenizer_json is not None:
        vocabulary, from_json = vocab_from_tokenizer_json(str(folder.tokenizer_json))
        case_sensitive = from_json if from_json is not None else case_sensitive
    elif (folder.path / "vocab.txt").is_file():
        vocabulary = read_vocab_txt(str(folder.path / "vocab.txt"))
    else:
        from runtime.errors import ModelFolderError

        raise ModelFolderError(f"{folder.path}: no WordPiece vocabulary (vocab.txt or tokenizer.json)")
    if options.case_sensitive is not None:
        case_sensitive = options.case_sensitive
    return SparkNlpTokenizer.from_vocab(
        vocabulary,
        case_sensitive=case_sensitive,
        max_sentence_length=options.max_sentence_length or folder.max_sentence_length,
    )


def nlu_column(card: CardFacts | None, level: Level) -> str:
    """nlu's output column: `en.embed_sentence.small_bert_L6_768` ->
    `en_embed_sentence_small_bert_L6_768_embeddings`."""
    if card is not None and card.nlu_reference:
        return card.nlu_reference.replace(".", "_") + "_embeddings"
    if card is not None:
        kind = "embed_sentence" if level == "sentence" else "embed"
        return f"{card.language}_{kind}_{card.name}_embeddings"
    return "embeddings"


class EmbeddingModel:
    """A loaded BERT embedding model: tokenizer with Spark NLP's rules + an onnxruntime session."""

    def __init__(
        self, folder: ModelFolder, card: CardFacts | None = None, options: ModelOptions | None = None
    ) -> None:
        self.options = options or ModelOptions()
        self.folder = folder
        self._card = card
        self.name = card.name if card else folder.path.name
        annotator = self.options.annotator or (card.annotator if card else None) or folder.annotator_class
        if annotator is None and folder.layout == "huggingface":
            annotator = "BertSentenceEmbeddings"  # a plain folder: sentence vectors unless told
        self.level: Level = check_supported(annotator, self.name)
        self.annotator = (annotator or "").rsplit(".", 1)[-1]
        self.tokenizer = _tokenizer_for(folder, self.options)
        session_options = SessionOptions(
            threads=self.options.threads, cache_optimized=self.options.cache_optimized, int8=self.options.int8
        )
        self.session = BertSession(folder.onnx_path, session_options)

    @property
    def info(self) -> Card | None:
        """The card record this model was loaded from (None for a bare folder). A load by name
        holds the packaged index's entry; the record is parsed on first read."""
        return self._card.record() if self._card is not None else None

    @property
    def dimension(self) -> int:
        output = self.session.output_name("pooled" if self.level == "sentence" else "sequence")
        shape = next(o.shape for o in self.session.session.get_outputs() if o.name == output)
        if isinstance(shape[-1], int):
            return shape[-1]
        return (
            int(self.embed_tokens(["a"])[0][1].shape[-1])
            if self.level == "token"
            else self.embed([""]).shape[1]
        )

    def _require_output(self, output: Output, other: str) -> None:
        try:
            self.session.output_name(output)
        except ModelFolderError as error:
            raise ModelFolderError(
                f"{self.name} is a {self.annotator} model and its graph has no {output} output; "
                f"use {other}() instead ({error})"
            ) from error

    def __repr__(self) -> str:
        return f"EmbeddingModel({self.name!r}, annotator={self.annotator}, onnx={self.folder.onnx_path})"

    # sentence vectors -------------------------------------------------------------------------

    def iter_embed(self, texts: Iterable[str], batch_size: int | None = None) -> Iterator[np.ndarray]:
        """Streams [k, dim] blocks, in input order, holding one window of texts at a time."""
        size = batch_size or self.options.batch_size
        self._require_output("pooled", "embed_tokens")
        for window in in_windows(texts, self.options.window):
            ids = self.tokenizer.encode_batch(window)
            rows = run_in_input_order(
                ids, [len(r) for r in ids], size, self._pooled_batch, self.options.batch_tokens
            )
            yield np.stack(rows)

    def _pooled_batch(self, rows: list[np.ndarray]) -> list[np.ndarray]:
        return list(self.session.run(rows, "pooled"))

    def embed(self, texts: Iterable[str] | str, batch_size: int | None = None) -> np.ndarray:
        """One vector per text: BERT's pooler_output, as Spark NLP's BertSentenceEmbeddings."""
        blocks = list(self.iter_embed([texts] if isinstance(texts, str) else texts, batch_size))
        if not blocks:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate(blocks)

    # token vectors ----------------------------------------------------------------------------

    def iter_embed_tokens(
        self, texts: Iterable[str], batch_size: int | None = None
    ) -> Iterator[tuple[list[SparkToken], np.ndarray]]:
        """Per text: the Spark tokens that got a vector and their [n_tokens, dim] vectors."""
        for window in in_windows(texts, self.options.window):
            tokens = [spark_default_tokenize(t) for t in window]
            embedded = self.iter_embed_token_lists([[t.text for t in ts] for ts in tokens], batch_size)
            for text_tokens, (kept, vectors, _) in zip(tokens, embedded, strict=True):
                yield [text_tokens[i] for i in kept], vectors

    def iter_embed_token_lists(
        self, token_lists: Iterable[Sequence[str]], batch_size: int | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per list of already split tokens (a sentence of Spark NLP's Tokenizer): the positions
        of the tokens that got a vector, their [k, dim] vectors, and the id of each one's first
        wordpiece (Spark NLP's `pieceId`)."""
        size = batch_size or self.options.batch_size
        self._require_output("sequence", "embed")
        for window in in_windows(token_lists, self.options.window):
            alignments = self.tokenizer.encode_tokens_batch(window)
            lengths = [len(a.ids) for a in alignments]
            vectors = run_in_input_order(
                alignments, lengths, size, self._token_batch, self.options.batch_tokens
            )
            for alignment, list_vectors in zip(alignments, vectors, strict=True):
                kept = np.flatnonzero(alignment.rows >= 0)
                yield kept, list_vectors, alignment.ids[alignment.rows[kept]]

    def _token_batch(self, alignments: list[TokenAlignment]) -> list[np.ndarray]:
        hidden = self.session.run([a.ids for a in alignments], "sequence")
        return [hidden[i, a.rows[a.rows >= 0]] for i, a in enumerate(alignments)]

    def embed_tokens(
        self, texts: Iterable[str] | str, batch_size: int | None = None
    ) -> list[tuple[list[str], np.ndarray]]:
        """Per text, (token strings, [n_tokens, dim]): last_hidden_state at each token's first
        wordpiece, tokens from Spark NLP's default Tokenizer (BertEmbeddings)."""
        items = self.iter_embed_tokens([texts] if isinstance(texts, str) else texts, batch_size)
        return [([t.text for t in tokens], vectors) for tokens, vectors in items]

    # nlu-shaped output ------------------------------------------------------------------------

    def predict(self, texts: Iterable[str] | str, output_level: Level | None = None) -> pd.DataFrame:
        """A DataFrame like nlu's `predict`: index = position of the input text; columns
        [<nlu column>, 'sentence'] per text or ['token', <nlu column>] per token."""
        import pandas as pd

        level = output_level or self.level
        column = nlu_column(self._card, self.level)
        items = [texts] if isinstance(texts, str) else list(texts)
        if level == "sentence":
            vectors = self.embed(items)
            return pd.DataFrame({column: list(vectors), "sentence": items}, index=range(len(items)))
        if level != "token":
            raise ValueError(f"output_level must be 'sentence' or 'token', not {output_level!r}")
        index: list[int] = []
        tokens: list[str] = []
        vectors_out: list[np.ndarray] = []
        for position, (text_tokens, vectors) in enumerate(self.embed_tokens(items)):
            index.extend([position] * len(text_tokens))
            tokens.extend(text_tokens)
            vectors_out.extend(vectors)
        return pd.DataFrame({"token": tokens, column: vectors_out}, index=index)
