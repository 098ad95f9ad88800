"""The tokenizer against Spark NLP's rules.

`SparkReference` below is an independent, literal plain-Python transcription of Spark NLP's
BasicTokenizer.scala and WordpieceEncoder.scala: it walks UTF-16 code units like the JVM does,
decides punctuation by Unicode NAME and whitespace by Java's definition, and shares no code with
runtime.tokenizer. Hand-made vocabularies give expected pieces worked out from those rules.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.tokenizer import (
    JAVA_WHITESPACE_NON_ASCII,
    NAMED_PUNCTUATION_NON_ASCII,
    SparkNlpTokenizer,
    spark_default_tokenize,
    vocab_from_tokenizer_json,
)
from tests.fixtures.minilm import minilm_dir, varied_sentences
from tests.fixtures.tiny_bert import corpus, train_vocab


class SparkReference:
    """BasicTokenizer + WordpieceEncoder + Bert's [CLS]/[SEP] framing, transcribed from Scala."""

    def __init__(self, vocab: list[str], case_sensitive: bool, max_sentence_length: int = 128) -> None:
        self.vocab = {w: i for i, w in enumerate(vocab)}
        self.case_sensitive = case_sensitive
        self.max_sentence_length = max_sentence_length

    @staticmethod
    def units(text: str) -> list[int]:
        data = text.encode("utf-16-le", "surrogatepass")
        return [int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)]

    @staticmethod
    def string(units: list[int]) -> str:
        return b"".join(u.to_bytes(2, "little") for u in units).decode("utf-16-le", "surrogatepass")

    @staticmethod
    def is_whitespace(c: int) -> bool:  # BasicTokenizer.isWhitespace -> Character.isWhitespace
        if c in (0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x1F):
            return True
        if 0xD800 <= c <= 0xDFFF:
            return False
        return unicodedata.category(chr(c)) in ("Zs", "Zl", "Zp") and c not in (0xA0, 0x2007, 0x202F)

    @staticmethod
    def is_control(c: int) -> bool:
        return c not in (0x09, 0x0A, 0x0D) and (c <= 0x1F or 0x7F <= c <= 0x9F)  # isISOControl

    def is_to_filter(self, c: int) -> bool:
        return c == 0 or c == 0xFFFD or self.is_control(c)

    @staticmethod
    def is_punctuation(c: int) -> bool:
        if 33 <= c <= 47 or 58 <= c <= 64 or 91 <= c <= 96 or 123 <= c <= 126:
            return True
        if 0xD800 <= c <= 0xDFFF:
            return False
        return "PUNCTUATION" in unicodedata.name(chr(c), "")

    @staticmethod
    def is_chinese(c: int) -> bool:  # c is a 16-bit char: the supplementary ranges never match
        return 0x4E00 <= c <= 0x9FFF or 0x3400 <= c <= 0x4DBF or 0xF900 <= c <= 0xFAFF

    def normalize(self, units: list[int]) -> str:
        while units and units[0] <= 0x20:  # String.trim
            units = units[1:]
        while units and units[-1] <= 0x20:
            units = units[:-1]
        stripped = re.sub("[\u0300-\u036f]+", "", unicodedata.normalize("NFD", self.string(units)))
        kept = self.string([u for u in self.units(stripped) if not self.is_to_filter(u)])
        return kept if self.case_sensitive else kept.lower()

    def basic(self, text: str) -> list[str]:
        s = self.units(text)
        tokens: list[str] = []

        def append(start: int, end: int) -> None:
            normalized = self.normalize(s[start:end])
            if normalized:
                tokens.append(normalized)

        i = 0
        while i < len(s):
            while i < len(s) and self.is_whitespace(s[i]) and not self.is_punctuation(s[i]):
                i += 1
            end = i
            while (
                end < len(s)
                and not self.is_to_filter(s[end])
                and not self.is_punctuation(s[end])
                and not self.is_chinese(s[end])
                and not self.is_whitespace(s[end])
            ):
                end += 1
            if end > i:
                append(i, end)
            if end < len(s) and (self.is_punctuation(s[end]) or self.is_chinese(s[end])):
                append(end, end + 1)
            i = end + 1
        return tokens

    def wordpiece(self, token: str) -> list[int]:
        unk = self.vocab["[UNK]"]
        text = self.units(token)
        if len(text) > 200:
            return [unk]
        result: list[int] = []
        start, end = 0, len(text)
        while end > start and start < len(text):
            to_find = ("##" if start > 0 else "") + self.string(text[start:end])
            if to_find in self.vocab:
                result.append(self.vocab[to_find])
                start, end = end, len(text)
            else:
                end -= 1
                if end == start:
                    return [unk]
        return result

    def ids(self, text: str) -> list[int]:
        pieces = [p for token in self.basic(text) for p in self.wordpiece(token)]
        body = pieces[: self.max_sentence_length - 2]
        return [self.vocab["[CLS]"], *body, self.vocab["[SEP]"]]


