"""`sparknlp.annotator`: the annotators cardhub runs."""

from runtime.compat.stages import (
    BertEmbeddings,
    BertSentenceEmbeddings,
    SentenceDetector,
    Tokenizer,
    TokenizerModel,
)

__all__ = ["BertEmbeddings", "BertSentenceEmbeddings", "SentenceDetector", "Tokenizer", "TokenizerModel"]
