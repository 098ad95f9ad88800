"""Model Information rules (CH4xx): the table's values have their types and agree with the card."""

from __future__ import annotations

from registry.card import Card, Finding
from registry.rules.base import Rule, finding

# Annotation types by the column names the cards use for them.
LABEL_TYPES = {
    "document": "document",
    "sentence": "document",
    "sentences": "document",
    "token": "token",
    "tokens": "token",
    "embeddings": "word_embeddings",
    "word_embeddings": "word_embeddings",
    "sentence_embeddings": "sentence_embeddings",
}


# Input and output annotation types of the annotators whose contract the checks know.
ANNOTATOR_TYPES: dict[str, tuple[list[str], str]] = {
    "BertEmbeddings": (["document", "token"], "word_embeddings"),
    "BertSentenceEmbeddings": (["document"], "sentence_embeddings"),
    "AlbertEmbeddings": (["document", "token"], "word_embeddings"),
    "XlnetEmbeddings": (["document", "token"], "word_embeddings"),
    "RoBertaEmbeddings": (["document", "token"], "word_embeddings"),
    "DistilBertEmbeddings": (["document", "token"], "word_embeddings"),
    "CamemBertEmbeddings": (["document", "token"], "word_embeddings"),
    "XlmRoBertaEmbeddings": (["document", "token"], "word_embeddings"),
    "WordEmbeddingsModel": (["document", "token"], "word_embeddings"),
    "ElmoEmbeddings": (["document", "token"], "word_embeddings"),
    "UniversalSentenceEncoder": (["document"], "sentence_embeddings"),
    "E5Embeddings": (["document"], "sentence_embeddings"),
    "BGEEmbeddings": (["document"], "sentence_embeddings"),
    "MPNetEmbeddings": (["document"], "sentence_embeddings"),
    "InstructorEmbeddings": (["document"], "sentence_embeddings"),
}


def check_annotator_labels(card: Card) -> list[Finding]:
    """Input labels give the annotation types the annotator takes; a typed output label its output."""
    info = card.model_information
    if info is None or card.annotator not in ANNOTATOR_TYPES:
        return []
    inputs, output = ANNOTATOR_TYPES[card.annotator]
    found: list[Finding] = []
    input_types = [LABEL_TYPES.get(label.lower()) for label in info.input_labels]
    if info.input_labels and None not in input_types and sorted(input_types) != sorted(inputs):  # type: ignore[type-var]
        found.append(
            finding(
                card,
                info.rows.get("input_labels", info.line),
                "error",
                "model_information.input_labels",
                f"{card.annotator} takes {inputs} annotations, but the input labels are {info.input_labels}",
                f"list {', '.join(inputs)} columns (e.g. "
                f"[{', '.join('sentence' if t == 'document' else t for t in inputs)}])",
                "annotator-labels",
            )
        )
    for label in info.output_labels:
        label_type = LABEL_TYPES.get(label.lower())
        if label_type and label_type not in ("document", "token") and label_type != output:
            found.append(
                finding(
                    card,
                    info.rows.get("output_labels", info.line),
                    "error",
                    "model_information.output_labels",
                    f"{card.annotator} outputs {output}, but the output label is {label!r}",
                    f"name the output column e.g. {output!r}",
                    "annotator-labels",
                )
            )
    return found


def check_model_information_agrees(card: Card) -> list[Finding]:
    info = card.model_information
    if info is None:
        return []
    found: list[Finding] = []
    if info.model_name and info.model_name != card.name:
        found.append(
            finding(
                card,
                info.rows.get("model_name", info.line),
                "warning",
                "model_information.model_name",
                f"Model Name {info.model_name!r} differs from the card's name {card.name!r}",
                "make them the same",
                "model-information-agrees",
            )
        )
    if info.language and card.language and info.language != card.language:
        found.append(
            finding(
                card,
                info.rows.get("language", info.line),
                "warning",
                "model_information.language",
                f"Language {info.language!r} differs from the card's language {card.language!r}",
                "make them the same",
                "model-information-agrees",
            )
        )
    return found


RULES = (
    Rule(
        "CH401",
        "model-information-type",
        "model information",
        "error",
        "Each Model Information value has its type (a size, a boolean, a list of labels, ...).",
        fixed="|Case sensitive:|false|\n",
        bad="|Case sensitive:|sometimes|\n",
        check="registry.values.model_information",
    ),
    Rule(
        "CH402",
        "annotator-labels",
        "model information",
        "error",
        "Input and output labels are the annotation types the annotator takes and gives.",
        fixed="|Output Labels:|[bert]|\n",
        bad="|Output Labels:|[sentence_embeddings]|\n",
        check="registry.rules.model_information.check_annotator_labels",
    ),
    Rule(
        "CH403",
        "model-information-agrees",
        "model information",
        "warning",
        "Model Name and Language are the card's name and language.",
        fixed="|Language:|en|\n",
        bad="|Language:|fr|\n",
        check="registry.rules.model_information.check_model_information_agrees",
    ),
)
