"""runtime.compat.token_rules against Spark NLP's Tokenizer rules, with expectations worked out by
hand from the Scala source (spark-nlp src/main/scala/com/johnsnowlabs/nlp/annotators/):

- Tokenizer.scala buildRuleFactory: prefix "\\A([ctx]*)", infix "([^ctx](?:.*[^ctx])*)", suffix
  "([ctx]*)\\z" with ctx = Pattern.quote(contextChars), one rule per infix, MATCH_FIRST;
- TokenizerModel.scala tag: BREAK_PATTERN "[^(?:" + targetPattern + ")ↈ]" marks break characters;
  candidates are the runs between them (step 2); exceptions are protected (step 1); each regex group
  is one token, split again by splitChars/splitPattern (step 3); a candidate no rule matches stays
  whole (step 4); empty tokens and lengths outside [minLength, maxLength] are dropped.

Offsets are Python str indices; where Spark's UTF-16 offsets differ it is said below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.compat.token_rules import (
    TokenizerOptions,
    java_index_of,
    java_split,
    java_trim,
    tokenize,
    translate_java_regex,
)
from runtime.tokenizer import SparkToken, spark_default_tokenize

DEFAULTS = TokenizerOptions()


def spans(text: str, options: TokenizerOptions = DEFAULTS, offset: int = 0) -> list[tuple[str, int, int]]:
    return [(t.text, t.begin, t.end) for t in tokenize(text, options, offset)]


def assert_slices(text: str, tokens: list[SparkToken], offset: int = 0) -> None:
    for t in tokens:
        assert text[t.begin - offset : t.end - offset + 1] == t.text


def test_scaladoc_example() -> None:
    # Tokenizer.scala's own example output: [I'd, like, to, say, we, didn't, expect, that, ., Jane's,
    # boyfriend, .]. "'" is a context char but only at a candidate's ends: the infix keeps inner ones.
    text = "I'd like to say we didn't expect that. Jane's boyfriend."
    assert spans(text) == [
        ("I'd", 0, 2), ("like", 4, 7), ("to", 9, 10), ("say", 12, 14), ("we", 16, 17), ("didn't", 19, 24),
        ("expect", 26, 31), ("that", 33, 36), (".", 37, 37), ("Jane's", 39, 44), ("boyfriend", 46, 54),
        (".", 55, 55),
    ]  # fmt: skip


def test_abbreviations_decimals_money() -> None:
    # Only the candidate's ends are peeled: "Dr." -> "Dr" + "." (suffix group), "e.g.," -> "e.g" + ".,",
    # "U.S." -> "U.S" + "."; "3.14" and "$2.50" have no context char at the ends ("$" is not one).
    text = "Dr. Smith paid $2.50 (e.g., 3.14) in the U.S."
    assert spans(text) == [
        ("Dr", 0, 1), (".", 2, 2), ("Smith", 4, 8), ("paid", 10, 13), ("$2.50", 15, 19), ("(", 21, 21),
        ("e.g", 22, 24), (".,", 25, 26), ("3.14", 28, 31), (")", 32, 32), ("in", 34, 35), ("the", 37, 39),
        ("U.S", 41, 43), (".", 44, 44),
    ]  # fmt: skip


def test_quotes_and_runs_of_context_chars() -> None:
    # Prefix group: the whole leading run '("'; suffix group: the whole trailing run '!!")'.
    # "..." and "--" hold no non-context char: no rule matches, the candidate stays whole (step 4).
    assert spans('("Hi!!") ... --x \'quoted\'') == [
        ('("', 0, 1), ("Hi", 2, 3), ('!!")', 4, 7), ("...", 9, 11), ("--", 13, 14), ("x", 15, 15),
        ("'", 17, 17), ("quoted", 18, 23), ("'", 24, 24),
    ]  # fmt: skip


def test_urls_and_emails() -> None:
    # "/", ":", "@", "=" inside a candidate are not split: ":" is a context char only at the ends.
    text = "See https://example.com/a?b=c. Mail me@example.org!"
    assert spans(text) == [
        ("See", 0, 2), ("https://example.com/a?b=c", 4, 28), (".", 29, 29), ("Mail", 31, 34),
        ("me@example.org", 36, 49), ("!", 50, 50),
    ]  # fmt: skip


def test_whitespace_newlines_and_empty() -> None:
    # BREAK_PATTERN with "\\S+" is Java's whitespace [ \t\n\x0B\f\r]: runs of it yield no token.
    assert spans("") == []
    assert spans("  \t\n ") == []
    assert spans("a  b\n\nc\td") == [("a", 0, 0), ("b", 3, 3), ("c", 6, 6), ("d", 8, 8)]


def test_unicode_spaces_are_not_breaks() -> None:
    # Java's \S (no UNICODE_CHARACTER_CLASS) only excludes ASCII whitespace: NO-BREAK SPACE and
    # IDEOGRAPHIC SPACE are token characters for Spark's Tokenizer.
    assert spans("a\u00a0b c\u3000d") == [("a\u00a0b", 0, 2), ("c\u3000d", 4, 6)]


def test_emoji_offsets_are_python_indices() -> None:
    # One code point each here; Spark (UTF-16) would give "hi" 3..4 and "!" 5..5 after the surrogate
    # pair of U+1F600. text[begin:end+1] == result holds for our offsets.
    text = "😀 hi!"
    tokens = tokenize(text)
    assert [(t.text, t.begin, t.end) for t in tokens] == [("😀", 0, 0), ("hi", 2, 3), ("!", 4, 4)]
    assert_slices(text, tokens)


def test_cjk_is_not_segmented() -> None:
    # No whitespace, no ASCII context char at the ends: the whole run is one candidate and one token
    # ("。" is not a context char). Spark does the same: its Tokenizer does not split CJK.
    assert spans("日本語のテキスト。次") == [("日本語のテキスト。次", 0, 9)]
    assert spans("東京(とうきょう).") == [("東京(とうきょう", 0, 7), (").", 8, 9)]


def test_offset_is_the_sentence_begin() -> None:
    # TokenizerModel.tag adds text.start (the sentence annotation's begin) to every offset.
    text = "Hello there."
    tokens = tokenize(text, offset=27)
    assert [(t.text, t.begin, t.end) for t in tokens] == [("Hello", 27, 31), ("there", 33, 37), (".", 38, 38)]
    assert_slices(text, tokens, offset=27)


def test_spark_default_tokenize_is_tokenize_with_defaults() -> None:
    text = 'He said: "It\'s 5.30 p.m., isn\'t it?" (Yes.) https://a.b/c;'
    assert spark_default_tokenize(text) == tokenize(text)


def test_split_chars() -> None:
    # splitChars are joined with "|" into a regex; a group containing one is split with Java's
    # String.split and each piece gets curPos, curPos += len + 1 (one-char separator assumed).
    options = TokenizerOptions(split_chars=("-",))
    assert spans("well-known state-of-the-art.", options) == [
        ("well", 0, 3), ("known", 5, 9), ("state", 11, 15), ("of", 17, 18), ("the", 20, 22), ("art", 24, 26),
        (".", 27, 27),
    ]  # fmt: skip


def test_split_chars_quirk_on_a_prefix_made_of_the_split_char() -> None:
    # "-x": prefix group "-" contains "-" -> "-".split("-") is [] in Java (trailing empties removed),
    # curPos goes 0 -> -1 (the `finally curPos -= 1`), so Spark emits "x" at -1..-1. We reproduce it.
    assert spans("-x", TokenizerOptions(split_chars=("-",))) == [("x", -1, -1)]


def test_split_pattern_scaladoc_example() -> None:
    # Tokenizer.scala's splitPattern example: "-|#" yields Tokens, in, this, text, will, be, split, on,
    # hashtags, and, dashes.
    text = "Tokens in this-text will#be#split on hashtags-and#dashes"
    tokens = tokenize(text, TokenizerOptions(split_pattern="-|#"))
    assert [t.text for t in tokens] == [
        "Tokens", "in", "this", "text", "will", "be", "split", "on", "hashtags", "and", "dashes",
    ]  # fmt: skip
    assert_slices(text, tokens)


def test_target_pattern_scaladoc_example() -> None:
    # Tokenizer.scala's targetPattern example "a-z-0-7": BREAK_PATTERN becomes the class
    # [^(?:a-z-0-7)ↈ], so everything but a-z, 0-7, "-", "(", "?", ":", "+", ")" breaks.
    text = (
        "I only consider lowercase characters and NOT UPPERCASED and only the numbers 0,1, to 7 as tokens"
        " but not 8 or 9"
    )
    tokens = tokenize(text, TokenizerOptions(target_pattern="a-z-0-7"))
    assert [t.text for t in tokens] == [
        "only", "consider", "lowercase", "characters", "and", "and", "only", "the", "numbers", "0", "1",
        "to", "7", "as", "tokens", "but", "not", "or",
    ]  # fmt: skip
    assert_slices(text, tokens)


def test_exceptions_multiword_keep_trailing_punctuation() -> None:
    # Step 1: the space inside "New York" becomes ↈ, so the candidate "New York." holds PROTECT_CHAR
    # and is one token as written, its period included (Spark's behaviour, not a choice of ours).
    options = TokenizerOptions(exceptions=("New York",))
    assert spans("I love New York. New York is big.", options) == [
        ("I", 0, 0), ("love", 2, 5), ("New York.", 7, 15), ("New York", 17, 24), ("is", 26, 27),
        ("big", 29, 31), (".", 32, 32),
    ]  # fmt: skip


def test_exceptions_single_word_and_case() -> None:
    # A whitespace-free exception protects a candidate only when the candidate equals the match:
    # "e-mail" stays whole (split_chars would split it otherwise), "e-mail," is a normal candidate.
    options = TokenizerOptions(exceptions=("e-mail",), split_chars=("-",))
    assert spans("e-mail e-mail, E-MAIL", options) == [
        ("e-mail", 0, 5), ("e", 7, 7), ("mail", 9, 12), (",", 13, 13), ("E", 15, 15), ("MAIL", 17, 20),
    ]  # fmt: skip
    insensitive = TokenizerOptions(
        exceptions=("e-mail",), split_chars=("-",), case_sensitive_exceptions=False
    )
    assert spans("E-MAIL", insensitive) == [("E-MAIL", 0, 5)]


def test_exceptions_path(tmp_path: Path) -> None:
    path = tmp_path / "exceptions.txt"
    path.write_text("New York\nSan Francisco\n", encoding="utf-8")
    options = TokenizerOptions(exceptions_path=str(path))
    tokens = tokenize("San Francisco and New York", options)
    assert [t.text for t in tokens] == ["San Francisco", "and", "New York"]


def test_min_and_max_length() -> None:
    # The final filter of TokenizerModel.tag: nonEmpty && length >= minLength && length <= maxLength.
    text = "a bb ccc dddd."
    assert [t.text for t in tokenize(text, TokenizerOptions(min_length=2))] == ["bb", "ccc", "dddd"]
    assert [t.text for t in tokenize(text, TokenizerOptions(max_length=2))] == ["a", "bb", "."]
    with pytest.raises(ValueError, match="maxLength"):
        TokenizerOptions(min_length=3, max_length=2)


def test_context_chars_and_custom_affixes() -> None:
    # Only "." is peeled with contextChars ["."]: "(a)." -> "(a)" + ".".
    assert spans("(a).", TokenizerOptions(context_chars=(".",))) == [("(a)", 0, 2), (".", 3, 3)]
    # A custom infix with two groups: each group one token (setInfixPatterns's scaladoc idea).
    options = TokenizerOptions(infix_patterns=("([a-z]+')([a-z]+)",))
    assert spans("l'une d'un", options) == [("l'", 0, 1), ("une", 2, 4), ("d'", 6, 7), ("un", 8, 9)]
    with pytest.raises(ValueError, match="prefixPattern"):
        TokenizerOptions(prefix_pattern="([a-z]*)")
    with pytest.raises(ValueError, match="context chars"):
        TokenizerOptions(context_chars=("ab",))


def test_break_chars_already_in_the_text() -> None:
    # TokenizerModel's BREAK_CHAR "ↇ" in the input splits candidates and disappears, as in Spark.
    assert spans("aↇb") == [("a", 0, 0), ("b", 2, 2)]


def test_java_helpers() -> None:
    import re

    # String.split: trailing empty strings removed, leading kept, no match -> the input itself.
    assert java_split(re.compile("-"), "-a--b--") == ["", "a", "", "b"]
    assert java_split(re.compile("-"), "-") == []
    assert java_split(re.compile("-"), "") == [""]
    assert java_trim("\x00 a b\x1f") == "a b"
    assert java_trim("\u00a0a\u00a0") == "\u00a0a\u00a0"
    assert java_index_of("abc", "", 7) == 3
    assert java_index_of("abc", "c", -2) == 2
    # Java's `.` stops at \r, \u2028 too; `\z` is Python's `\Z`; `(?i)` mid-pattern is scoped.
    assert re.fullmatch(translate_java_regex("a.b"), "a\rb") is None
    assert re.compile(translate_java_regex("a(?i)b|c"), re.A).fullmatch("C")
    assert re.compile(translate_java_regex("a(?i)b|c"), re.A).fullmatch("aB")
    assert re.compile(translate_java_regex("\\Qa.b\\E\\z"), re.A).match("a.b")
    # \p{L} has no re class: a Unicode letter is approximated; unknown properties are refused.
    assert re.compile(translate_java_regex("[\\p{L}']+"), re.A).fullmatch("l'extrême")
    assert re.compile(translate_java_regex("\\p{Punct}+"), re.A).fullmatch("!$[")
    with pytest.raises(ValueError, match="InGreek"):
        translate_java_regex("\\p{InGreek}+")


def test_infix_pattern_scaladoc_example() -> None:
    # Tokenizer.scala's setInfixPatterns example ("([\\p{L}\\w]+'{1})([\\p{L}\\w]+)"): "This will yield:
    # l', une, d', un, l', un, , , des, l', extrême, des, l', extreme" (the ", ," is the "," token).
    options = TokenizerOptions(infix_patterns=("([\\p{L}\\w]+'{1})([\\p{L}\\w]+)",))
    text = "l'une d'un l'un, des l'extrême des l'extreme"
    tokens = tokenize(text, options)
    assert [t.text for t in tokens] == [
        "l'", "une", "d'", "un", "l'", "un", ",", "des", "l'", "extrême", "des", "l'", "extreme",
    ]  # fmt: skip
    assert_slices(text, tokens)


def test_python_wrapper_add_infix_pattern_example() -> None:
    # The python wrapper's addInfixPattern starts from [] (infixPatterns has no default), so this is
    # the only infix: candidates without "/" match no rule and stay whole (step 4); "some/text" gives
    # three groups; minLength 3 drops "is", "I" and "/".
    options = TokenizerOptions(infix_patterns=("(\\p{L}+)(\\/)(\\p{L}+\\b)",), min_length=3, max_length=6)
    assert spans("this is some/text I wrote", options) == [
        ("this", 0, 3), ("some", 8, 11), ("text", 13, 16), ("wrote", 20, 24),
    ]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list(" \t\n\x0b\f\r\u00a0\u2028.,;:!?*-()\"'aZ9$/@😀日ↇ\ue000")), max_size=40
    )
)
def test_default_fast_path_equals_the_general_path(text: str) -> None:
    # The default options take a shortcut (no BREAK_CHAR substitution, no per-group bookkeeping); a
    # split char that never occurs forces the general path, which must give the same tokens.
    general = TokenizerOptions(split_chars=("\uf8ff",))
    tokens = tokenize(text)
    assert tokens == tokenize(text, general)
    assert_slices(text, tokens)
