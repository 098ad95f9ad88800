"""Spark NLP's default SentenceDetector (the "pragmatic" rule-based one) as plain Python.

Followed (spark-nlp, src/main/scala/com/johnsnowlabs/nlp/):
- annotators/sbd/pragmatic/SentenceDetector.scala: which method runs, tag() (splitLength chunks and
  their offsets), annotate() (empty / minLength / maxLength filter) and SentenceSplit.pack
  (annotators/common/SentenceSplit.scala: sort by begin, metadata "sentence" = position);
- annotators/sbd/SentenceDetectorParams.scala: defaults, setter checks, truncateSentence;
- annotators/sbd/pragmatic/PragmaticMethod.scala: the order of the formatting steps (Default,
  Mixed, Custom);
- annotators/sbd/pragmatic/PragmaticContentFormatter.scala: every rule, quoted next to its port;
- annotators/sbd/pragmatic/PragmaticDictionaries.scala, PragmaticSymbols.scala, RuleSymbols.scala;
- util/regex/RuleFactory.scala: how each transform strategy rewrites a match;
- annotators/sbd/pragmatic/PragmaticSentenceExtractor.scala: split on unprotected breaks, drop the
  markers, restore the placeholders, trim, and find each sentence back in the source text.

The trick: rules rewrite the text, putting placeholder characters in place of periods that do not
end a sentence (Dr. -> Dr╞) and a BREAK character after those that do; protected spans
(quotes, parentheses, list markers) are wrapped in markers that make breaks inside them void.
The text is split on the remaining breaks, placeholders are turned back into what they stood for,
and each trimmed piece is located in the original text with indexOf from the end of the previous
sentence: that is where begin/end come from.

Java regex semantics are kept: ASCII \\s \\S \\w \\d (re.ASCII), ASCII-only (?i), `.` stopping at
five line terminators, and Java's \\b (letters and digits of any script). Offsets are Python str
indices (code points) where Spark's are UTF-16 units; see docs/compat.md for every difference.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from runtime.compat.token_rules import java_compile, java_index_of, java_split, java_trim

__all__ = ["SentenceDetectorOptions", "SentenceSpan", "detect_sentences"]


@dataclass(frozen=True)
class SentenceDetectorOptions:
    """The setters' values; defaults are Spark NLP's (SentenceDetectorParams + python wrapper)."""

    use_abbreviations: bool = True
    detect_lists: bool = True
    use_custom_bounds_only: bool = False
    custom_bounds: tuple[str, ...] = ()  # Java regexes, as in Spark (`bound.r`)
    custom_bounds_strategy: str = "none"
    split_length: int | None = None
    min_length: int = 0
    max_length: int | None = 99999

    def __post_init__(self) -> None:
        # The checks of SentenceDetectorParams' setters.
        if self.custom_bounds_strategy not in ("none", "prepend", "append"):
            raise ValueError(
                f"{self.custom_bounds_strategy} is not a valid strategy for custom bounds. "
                "Possible Values: (none, prepend, append)."
            )
        if self.min_length < 0:
            raise ValueError("minLength must be greater equal than 0")
        if self.max_length is not None and self.max_length < self.min_length:
            raise ValueError("maxLength must be greater equal than minLength")


@dataclass(frozen=True)
class SentenceSpan:
    """One sentence: its text, inclusive begin/end (+ offset) and Spark's metadata "sentence"."""

    text: str
    begin: int
    end: int
    index: int


# --- RuleSymbols.scala / PragmaticSymbols.scala --------------------------------------------------
BREAK_INDICATOR = "\uf050"
DOT = "\uf051"
SEMICOLON = "\uf053"
QUESTION = "\uf054"
EXCLAMATION = "\uf055"
PROTECTION_MARKER_OPEN = "\uf056"
PROTECTION_MARKER_CLOSE = "\uf057"
ELLIPSIS_INDICATOR = "╦"
ABBREVIATOR = "╞"
NUM_INDICATOR = "╟"
MULT_PERIOD = "╔"
QUESTION_IN_QUOTE = "╤"
EXCLAMATION_INDICATOR = "╥"

