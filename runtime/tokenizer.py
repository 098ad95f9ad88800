"""BERT tokenization with Spark NLP's rules, so that our ids are the ids Spark NLP feeds its models.

Spark NLP's BasicTokenizer (annotators/tokenizer/wordpiece/BasicTokenizer.scala) differs from
HuggingFace's in ways that change ids on real text:

- "punctuation" is the ASCII punctuation ranges plus the characters whose Unicode NAME contains
  "PUNCTUATION" (Character.getName), not the P* categories: curly quotes, dashes, "¿" or the
  ideographic full stop stay inside words;
- whitespace is Java's Character.isWhitespace (no-break spaces are word characters), control
  characters separate words instead of being deleted from them;
- CJK ideographs are split one per token, for BMP characters only (Scala iterates UTF-16 units);
- the text is split FIRST and each word is normalized afterwards: NFD, then the combining marks
  of the U+0300-U+036F block removed (always, also for cased models), then lowercased for
  uncased models;
- WordPiece marks a word longer than 200 UTF-16 units as [UNK].

The `tokenizers` library normalizes before it splits, so it cannot express that order; we split
and normalize in Python (a single compiled regex and a per-word fast path for ASCII) and give
the words to a `tokenizers` WordPiece model, which does the greedy longest-match in Rust.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

UNK, CLS, SEP, PAD = "[UNK]", "[CLS]", "[SEP]", "[PAD]"
MAX_WORD_UTF16_UNITS = 200
_COMBINING_DIACRITICAL_MARKS = re.compile("[\u0300-\u036f]+")
_CJK_BMP_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF))
_JAVA_EXTRA_WHITESPACE = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F}
_JAVA_NON_BREAKING = {0x00A0, 0x2007, 0x202F}


# Characters outside ASCII whose Unicode name contains "PUNCTUATION" (BMP only: Scala iterates
# UTF-16 units). Listed rather than scanned at import so that loading stays fast; the test suite
# recomputes both tables from `unicodedata` and checks them.
NAMED_PUNCTUATION_NON_ASCII = (
    0x5BE, 0x5C0, 0x5C3, 0x5C6, 0x5F3, 0x5F4, 0x61E, *range(0x830, 0x836), *range(0x837, 0x83F), 0x85E,
    0xDF4, 0x16EB, 0x16EC, 0x16ED, 0x1735, 0x1736, *range(0x1C3B, 0x1C40), 0x1C7E, 0x1C7F,
    *range(0x1CC0, 0x1CC8), 0x2008, 0x2055, 0x2056, *range(0x2058, 0x205B), 0x2E2A, 0x2E2B, 0x2E2C,
    0xA4FE, 0xA4FF, *range(0xAA5C, 0xAA60),
)  # fmt: skip
# Java's Character.isWhitespace outside ASCII: Zs/Zl/Zp minus the no-break spaces.
JAVA_WHITESPACE_NON_ASCII = (
    0x1680,
    *range(0x2000, 0x2007),
    *range(0x2008, 0x200B),
    0x2028,
    0x2029,
    0x205F,
    0x3000,
)
_ASCII_PUNCTUATION_RANGES = ((33, 47), (58, 64), (91, 96), (123, 126))


def is_spark_punctuation(code_point: int) -> bool:
    """BasicTokenizer.isPunctuation: ASCII punctuation ranges, or 'PUNCTUATION' in the char's name."""
    if any(low <= code_point <= high for low, high in _ASCII_PUNCTUATION_RANGES):
        return True
    return code_point in NAMED_PUNCTUATION_NON_ASCII


def is_java_whitespace(code_point: int) -> bool:
    """Java's Character.isWhitespace (what BasicTokenizer.isWhitespace adds to ' \\t\\n\\r')."""
    return (
        code_point in _JAVA_EXTRA_WHITESPACE or code_point == 0x20 or code_point in JAVA_WHITESPACE_NON_ASCII
    )


def is_spark_filtered(code_point: int) -> bool:
    """BasicTokenizer.isToFilter: NUL, U+FFFD and ISO controls other than tab, newline, return."""
    if code_point in (0x09, 0x0A, 0x0D):
        return False
    return code_point in (0, 0xFFFD) or code_point <= 0x1F or 0x7F <= code_point <= 0x9F


def is_spark_cjk(code_point: int) -> bool:
    return any(low <= code_point <= high for low, high in _CJK_BMP_RANGES)


