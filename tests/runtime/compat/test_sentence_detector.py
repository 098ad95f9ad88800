"""runtime.compat.sentence_detector against Spark NLP's pragmatic SentenceDetector.

Every expectation is worked out by hand from the Scala source (spark-nlp
src/main/scala/com/johnsnowlabs/nlp/annotators/sbd/pragmatic/): the comment next to it names the
PragmaticContentFormatter rule (by its RegexRule identifier) or the class that decides it. Recall
the default order (PragmaticMethod.scala, DefaultPragmaticMethod): lists, numbers, abbreviations,
punctuations (!?), multiple periods, geo locations, ellipsis, between punctuations (quotes,
brackets), question mark in quotation, exclamation point, basic breakers (every remaining "." and
";" ends a sentence). PragmaticSentenceExtractor then trims each piece and finds it with
indexOf(piece, end of the previous sentence + 1).

Offsets are Python str indices; where Spark's UTF-16 offsets differ it is said below.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.compat.sentence_detector import SentenceDetectorOptions, SentenceSpan, detect_sentences

DEFAULTS = SentenceDetectorOptions()


def spans(
    text: str, options: SentenceDetectorOptions = DEFAULTS, offset: int = 0
) -> list[tuple[str, int, int]]:
    sentences = detect_sentences(text, options, offset)
    assert [s.index for s in sentences] == list(range(len(sentences)))  # SentenceSplit.pack numbering
    return [(s.text, s.begin, s.end) for s in sentences]


def test_scaladoc_example() -> None:
    # SentenceDetector.scala / the python wrapper's example: (0, 25), (27, 41), (43, 60).
    text = "This is my first sentence. This my second. How about a third?"
    assert detect_sentences(text) == [
        SentenceSpan("This is my first sentence.", 0, 25, 0),
        SentenceSpan("This my second.", 27, 41, 1),
        SentenceSpan("How about a third?", 43, 60, 2),
    ]
    # The same with a document that starts elsewhere: every offset moves by `offset`.
    moved = detect_sentences(text, offset=100)
    assert [(s.begin, s.end) for s in moved] == [(100, 125), (127, 141), (143, 160)]


def test_abbreviations() -> None:
    # "Dr." at the start: preposAbbr (?<=^(?i)dr)\.(?=\s); "U.S." before a lowercase word:
    # protectAbbreviations-multiplePeriod keeps its last period ((?:\.(?!\s[A-Z]))*); "e.g." likewise;
    # "Mr." after a space: preposAbbr. Only the periods before " He" and " Mr" and the last one break.
    text = "Dr. Smith went to the U.S. yesterday. He paid $2.50 for 3.14 kg, e.g. apples. Mr. Brown agreed."
    assert spans(text) == [
        ("Dr. Smith went to the U.S. yesterday.", 0, 36),
        ("He paid $2.50 for 3.14 kg, e.g. apples.", 38, 76),
        ("Mr. Brown agreed.", 78, 94),
    ]


def test_multiple_period_abbreviation_before_a_capital_breaks() -> None:
    # multiplePeriod stops before "\.(?=\s[A-Z])": "U.S" is protected, its last "." breaks (basicBreakers).
    assert spans("See the U.S. Then go.") == [("See the U.S.", 0, 11), ("Then go.", 13, 20)]
    # ... but "U.S.A." before " in" keeps every period.
    assert spans("I was born in the U.S.A. in 1990.") == [("I was born in the U.S.A. in 1990.", 0, 32)]


def test_single_letter_and_number_abbreviations() -> None:
    # uppercaseAbb (?<=\s[A-Z])\.(?=\s) keeps "F." and "A." (the "A" follows "here. ", a space);
    # the period after "here" breaks.
    assert spans("John F. Kennedy was here. A. Smith too.") == [
        ("John F. Kennedy was here.", 0, 24),
        ("A. Smith too.", 26, 38),
    ]
    # generalAbbr ("dec" then " 5"), numberAbbr ("no" / "p" then " <digit>"): one sentence.
    assert spans("Dec. 5 is no. 3 on p. 12.") == [("Dec. 5 is no. 3 on p. 12.", 0, 24)]
    # am/pm rules (protectAbbreviations-pm / -am) and possessive-free "St." (preposAbbr).
    assert spans("It is 5 p.m. now. Ok.") == [("It is 5 p.m. now.", 0, 16), ("Ok.", 18, 20)]
    assert spans("I'm at St. Mary's. It's 10 a.m. today.") == [
        ("I'm at St. Mary's.", 0, 17),
        ("It's 10 a.m. today.", 19, 37),
    ]


def test_use_abbreviations_false() -> None:
    # Without the dictionary rules only the special/standard ones remain: "Dr." is an ordinary period.
    options = SentenceDetectorOptions(use_abbreviations=False)
    assert spans("Dr. Smith arrived.", options) == [("Dr.", 0, 2), ("Smith arrived.", 4, 17)]


def test_decimals_and_money() -> None:
    # numberAndDecimals (?<=\d)\.(?=\d) protects "3.14", "2.50", "5.5"; the periods after them break.
    assert spans("Pi is 3.14. Tax is $2.50 now.") == [("Pi is 3.14.", 0, 10), ("Tax is $2.50 now.", 12, 28)]
    assert spans("It was 5.5. Then 6.") == [("It was 5.5.", 0, 10), ("Then 6.", 12, 18)]
    # formatGeo (?<=[a-zA-z]°)\.(?=\s*\d+)
    assert spans("The N°. 1026 here.") == [("The N°. 1026 here.", 0, 17)]


def test_urls_and_emails() -> None:
    # formatMultiplePeriods (?<=WORD)\.(?=WORD) protects the dots inside hosts and paths; a "?" inside a
    # word is not followed by a space (formatPunctuations needs \s, \z or $ after it).
    text = "Visit https://example.com/a.b?c=d. Email me@example.org. Done."
    assert spans(text) == [
        ("Visit https://example.com/a.b?c=d.", 0, 33),
        ("Email me@example.org.", 35, 55),
        ("Done.", 57, 61),
    ]
    assert spans("Go to www.example.com. Then stop.") == [
        ("Go to www.example.com.", 0, 21),
        ("Then stop.", 23, 32),
    ]


def test_quotes_and_parentheses() -> None:
    # betweenPunctuations-doubleQuot "[WORD\s?!\.,]+" protects the quoted periods.
    assert spans('He said "Stop. Now." and left. Next one.') == [
        ('He said "Stop. Now." and left.', 0, 29),
        ("Next one.", 31, 39),
    ]
    # quotationMarkInQuot \?(?=(\'|\")): the "?" before the quote does not end the sentence.
    assert spans('He asked "why?" and left.') == [('He asked "why?" and left.', 0, 24)]
    # formatLists' first rule (\()[a-z]+\) also fires in prose: a break before "(yes)".
    assert spans("He said (yes) it works.") == [("He said", 0, 6), ("(yes) it works.", 8, 22)]


def test_ellipsis() -> None:
    # formatEllipsis-threeConsec \.\.\.(?=\s+[A-Z]): "..." then a capital ends the sentence, whole.
    assert spans("Stop... Go.") == [("Stop...", 0, 6), ("Go.", 8, 10)]
    # Before a lowercase word no ellipsis rule applies (threeOther is commented out upstream):
    # basicBreakers split after every period.
    assert spans("Words... more words.") == [
        ("Words.", 0, 5),
        (".", 6, 6),
        (".", 7, 7),
        ("more words.", 9, 19),
    ]


def test_exclamation_and_question_marks() -> None:
    # formatPunctuations-continuous (?<=\S)[!\?]+(?=\s|\z|\$) appends a break after the whole run.
    assert spans("Wait... What? Really!! Yes.") == [
        ("Wait...", 0, 6),
        ("What?", 8, 12),
        ("Really!!", 14, 21),
        ("Yes.", 23, 26),
    ]
    assert spans("Wow!!! Really?!") == [("Wow!!!", 0, 5), ("Really?!", 7, 14)]
    # exclamationPoint-midSentence runs after formatPunctuations already put a break after "!": the
    # sentence still ends there (rule order in DefaultPragmaticMethod).
    assert spans("Wow! that is great.") == [("Wow!", 0, 3), ("that is great.", 5, 18)]
    # basicBreakers-semicolon
    assert spans("Hello ; world") == [("Hello ;", 0, 6), ("world", 8, 12)]


def test_lists() -> None:
    # formatLists-numerical ^\d{1,2}\.\s and \s\d{1,2}\.\s: a break before each item, item protected.
    assert spans("1. Buy milk 2. Eat bread") == [("1. Buy milk", 0, 10), ("2. Eat bread", 12, 23)]
    # formatLists (\()[a-z]+\)
    assert spans("(a) first (b) second") == [("(a) first", 0, 8), ("(b) second", 10, 19)]
    # detectLists=false: "1." is kept by startLinePeriod (?<=^\d)\.(?=(\s\S)|\)), " 2." ends a sentence.
    no_lists = SentenceDetectorOptions(detect_lists=False)
    assert spans("1. Buy milk 2. Eat bread", no_lists) == [("1. Buy milk 2.", 0, 13), ("Eat bread", 15, 23)]


def test_whitespace_newlines_and_empty() -> None:
    assert spans("") == []
    assert spans("   ") == []
    # No rule breaks on newlines; pieces are trimmed (String.trim) and found again with indexOf.
    assert spans("One.   Two.\n\nThree") == [("One.", 0, 3), ("Two.", 7, 10), ("Three", 13, 17)]
    assert spans("See Fig.\n\nNext") == [("See Fig.", 0, 7), ("Next", 10, 13)]
    # String.trim strips characters <= U+0020 only: NO-BREAK SPACE stays in the sentence.
    assert spans("\u00a0Hi. There") == [("\u00a0Hi.", 0, 3), ("There", 5, 9)]
    # LINE SEPARATOR is not a break either.
    assert spans("one\u2028two. three") == [("one\u2028two.", 0, 7), ("three", 9, 13)]


def test_emoji_offsets_are_python_indices() -> None:
    # Spark (UTF-16) would say 0..8 for the first sentence and 10.. for the next: U+1F600 is two
    # units there, one str index here. text[begin:end+1] == sentence holds for our offsets.
    text = "😀 Hello. Bye."
    result = detect_sentences(text)
    assert [(s.text, s.begin, s.end) for s in result] == [("😀 Hello.", 0, 7), ("Bye.", 9, 12)]
    assert all(text[s.begin : s.end + 1] == s.text for s in result)


def test_cjk() -> None:
    # "。" is no breaker; the period between Han characters is protected by formatMultiplePeriods
    # (WORD_REGEX includes \p{IsHan}); the period before " Next" breaks.
    assert spans("日本語です。次の文. Bye.") == [("日本語です。次の文.", 0, 9), ("Bye.", 11, 14)]
    assert spans("東京.大阪. Next.") == [("東京.大阪.", 0, 5), ("Next.", 7, 11)]


def test_placeholder_characters_in_the_source() -> None:
    # The source already holds "╞" (ABBREVIATOR): recovery turns it into ".", indexOf cannot find
    # "a.b." and Spark's begin is -1 (end = -1 + 4 - 1). Reproduced as is.
    assert spans("a╞b. C.") == [("a.b.", -1, 2), ("C.", 5, 6)]


def test_custom_bounds_only() -> None:
    # CustomPragmaticMethod: only the bounds split; periods stay.
    options = SentenceDetectorOptions(custom_bounds=("\n\n",), use_custom_bounds_only=True)
    assert spans("Dr. Who. Yes\n\nNext. Line", options) == [("Dr. Who. Yes", 0, 11), ("Next. Line", 14, 23)]


def test_custom_bounds_strategies() -> None:
    # MixedPragmaticMethod with REPLACE_ALL_WITH_SYMBOL / PREPEND_WITH_SYMBOL / APPEND_WITH_SYMBOL.
    text = "one -- two"
    none = SentenceDetectorOptions(custom_bounds=("--",))
    prepend = SentenceDetectorOptions(custom_bounds=("--",), custom_bounds_strategy="prepend")
    append = SentenceDetectorOptions(custom_bounds=("--",), custom_bounds_strategy="append")
    assert spans(text, none) == [("one", 0, 2), ("two", 7, 9)]
    assert spans(text, prepend) == [("one", 0, 2), ("-- two", 4, 9)]
    assert spans(text, append) == [("one --", 0, 5), ("two", 7, 9)]
    # Bounds are Java regexes (bound.r), and the pragmatic rules still run in mixed mode.
    regex_bound = SentenceDetectorOptions(custom_bounds=("\\|{2}",))
    assert spans("a b || c. D e.", regex_bound) == [("a b", 0, 2), ("c.", 7, 8), ("D e.", 10, 13)]
    with pytest.raises(ValueError, match="strategy"):
        SentenceDetectorOptions(custom_bounds_strategy="middle")


def test_split_length() -> None:
    # truncateSentence packs words while length + word <= splitLength; each chunk starts at the
    # previous end + 2 (SentenceDetector.tag), each chunk its own sentence number.
    options = SentenceDetectorOptions(split_length=10)
    assert spans("This is a long sentence here.", options) == [
        ("This is a", 0, 8),
        ("long", 10, 13),
        ("sentence", 15, 22),
        ("here.", 24, 28),
    ]


def test_min_and_max_length() -> None:
    # annotate(): nonEmpty && length >= minLength && length <= maxLength, then renumbered by pack.
    text = "Hi. This is longer."
    assert spans(text, SentenceDetectorOptions(min_length=4)) == [("This is longer.", 4, 18)]
    assert spans(text, SentenceDetectorOptions(max_length=3)) == [("Hi.", 0, 2)]
    with pytest.raises(ValueError, match="maxLength"):
        SentenceDetectorOptions(min_length=5, max_length=4)


def test_offsets_slice_back_into_the_text() -> None:
    text = "Dr. Who arrived at 5 p.m. on Dec. 3. He said: \"Hi!\" (Really.) OK... Next!  Done; end."
    for s in detect_sentences(text):
        assert text[s.begin : s.end + 1] == s.text


# --- Spark NLP's own expectations -----------------------------------------------------------------
# From spark-nlp src/test/scala/com/johnsnowlabs/nlp/annotators/sbd/pragmatic/PragmaticApproachTestSpec.scala
# (the pragmatic_segmenter "golden rules" it keeps enabled; isolatedPDReadAndMatchResult runs
# MixedPragmaticMethod(useAbbreviations = true, customBounds)) and SentenceDetectorBoundsSpec.scala.
# Both the Default and the Mixed method (forced by a bound that never occurs) must give them.

THOREAU = (
    'Thoreau argues that by simplifying one’s life, "the laws of the universe will appear less complex.'
    ' . . ."'
)
GOLDEN_RULES: list[tuple[str, list[str]]] = [
    ("Hello World. My name is Jonas.", ["Hello World.", "My name is Jonas."]),
    ("What is your name? My name is Jonas.", ["What is your name?", "My name is Jonas."]),
    ("There it is! I found it.", ["There it is!", "I found it."]),
    ("My name is Jonas E. Smith.", ["My name is Jonas E. Smith."]),
    ("Please turn to p. 55.", ["Please turn to p. 55."]),
    ("Were Jane and co. at the party?", ["Were Jane and co. at the party?"]),
    (
        "They closed the deal with Pitt, Briggs & Co. at noon.",
        ["They closed the deal with Pitt, Briggs & Co. at noon."],
    ),
    ("Let's ask Jane and co. They should know.", ["Let's ask Jane and co.", "They should know."]),
    (
        "They closed the deal with Pitt, Briggs & Co. It closed yesterday.",
        ["They closed the deal with Pitt, Briggs & Co.", "It closed yesterday."],
    ),
    ("I can see Mt. Fuji from here.", ["I can see Mt. Fuji from here."]),
    (
        "St. Michael's Church is on 5th st. near the light.",
        ["St. Michael's Church is on 5th st. near the light."],
    ),
    ("That is JFK Jr.'s book.", ["That is JFK Jr.'s book."]),
    ("She has $100.00 in her bag.", ["She has $100.00 in her bag."]),
    ("She has $100.00. It is in her bag.", ["She has $100.00.", "It is in her bag."]),
    (
        "He teaches science (He previously worked for 5 years as an engineer.) at the local University.",
        ["He teaches science (He previously worked for 5 years as an engineer.) at the local University."],
    ),
    ("She turned to him, 'This is great.' she said.", ["She turned to him, 'This is great.' she said."]),
    (
        "We don't want to ignore this period. Isn't it right?",
        ["We don't want to ignore this period.", "Isn't it right?"],
    ),
    ('She turned to him, "This is great." she said.', ['She turned to him, "This is great." she said.']),
    ("Hello!! Long time no see.", ["Hello!!", "Long time no see."]),
    ("ART!!!", ["ART!!!"]),
    ("Hello?? Who is there?", ["Hello??", "Who is there?"]),
    ("Hello!? Is that you?", ["Hello!?", "Is that you?"]),
    ("Hello?! Is that you?", ["Hello?!", "Is that you?"]),
    ("1.) The first item 2.) The second item", ["1.) The first item", "2.) The second item"]),
    ("1.) The first item. 2.) The second item.", ["1.) The first item.", "2.) The second item."]),
    ("1) The first item. 2) The second item.", ["1) The first item.", "2) The second item."]),
    (
        "This is a sentence\ncut off in the middle because pdf.",
        ["This is a sentence\ncut off in the middle because pdf."],
    ),
    (
        "She works at Yahoo! in the accounting department.",
        ["She works at Yahoo!", "in the accounting department."],
    ),
    (THOREAU, [THOREAU]),
    (
        '"Bohr [...] used the analogy of parallel stairways [...]" (Smith 55).',
        ['"Bohr [...] used the analogy of parallel stairways [...]" (Smith 55).'],
    ),
    ("I visited the U.S.A. last year.", ["I visited the U.S.A. last year."]),
    ("I live in the E.U. How about you?", ["I live in the E.U.", "How about you?"]),
    ("I live in the U.S. How about you?", ["I live in the U.S.", "How about you?"]),
    ("I work for the U.S. government in Virginia.", ["I work for the U.S. government in Virginia."]),
    ("I have lived in the U.S. for 20 years.", ["I have lived in the U.S. for 20 years."]),
    (
        "Right upper lobe wedge resection: Negative for malignancy",
        ["Right upper lobe wedge resection: Negative for malignancy"],
    ),
    (
        "9. Right upper lobe wedge resection: Negative for malignancy. Normal lung.",
        ["9. Right upper lobe wedge resection: Negative for malignancy.", "Normal lung."],
    ),
    (
        "Her email is Jane.Doe@example.com. I sent her an email.",
        ["Her email is Jane.Doe@example.com.", "I sent her an email."],
    ),
    (
        "The site is: https://www.example.50.com/new-site/awesome_content.html. Please check it out.",
        ["The site is: https://www.example.50.com/new-site/awesome_content.html.", "Please check it out."],
    ),
    ("1. The first item 2. The second item", ["1. The first item", "2. The second item"]),
    ("1. The first item. 2. The second item.", ["1. The first item.", "2. The second item."]),
    (
        "Mit dieser Nachricht erhalten Sie unsere Auftragsbestätigung.",
        ["Mit dieser Nachricht erhalten Sie unsere Auftragsbestätigung."],
    ),
]


@pytest.mark.parametrize(("text", "expected"), GOLDEN_RULES)
@pytest.mark.parametrize("bounds", [(), ("\ue000",)], ids=["default", "mixed"])
def test_spark_nlp_golden_rules(text: str, expected: list[str], bounds: tuple[str, ...]) -> None:
    result = detect_sentences(text, SentenceDetectorOptions(custom_bounds=bounds))
    assert [s.text for s in result] == expected
    assert all(text[s.begin : s.end + 1] == s.text for s in result)


def test_spark_nlp_golden_custom_bounds() -> None:
    options = SentenceDetectorOptions(custom_bounds=("%%",))
    text = "Here now%%This is Jimmy%%Stop me here. And here%%Goodbye"
    assert [s.text for s in detect_sentences(text, options)] == [
        "Here now", "This is Jimmy", "Stop me here.", "And here", "Goodbye",
    ]  # fmt: skip


def test_spark_nlp_bounds_spec() -> None:
    # SentenceDetectorBoundsSpec.scala, offsets included.
    no_abbr = SentenceDetectorOptions(use_abbreviations=False)
    no_abbr_no_lists = SentenceDetectorOptions(use_abbreviations=False, detect_lists=False)
    assert spans("His age is 34. He is visiting hospital.", no_abbr_no_lists) == [
        ("His age is 34.", 0, 13),
        ("He is visiting hospital.", 15, 38),
    ]
    assert spans("Hello World!! New Sentence", no_abbr) == [
        ("Hello World!!", 0, 12),
        ("New Sentence", 14, 25),
    ]
    assert spans(" Hello World!! .  New Sentence  ", no_abbr) == [
        ("Hello World!!", 1, 13),
        (".", 15, 15),
        ("New Sentence", 18, 29),
    ]
    mixed = SentenceDetectorOptions(use_abbreviations=False, custom_bounds=("\n\n",))
    assert spans(" Hello World.\n\nNew Sentence\n\nThird", mixed) == [
        ("Hello World.", 1, 12),
        ("New Sentence", 15, 26),
        ("Third", 29, 33),
    ]
    assert spans(
        "Hello world, this is a long sentence longerThanSplitLength", SentenceDetectorOptions(split_length=12)
    ) == [
        ("Hello world,", 0, 11),
        ("this is a", 13, 21),
        ("long", 23, 26),
        ("sentence", 28, 35),
        ("longerThanSplitLength", 37, 57),
    ]
    text = "Small sentence. This is a normal sentence. This is a long sentence (longer than the maxLength)."
    assert spans(text, SentenceDetectorOptions(min_length=16, max_length=26)) == [
        ("This is a normal sentence.", 16, 41)
    ]


def test_spark_nlp_bounds_spec_strategies() -> None:
    text = "This is a sentence. This one uses custom bounds; As is this one;"

    def results(**kwargs: object) -> list[str]:
        return [s.text for s in detect_sentences(text, SentenceDetectorOptions(**kwargs))]  # type: ignore[arg-type]

    plain = ["This is a sentence", "This one uses custom bounds", "As is this one"]
    assert results(custom_bounds=("\\.", ";"), use_custom_bounds_only=True) == plain
    assert results(custom_bounds=(";",)) == ["This is a sentence.", *plain[1:]]
    appended = ["This is a sentence.", "This one uses custom bounds;", "As is this one;"]
    only_append = {"use_custom_bounds_only": True, "custom_bounds_strategy": "append"}
    assert results(custom_bounds=("\\.", ";"), **only_append) == appended
    assert results(custom_bounds=(";",), custom_bounds_strategy="append") == appended
    sub_headers = "\n1. This is a list\n1.1 This is a subpoint\n2. Second thing\n2.2 Second subthing"
    prepend = SentenceDetectorOptions(
        custom_bounds=("\\n[\\d\\.]+",), use_custom_bounds_only=True, custom_bounds_strategy="prepend"
    )
    assert [s.text for s in detect_sentences(sub_headers, prepend)] == [
        "1. This is a list", "1.1 This is a subpoint", "2. Second thing", "2.2 Second subthing",
    ]  # fmt: skip


ALPHABET = list("  \n\t.;!?,:'\"()[]-$°aAbBdDrRsSpPmMeEgGiIuU019 😀日本")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=60))
def test_sentences_slice_back_in_order(text: str) -> None:
    # Without placeholder characters in the source, every piece the extractor restores is a
    # substring found by indexOf after the previous sentence: in order, non-overlapping, exact.
    sentences = detect_sentences(text)
    for s in sentences:
        assert s.text and text[s.begin : s.end + 1] == s.text
        assert s.text == s.text.strip(" \t\n")
    assert all(a.end < b.begin for a, b in itertools.pairwise(sentences))