# RuleSymbols.UNPROTECTED_BREAK_INDICATOR: a break not followed by a CLOSE before any OPEN.
_UNPROTECTED_BREAK = re.compile(f"{BREAK_INDICATOR}(?![^{PROTECTION_MARKER_OPEN}]*{PROTECTION_MARKER_CLOSE})")
_SYMBOL_RECOVERY = {
    DOT: ".",
    SEMICOLON: ";",
    QUESTION: "?",
    EXCLAMATION: "!",
    PROTECTION_MARKER_OPEN: "",
    PROTECTION_MARKER_CLOSE: "",
    ABBREVIATOR: ".",
    NUM_INDICATOR: ".",
    MULT_PERIOD: ".",
    QUESTION_IN_QUOTE: "?",
    EXCLAMATION_INDICATOR: "!",
    ELLIPSIS_INDICATOR: "...",
}
_RECOVERY = re.compile("[" + "".join(_SYMBOL_RECOVERY) + "]")

# --- PragmaticDictionaries.scala (the short lists are the ones the rules use) --------------------
ABBREVIATIONS = (
    "adj", "bros", "btw", "co", "col", "corp", "cpl", "dec", "aug", "del", "dept", "dist",
    "dr", "e.g", "etc", "exp", "feb", "fy", "hr", "i.e", "id", "inc",
    "jan", "jr", "jul", "jun", "lt", "ltd", "mar", "may", "min", "mr", "mrs", "ms", "no", "nov",
    "oct", "ok", "p", "px", "plz", "prof", "rep", "sec",
    "sep", "sept", "sr", "st", "u.s", "ver", "vs",
)  # fmt: skip
PREPOSITIVE_ABBREVIATIONS = ("dr", "mr", "ms", "prof", "mt", "st")
NUMBER_ABBREVIATIONS = ("no", "p", "px")

# --- Java regex building blocks (patterns are compiled with re.ASCII: \s \S \d \w are Java's) ----
_DOT = "[^\\n\\r\\x85\\u2028\\u2029]"  # Java's `.`
_JAVA_B = "(?u:\\b)"  # Java 8-17's \b: letters and digits of every script count as word characters
# PragmaticContentFormatter.WORD_REGEX "[\\w|\\p{IsHangul}|\\p{IsHan}|\\p{IsThai}|\\p{IsHiragana}|
# \\p{IsKatakana}]": ASCII \w, a literal "|", and these scripts (ranges from Unicode's Scripts.txt).
_SCRIPTS = (
    "\\u1100-\\u11ff\\u302e\\u302f\\u3131-\\u318e\\u3200-\\u321e\\u3260-\\u327e\\ua960-\\ua97c"
    "\\uac00-\\ud7a3\\ud7b0-\\ud7c6\\ud7cb-\\ud7fb\\uffa0-\\uffbe\\uffc2-\\uffc7\\uffca-\\uffcf"
    "\\uffd2-\\uffd7\\uffda-\\uffdc"  # Hangul
    "\\u2e80-\\u2e99\\u2e9b-\\u2ef3\\u2f00-\\u2fd5\\u3005\\u3007\\u3021-\\u3029\\u3038-\\u303b"
    "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufa6d\\ufa70-\\ufad9\\U00016fe2\\U00016fe3"
    "\\U00016ff0\\U00016ff1\\U00020000-\\U0002a6df\\U0002a700-\\U0002ee5d\\U0002f800-\\U0002fa1d"
    "\\U00030000-\\U000323af"  # Han
    "\\u0e01-\\u0e3a\\u0e40-\\u0e5b"  # Thai
    "\\u3041-\\u3096\\u309d-\\u309f\\U0001b001-\\U0001b11f\\U0001b132\\U0001b150-\\U0001b152"
    "\\U0001f200"  # Hiragana
    "\\u30a1-\\u30fa\\u30fd-\\u30ff\\u31f0-\\u31ff\\u32d0-\\u32fe\\u3300-\\u3357\\uff66-\\uff6f"
    "\\uff71-\\uff9d\\U0001aff0-\\U0001aff3\\U0001aff5-\\U0001affb\\U0001affd\\U0001affe\\U0001b000"
    "\\U0001b120-\\U0001b122\\U0001b155\\U0001b164-\\U0001b167"  # Katakana
)
_WORD = f"\\w|{_SCRIPTS}"  # the content of WORD_REGEX's class
_AFTER_SPACE_OR_START = "(?:(?<=\\s)|^)"  # Java's (?<=\s|^); Python's lookbehind needs one width