def _char_class(code_points: Sequence[int]) -> str:
    """A regex character class body for the given code points, as ranges."""
    points = sorted(set(code_points))
    parts: list[str] = []
    start = prev = points[0]
    for cp in [*points[1:], -2]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(
            re.escape(chr(start)) if start == prev else f"{re.escape(chr(start))}-{re.escape(chr(prev))}"
        )
        start = prev = cp
    return "".join(parts)


@lru_cache(maxsize=1)
def _basic_split_pattern() -> re.Pattern[str]:
    """One token per punctuation or CJK char, else a maximal run of word chars."""
    ascii_punctuation = [cp for low, high in _ASCII_PUNCTUATION_RANGES for cp in range(low, high + 1)]
    cjk = [cp for low, high in _CJK_BMP_RANGES for cp in range(low, high + 1)]
    isolated = [*ascii_punctuation, *NAMED_PUNCTUATION_NON_ASCII, *cjk]
    controls = [cp for cp in [*range(0x20), *range(0x7F, 0xA0), 0xFFFD] if is_spark_filtered(cp)]
    whitespace = [0x20, *_JAVA_EXTRA_WHITESPACE, *JAVA_WHITESPACE_NON_ASCII]
    separators = set(controls + whitespace) - set(isolated)
    iso, sep = _char_class(isolated), _char_class(sorted(separators))
    return re.compile(f"[{iso}]|[^{sep}{iso}]+")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def normalize_word(word: str, case_sensitive: bool) -> str:
    """BasicTokenizer.normalize: strip accents (always), then lowercase for uncased models."""
    if not word.isascii():
        word = _COMBINING_DIACRITICAL_MARKS.sub("", unicodedata.normalize("NFD", word))
    return word if case_sensitive else word.lower()


def basic_tokenize(text: str, case_sensitive: bool) -> list[str]:
    """Spark NLP's BasicTokenizer: the normalized words of `text`, empty ones dropped."""
    words = (normalize_word(m.group(), case_sensitive) for m in _basic_split_pattern().finditer(text))
    return [w for w in words if w]


@dataclass(frozen=True)
class SparkToken:
    """A token of Spark NLP's default Tokenizer, with inclusive character offsets like Spark's."""

    text: str
    begin: int
    end: int


def spark_default_tokenize(text: str) -> list[SparkToken]:
    """Spark NLP's default `Tokenizer()` on one text (offsets from 0): split on whitespace, then
    peel the context characters . , ; : ! ? * - ( ) " ' off each end (each run one token).
    "I'd" and "didn't" stay whole. The port of Spark's rules lives in runtime.compat.token_rules."""
    from runtime.compat.token_rules import tokenize  # lazy: token_rules imports SparkToken from here

    return tokenize(text)


@dataclass(frozen=True)
class TokenAlignment:
    """Where each Spark token's vector sits in the model's output row (-1: no vector)."""

    ids: np.ndarray
    rows: np.ndarray