HAND_VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "creme", "Creme", "brulee", "cafe", "“", "##hello", "##”", "hello",
    ",", "!", "東", "京", "a", "##a", "don", "'", "t", "i", "love", "nlp", "##s", "un", "##aff", "##able",
]  # fmt: skip


def hand(case_sensitive: bool = False, max_sentence_length: int = 128) -> SparkNlpTokenizer:
    return SparkNlpTokenizer.from_vocab(
        HAND_VOCAB, case_sensitive=case_sensitive, max_sentence_length=max_sentence_length
    )


def test_character_tables_match_unicode_names_and_java_whitespace() -> None:
    named = tuple(cp for cp in range(0x80, 0x10000) if "PUNCTUATION" in unicodedata.name(chr(cp), ""))
    assert named == NAMED_PUNCTUATION_NON_ASCII
    spaces = tuple(
        cp
        for cp in range(0x80, 0x10000)
        if unicodedata.category(chr(cp)) in ("Zs", "Zl", "Zp") and cp not in (0xA0, 0x2007, 0x202F)
    )
    assert spaces == JAVA_WHITESPACE_NON_ASCII


def test_accents_are_stripped_for_cased_and_uncased_models() -> None:
    assert hand(case_sensitive=True).pieces("Crème brûlée") == ["[CLS]", "Creme", "brulee", "[SEP]"]
    assert hand(case_sensitive=False).pieces("Crème BRÛLÉE") == ["[CLS]", "creme", "brulee", "[SEP]"]


def test_curly_quotes_are_not_punctuation_for_spark() -> None:
    # Names "LEFT/RIGHT DOUBLE QUOTATION MARK" lack "PUNCTUATION": the quotes stay in the word.
    assert hand().pieces("“hello”, cafe!") == ["[CLS]", "“", "##hello", "##”", ",", "cafe", "!", "[SEP]"]


def test_cjk_split_and_no_break_space_joins_words() -> None:
    assert hand().pieces("東京") == ["[CLS]", "東", "京", "[SEP]"]
    # U+00A0 is not Java whitespace: "a\u00a0a" is one word, which WordPiece cannot match.
    assert hand().pieces("a\u00a0a a\u2009a") == ["[CLS]", "[UNK]", "a", "a", "[SEP]"]


def test_control_characters_separate_words() -> None:
    assert hand().pieces("a\x01a\x00cafe") == ["[CLS]", "a", "a", "cafe", "[SEP]"]


def test_word_length_limit_counts_utf16_units() -> None:
    assert hand(max_sentence_length=512).pieces("a" * 200) == ["[CLS]", "a", *["##a"] * 199, "[SEP]"]
    assert hand().pieces("a" * 201) == ["[CLS]", "[UNK]", "[SEP]"]
    # 150 emoji are 150 code points but 300 UTF-16 units: over Spark's limit.
    assert hand().pieces("😀" * 150) == ["[CLS]", "[UNK]", "[SEP]"]


def test_truncation_keeps_cls_max_minus_two_pieces_and_sep() -> None:
    ids = hand(max_sentence_length=6).encode("a a a a a a a a")
    assert ids.tolist() == [2, 16, 16, 16, 16, 3]
    assert hand().encode("").tolist() == [2, 3]


def test_wordpiece_greedy_longest_match() -> None:
    assert hand().pieces("unaffable dons") == ["[CLS]", "un", "##aff", "##able", "don", "##s", "[SEP]"]