def _behind(words: Iterable[str], anchor: str) -> str:
    """Java's `(?<=<anchor>(?i)(?:w1|w2|...))\\.` written as `\\.` + a lookbehind that ends with
    that period: an ASCII case-insensitive word list (its `.` are regex dots) before the period,
    after `anchor` (\\s or ^). The same matches, but the pattern starts with a literal, which
    Python's engine searches for instead of trying the lookbehinds at every position (5-10x
    faster on ordinary sentences). Java accepts a bounded-length lookbehind; Python wants one
    width per lookbehind, so the words are grouped by length."""
    by_length: dict[int, list[str]] = {}
    for word in words:
        by_length.setdefault(len(word), []).append(word.replace(".", _DOT))
    alternatives = (f"(?<={anchor}(?i:{'|'.join(group)})\\.)" for _, group in sorted(by_length.items()))
    return "(?:" + "|".join(alternatives) + ")"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII)


_PABB_S, _PABB_A = _behind(PREPOSITIVE_ABBREVIATIONS, "\\s"), _behind(PREPOSITIVE_ABBREVIATIONS, "^")
_NUBB_S, _NUBB_A = _behind(NUMBER_ABBREVIATIONS, "\\s"), _behind(NUMBER_ABBREVIATIONS, "^")
_ABBR_S, _ABBR_A = _behind(ABBREVIATIONS, "\\s"), _behind(ABBREVIATIONS, "^")
_FOLLOWS = "(?:\\s(?:[a-z]|I\\s|I'm|I'll|\\d))"

Rewrite = Callable[[re.Match[str]], str]


def _append(symbol: str) -> Rewrite:  # APPEND_WITH_SYMBOL: "$0" + symbol
    return lambda m: m.group() + symbol


def _prepend(symbol: str) -> Rewrite:  # PREPEND_WITH_SYMBOL: symbol + "$0"
    return lambda m: symbol + m.group()


def _replace(symbol: str) -> Rewrite:  # REPLACE_ALL_WITH_SYMBOL, REPLACE_EACH_WITH_SYMBOL
    return lambda m: symbol


def _replace_and_break(symbol: str) -> Rewrite:  # REPLACE_(EACH_)WITH_SYMBOL_AND_BREAK
    return lambda m: symbol + BREAK_INDICATOR


def _protect(m: re.Match[str]) -> str:  # PROTECT_FROM_BREAK
    # Scala reads OPEN + matched + CLOSE as a replacement string: a "$" or "\" in the match would make
    # Spark fail or drop the backslash; only the single-quote rule's trailing \W can hold one.
    return PROTECTION_MARKER_OPEN + m.group() + PROTECTION_MARKER_CLOSE


def _break_and_protect(m: re.Match[str]) -> str:  # BREAK_AND_PROTECT_FROM_BREAK
    return BREAK_INDICATOR + _protect(m)


# A rule that Java writes `(?<=X)\\.` is written `\\.(?<=X\\.)` here: the same matches, found by a
# literal search for the period instead of a lookbehind tried at every position (see _behind).
# Each step: (rule, rewrite) pairs applied in order, each to the whole text (RuleFactory, MATCH_ALL,
# rules folded left). The Java pattern of each rule is quoted above its port.
Step = tuple[tuple[re.Pattern[str], Rewrite], ...]