@dataclass
class SparkNlpTokenizer:
    """Text -> BERT input ids exactly as Spark NLP's Bert(Sentence)Embeddings build them."""

    vocabulary: dict[str, int]
    case_sensitive: bool = False
    max_sentence_length: int = 128
    _wordpiece: Tokenizer | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for special in (UNK, CLS, SEP):
            if special not in self.vocabulary:
                raise ValueError(
                    f"the vocabulary has no {special} token; is this a BERT WordPiece vocabulary?"
                )
        if not 2 < self.max_sentence_length <= 512:
            raise ValueError(
                f"max_sentence_length {self.max_sentence_length} is outside 3..512 (BERT's limit)"
            )
        self.cls_id, self.sep_id = self.vocabulary[CLS], self.vocabulary[SEP]

    @classmethod
    def from_vocab(
        cls, vocabulary: Sequence[str], *, case_sensitive: bool = False, max_sentence_length: int = 128
    ) -> SparkNlpTokenizer:
        vocab = {piece: index for index, piece in enumerate(vocabulary)}
        return cls(vocab, case_sensitive=case_sensitive, max_sentence_length=max_sentence_length)

    @property
    def wordpiece(self) -> Tokenizer:
        if self._wordpiece is None:
            from tokenizers import Tokenizer
            from tokenizers.models import WordPiece

            # The length limit is applied by us in UTF-16 units (Java's String.length).
            model = WordPiece(self.vocabulary, unk_token=UNK, max_input_chars_per_word=1_000_000)
            self._wordpiece = Tokenizer(model)
        return self._wordpiece

    def words(self, text: str) -> list[str]:
        """The normalized words WordPiece sees, with over-long words replaced by [UNK]."""
        return [_unk_if_too_long(w) for w in basic_tokenize(text, self.case_sensitive)]

    def _pieces(self, word_lists: list[list[str]]) -> list[tuple[list[int], list[int]]]:
        """Per word list: (piece ids, index of the word each piece came from)."""
        out: list[tuple[list[int], list[int]]] = [([], []) for _ in word_lists]
        nonempty = [i for i, words in enumerate(word_lists) if words]
        if nonempty:
            encodings = self.wordpiece.encode_batch(
                [word_lists[i] for i in nonempty], is_pretokenized=True, add_special_tokens=False
            )
            for i, enc in zip(nonempty, encodings, strict=True):
                out[i] = (enc.ids, [w if w is not None else -1 for w in enc.word_ids])
        return out

    def _frame(self, piece_ids: Sequence[int]) -> np.ndarray:
        body = list(piece_ids[: self.max_sentence_length - 2])
        return np.array([self.cls_id, *body, self.sep_id], dtype=np.int64)

    def encode_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        """[CLS] + pieces[:max-2] + [SEP] per text (BertSentenceEmbeddings), unpadded int64."""
        return [self._frame(ids) for ids, _ in self._pieces([self.words(t) for t in texts])]

    def encode(self, text: str) -> np.ndarray:
        return self.encode_batch([text])[0]

    def pieces(self, text: str) -> list[str]:
        """The wordpiece strings of `text` with [CLS] and [SEP], for inspection and tests."""
        inverse = {index: piece for piece, index in self.vocabulary.items()}
        return [inverse[int(i)] for i in self.encode(text)]

    def encode_tokens_batch(self, token_lists: Sequence[Sequence[str]]) -> list[TokenAlignment]:
        """BertEmbeddings.tokenizeWithAlignment: each Spark token is lowercased (uncased models),
        basic-tokenized, and only its FIRST word is kept; the token's vector is the output row of
        that word's first piece. Tokens with no word, or whose first piece falls past the
        truncation, get row -1 (Spark emits no vector for them)."""
        word_lists: list[list[str]] = []
        word_of_token: list[list[int]] = []
        for tokens in token_lists:
            words: list[str] = []
            mapping: list[int] = []
            for token in tokens:
                head = self.words(token)[:1]
                mapping.append(len(words) if head else -1)
                words.extend(head)
            word_lists.append(words)
            word_of_token.append(mapping)
        return [
            self._align(piece_ids, piece_words, mapping)
            for (piece_ids, piece_words), mapping in zip(self._pieces(word_lists), word_of_token, strict=True)
        ]

    def _align(self, piece_ids: list[int], piece_words: list[int], mapping: list[int]) -> TokenAlignment:
        first_piece: dict[int, int] = {}
        for position, word in enumerate(piece_words):
            first_piece.setdefault(word, position)
        # Spark pairs pieces[j] with output row j+1 for j < max-1 (Bert.predict's slice): the
        # last such piece lands on the [SEP] row when the sentence was truncated. We keep that.
        limit = self.max_sentence_length - 1
        rows = [
            first_piece[w] + 1 if w >= 0 and w in first_piece and first_piece[w] < limit else -1
            for w in mapping
        ]
        return TokenAlignment(ids=self._frame(piece_ids), rows=np.array(rows, dtype=np.int64))


def _unk_if_too_long(word: str) -> str:
    # UTF-16 units are at most 2 per char, so only words over 100 chars need the exact count.
    if len(word) > MAX_WORD_UTF16_UNITS // 2 and utf16_length(word) > MAX_WORD_UTF16_UNITS:
        return UNK
    return word


def read_vocab_txt(path: str) -> list[str]:
    """A HuggingFace vocab.txt: one piece per line, line number = id."""
    with open(path, encoding="utf-8") as handle:
        return [line.rstrip("\n").rstrip("\r") for line in handle]


def vocab_from_tokenizer_json(path: str) -> tuple[list[str], bool | None]:
    """The WordPiece vocabulary of a HuggingFace tokenizer.json, and its lowercase flag if it says."""
    import json

    with open(path, encoding="utf-8") as handle:
        spec = json.load(handle)
    model = spec.get("model") or {}
    if model.get("type") != "WordPiece":
        raise ValueError(f"{path}: tokenizer model is {model.get('type')!r}, not WordPiece")
    vocab: dict[str, int] = model["vocab"]
    pieces = [""] * (max(vocab.values()) + 1)
    for piece, index in vocab.items():
        pieces[index] = piece
    normalizer = spec.get("normalizer") or {}
    lowercase = normalizer.get("lowercase") if normalizer.get("type") == "BertNormalizer" else None
    return pieces, None if lowercase is None else not bool(lowercase)