def test_spark_default_tokenizer_documented_example() -> None:
    # Spark NLP's Tokenizer scaladoc: [I'd, like, to, say, we, didn't, expect, that, ., Jane's, boyfriend, .]
    text = "I'd like to say we didn't expect that. Jane's boyfriend."
    tokens = spark_default_tokenize(text)
    assert [t.text for t in tokens] == [
        "I'd", "like", "to", "say", "we", "didn't", "expect", "that", ".", "Jane's", "boyfriend", ".",
    ]  # fmt: skip
    assert all(text[t.begin : t.end + 1] == t.text for t in tokens)


def test_spark_default_tokenizer_context_runs() -> None:
    assert [t.text for t in spark_default_tokenize('("Hi!!") ... --x')] == [
        '("',
        "Hi",
        '!!")',
        "...",
        "--",
        "x",
    ]


def test_token_alignment_keeps_only_each_tokens_first_basic_word() -> None:
    (alignment,) = hand().encode_tokens_batch([["I", "love", "don't", "\x01", "NLP"]])
    # "don't" -> basic words don ' t -> only "don" is encoded; "\x01" has no word.
    assert alignment.ids.tolist() == [2, 21, 22, 18, 23, 3]
    assert alignment.rows.tolist() == [1, 2, 3, -1, 4]


def test_token_alignment_after_truncation() -> None:
    (alignment,) = hand(max_sentence_length=5).encode_tokens_batch([["a", "a", "a", "a", "a"]])
    assert alignment.ids.tolist() == [2, 16, 16, 16, 3]
    # Spark pairs piece j with output row j+1 for j < max-1: the 4th token lands on [SEP]'s row.
    assert alignment.rows.tolist() == [1, 2, 3, 4, -1]


def test_vocab_from_tokenizer_json(tmp_path: Path) -> None:
    spec = {
        "normalizer": {"type": "BertNormalizer", "lowercase": False},
        "model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "x": 4}},
    }
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(spec))
    assert vocab_from_tokenizer_json(str(path)) == (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "x"], True)


def _vocabularies() -> list[tuple[str, list[str], bool]]:
    tiny_uncased = train_vocab(corpus(), lowercase=True)
    tiny_cased = train_vocab(corpus(), lowercase=False)
    out = [("tiny-uncased", tiny_uncased, False), ("tiny-cased", tiny_cased, True)]
    folder = minilm_dir()
    if folder is not None:
        minilm = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
        out += [("minilm-uncased", minilm, False), ("minilm-as-cased", minilm, True)]
    return out


@pytest.mark.parametrize(
    "name, vocab, case_sensitive", _vocabularies(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_ids_match_the_independent_reference(name: str, vocab: list[str], case_sensitive: bool) -> None:
    sentences = varied_sentences(320)
    ours = SparkNlpTokenizer.from_vocab(vocab, case_sensitive=case_sensitive, max_sentence_length=256)
    reference = SparkReference(vocab, case_sensitive, max_sentence_length=256)
    got = ours.encode_batch(sentences)
    mismatches = [s for s, ids in zip(sentences, got, strict=True) if ids.tolist() != reference.ids(s)]
    assert mismatches == [], f"{name}: {len(mismatches)} sentences differ, first: {mismatches[:3]!r}"


TRICKY = (
    "aZ09 .,;'\"!?-()“”‘’—–…¿¡«»·§¶‐"
    "\t\n\r\x0b\x0c\x1c\x00\x01\x7f\x85\ufffd\u00a0\u2007\u202f\u2008\u2009\u3000\u200b\u200d\ufeff"
    "éèÉÈçÇñÑüÜßİıΣσςΟΔ\u0301\u0308\u0327\u0483\u093c"
    "東京中文한국어カタカナ\uf900\u3400"
    "😀👍🏽🚀\U00020000\u05be\u0830\u2e2a"
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=TRICKY, max_size=40), st.booleans())
def test_random_tricky_text_matches_reference(text: str, case_sensitive: bool) -> None:
    vocab = HAND_VOCAB + [c for c in "éèçñüßıσςοδ東京中文한국어カタカナ😀" if c not in HAND_VOCAB]
    ours = SparkNlpTokenizer.from_vocab(vocab, case_sensitive=case_sensitive)
    assert ours.encode(text).tolist() == SparkReference(vocab, case_sensitive).ids(text)