_LISTS: Step = tuple(
    (_rx(p), _break_and_protect)
    for p in (
        # (\()[a-z]+\)|^[a-z]+\)                                    "formatLists"
        "(\\()[a-z]+\\)|^[a-z]+\\)",
        # \s\d{1,2}\.\s|^\d{1,2}\.\s|\s\d{1,2}\.\)|^\d{1,2}\.\)|\s\-\d{1,2}\.\s|^\-\d{1,2}\.\s|
        # s\-\d{1,2}\.\)|^\-\d{1,2}(.\))                            "formatLists-numerical"
        "\\s\\d{1,2}\\.\\s|^\\d{1,2}\\.\\s|\\s\\d{1,2}\\.\\)|^\\d{1,2}\\.\\)|\\s\\-\\d{1,2}\\.\\s|"
        f"^\\-\\d{{1,2}}\\.\\s|s\\-\\d{{1,2}}\\.\\)|^\\-\\d{{1,2}}({_DOT}\\))",
    )
)
_NUMBERS: Step = tuple(
    (_rx(p), _replace(NUM_INDICATOR))
    for p in (
        "(?<=\\d)\\.(?=\\d)",  # (?<=\d)\.(?=\d)                  numberAndDecimals
        "\\.(?=\\d)",  # \.(?=\d)                                periodBefore
        "\\.(?<=\\d\\.)(?=\\S)",  # (?<=\d)\.(?=\S)                  periodBeforeAndBeforeLetter
        "\\.(?<=^\\d\\.)(?=(\\s\\S)|\\))",  # (?<=^\d)\.(?=(\s\S)|\))  startLinePeriod
        "(?<=^\\d\\d)\\.(?=(\\s\\S)|\\))",  # (?<=^\d\d)\.(?=(\s\S)|\))  startLineTwoDigits
    )
)
_SPECIAL_ABBREVIATIONS: Step = tuple(
    (_rx(p), _protect)
    for p in (
        # \b[a-zA-Z](?:\.[a-zA-Z])+(?:\.(?!\s[A-Z]))*            protectAbbreviations-multiplePeriod
        f"{_JAVA_B}[a-zA-Z](?:\\.[a-zA-Z])+(?:\\.(?!\\s[A-Z]))*",
        "(?i:p\\.m\\.*)",  # (?i)p\.m\.*                          protectAbbreviations-pm
        "(?i:a\\.m\\.*)",  # (?i)a\.m\.*                          protectAbbreviations-am
    )
)
_STD_ABBREVIATIONS: Step = tuple(
    (_rx(p), _replace(ABBREVIATOR))
    for p in (
        "\\.(?='s\\s)|\\.(?='s\\$)|\\.(?='s\\Z)",  # \.(?='s\s)|\.(?='s\$)|\.(?='s\z)  possessive
        "(?<=Co)\\.(?=\\sKG)",  # (?<=Co)\.(?=\sKG)                 kommandit
        "(?<=^[A-Z])\\.(?=\\s)",  # (?<=^[A-Z])\.(?=\s)             lowercaseAbb (sic)
        "\\.(?<=\\s[A-Z]\\.)(?=\\s)",  # (?<=\s[A-Z])\.(?=\s)          uppercaseAbb
    )
)
# The (?i) of `(?<=\s(?i)$abbr)` ends with the lookbehind group in Java (Pattern.group0 restores the
# flags at the group's end), so what follows the period is matched case-sensitively.
_DICT_ABBREVIATIONS: Step = tuple(
    (_rx(p), _replace(ABBREVIATOR))
    for p in (
        # (?<=\s(?i)$pabb)\.(?=\s)|(?<=^(?i)$pabb)\.(?=\s)          preposAbbr
        f"\\.(?:{_PABB_S}|{_PABB_A})(?=\\s)",
        # (?<=\s(?i)$pabb)\.(?=:\d+)|(?<=^(?i)$pabb)\.(?=:\d+)      tagged preposAbbr
        f"\\.(?:{_PABB_S}|{_PABB_A})(?=:\\d+)",
        # (?<=\s(?i)$nubb)\.(?=\s\d)|(?<=^(?i)$nubb)\.(?=\s\d)      numberAbbr
        f"\\.(?:{_NUBB_S}|{_NUBB_A})(?=\\s\\d)",
        # (?<=\s(?i)$nubb)\.(?=\s+\()|(?<=^(?i)$nubb)\.(?=\s+\()    tagged numberAbbr
        f"\\.(?:{_NUBB_S}|{_NUBB_A})(?=\\s+\\()",
        # (?<=\s(?i)$abbr)\.(?=((\.|\:|-|\?)|(\s([a-z]|I\s|I'm|I'll|\d))))|
        # (?<=^(?i)$abbr)\.(?=((\.|\:|\?)|(\s([a-z]|I\s|I'm|I'll|\d))))   generalAbbr
        f"\\.(?:{_ABBR_S}(?=(?:[.:\\-?]|{_FOLLOWS}))|{_ABBR_A}(?=(?:[.:?]|{_FOLLOWS})))",
        # (?<=\s(?i)$abbr)\.(?=,)|(?<=^(?i)$abbr)\.(?=,)            otherAbbr
        f"\\.(?:{_ABBR_S}|{_ABBR_A})(?=,)",
    )
)
_PUNCTUATIONS: Step = (
    # (?<=\S)[!\?]+(?=\s|\z|\$)                                     continuous
    (_rx("(?<=\\S)[!?]+(?=\\s|\\Z|\\$)"), _append(BREAK_INDICATOR)),
)
_MULTIPLE_PERIODS: Step = (
    # (?<=WORD_REGEX)\.(?=WORD_REGEX)                                formatMultiplePeriods
    (_rx(f"(?<=[{_WORD}])\\.(?=[{_WORD}])"), _replace(MULT_PERIOD)),
)
_GEO_LOCATIONS: Step = (
    # (?<=[a-zA-z]°)\.(?=\s*\d+)   ("A-z" spans [\]^_` too, kept)     formatGeo
    (_rx("\\.(?<=[a-zA-z]°\\.)(?=\\s*\\d+)"), _replace(MULT_PERIOD)),
)
_ELLIPSIS: Step = (
    # \.\.\.(?=\s+[A-Z])                                             threeConsec
    (_rx("\\.\\.\\.(?=\\s+[A-Z])"), _replace_and_break(ELLIPSIS_INDICATOR)),
    # (?<=\S)\.{3}(?=\.\s[A-Z])                                      fourConsec
    (_rx("(?<=\\S)\\.{3}(?=\\.\\s[A-Z])"), _replace_and_break(ELLIPSIS_INDICATOR)),
)
_BETWEEN_PUNCTUATIONS: Step = tuple(
    (_rx(p), _protect)
    for p in (
        # (?<=\s|^)'[WORD\s?!\.,|'WORD]+'(?:\W)   (nested classes: a union)   singleQuot
        f"{_AFTER_SPACE_OR_START}'[{_WORD}\\s?!.,|']+'(?:\\W)",
        f'"[{_WORD}\\s?!.,]+"',  # "[WORD\s?!\.,]+"                 doubleQuot
        f"\\[[{_WORD}\\s?!.,]+\\]",  # \[[WORD\s?!\.,]+\]           squareBrack
        f"\\([{_WORD}\\s?!.,]+\\)",  # \([WORD\s?!\.,]+\)           parens
    )
)
_QUOTATION_MARK_IN_QUOTATION: Step = (
    (_rx("\\?(?=('|\"))"), _replace(QUESTION_IN_QUOTE)),  # \?(?=(\'|\"))
)
_EXCLAMATION_POINT: Step = tuple(
    (_rx(p), _replace(EXCLAMATION_INDICATOR))
    for p in (
        "!(?=('|\"))",  # \!(?=(\'|\"))                             inQuot
        "!(?=,\\s[a-z])",  # \!(?=\,\s[a-z])                        beforeComma
        "!(?=\\s[a-z])",  # \!(?=\s[a-z])                           midSentence
    )
)
_BASIC_BREAKERS: Step = (
    (_rx("\\."), _replace_and_break(DOT)),  # \.  -> DOT + BREAK
    (_rx(";"), _replace_and_break(SEMICOLON)),  # ;  -> SEMICOLON + BREAK
)


def _apply(step: Step, text: str) -> str:
    for rule, rewrite in step:
        text = rule.sub(rewrite, text)
    return text


@functools.lru_cache(maxsize=64)
def _custom_bounds_step(bounds: tuple[str, ...], strategy: str) -> Step:
    # SentenceDetector.model: none -> REPLACE_ALL_WITH_SYMBOL (the bound is dropped),
    # prepend / append -> the bound is kept, with a break before / after it.
    rewrite = {"none": _replace, "prepend": _prepend, "append": _append}[strategy](BREAK_INDICATOR)
    return tuple((java_compile(bound), rewrite) for bound in bounds)


def _symbolize(text: str, options: SentenceDetectorOptions) -> str:
    """PragmaticMethod.scala: the formatting steps of the method SentenceDetector.model picks."""
    abbreviations = (_SPECIAL_ABBREVIATIONS, _STD_ABBREVIATIONS) + (
        (_DICT_ABBREVIATIONS,) if options.use_abbreviations else ()
    )
    lists = (_LISTS,) if options.detect_lists else ()
    if options.custom_bounds:
        custom = _custom_bounds_step(options.custom_bounds, options.custom_bounds_strategy)
        if options.use_custom_bounds_only:  # CustomPragmaticMethod
            steps: tuple[Step, ...] = (custom,)
        else:  # MixedPragmaticMethod: abbreviations come before numbers here
            steps = (custom, *lists, *abbreviations, _NUMBERS)
    else:  # DefaultPragmaticMethod (also when useCustomBoundsOnly is set without bounds)
        steps = (*lists, _NUMBERS, *abbreviations)
    if not (options.custom_bounds and options.use_custom_bounds_only):
        steps += (
            _PUNCTUATIONS,
            _MULTIPLE_PERIODS,
            _GEO_LOCATIONS,
            _ELLIPSIS,
            _BETWEEN_PUNCTUATIONS,
            _QUOTATION_MARK_IN_QUOTATION,
            _EXCLAMATION_POINT,
            _BASIC_BREAKERS,
        )
    for step in steps:
        text = _apply(step, text)
    return text


def _extract(symbolized: str, source: str) -> list[tuple[str, int, int]]:
    """PragmaticSentenceExtractor.pull: (content, start, end) of each non-empty raw sentence."""
    raw = [
        _RECOVERY.sub(lambda m: _SYMBOL_RECOVERY[m.group()], piece.replace(BREAK_INDICATOR, ""))
        for piece in java_split(_UNPROTECTED_BREAK, symbolized)
    ]
    sentences = []
    last = 0
    for piece in raw:
        if not piece:
            continue
        trimmed = java_trim(piece)
        # indexOf from the end of the previous sentence; -1 when the restored text is not in the
        # source (it held a placeholder character itself), exactly as in Spark.
        start = java_index_of(source, trimmed, last)
        end = start + len(trimmed) - 1
        sentences.append((trimmed, start, end))
        last = end + 1
    return sentences


def _truncate(sentence: str, max_length: int) -> list[str]:
    """SentenceDetectorParams.truncateSentence: greedy word packing on single spaces."""
    chunks: list[str] = []
    current: list[str] = []
    length = 0
    for word in java_split(_SPACE, sentence):
        if length + len(word) > max_length:
            chunks.append(" ".join(current))  # may be "" when the first word is already too long
            current, length = [], 0
        current.append(word)
        length += len(word) + 1
    chunks.append(" ".join(current))
    return chunks


_SPACE = re.compile(" ")


def detect_sentences(
    text: str, options: SentenceDetectorOptions = SentenceDetectorOptions(), offset: int = 0
) -> list[SentenceSpan]:
    """Spark NLP's SentenceDetector on one document: its sentences with inclusive offsets into
    `text`, shifted by `offset`, numbered as SentenceSplit.pack numbers them."""
    tagged: list[tuple[str, int, int]] = []
    for content, start, _ in _extract(_symbolize(text, options), text):
        # SentenceDetector.tag: each splitLength chunk starts 2 after the previous chunk's end.
        chunks = _truncate(content, options.split_length) if options.split_length is not None else [content]
        current = start
        for chunk in chunks:
            end = current + len(chunk) - 1
            tagged.append((chunk, current, end))
            current = end + 2
    kept = [
        t
        for t in tagged
        if t[0]
        and len(t[0]) >= options.min_length
        and (options.max_length is None or len(t[0]) <= options.max_length)
    ]
    kept.sort(key=lambda t: t[1])  # SentenceSplit.pack: stable sort by begin, then number
    return [SentenceSpan(c, b + offset, e + offset, i) for i, (c, b, e) in enumerate(kept)]
