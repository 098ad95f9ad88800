"""Spark NLP's default `Tokenizer()` as plain Python: a port of TokenizerModel.tag.

Followed: spark-nlp src/main/scala/com/johnsnowlabs/nlp/annotators/Tokenizer.scala (params, defaults,
buildRuleFactory), TokenizerModel.scala (tag), util/regex/RuleFactory.scala (MATCH_FIRST) and the
python wrapper python/sparknlp/annotator/token/tokenizer.py (maxLength 99999). What it does, in order:

1. exceptions (if any) are found in the sentence; whitespace inside a match becomes PROTECT_CHAR;
2. every character matched by BREAK_PATTERN, the character class "[^(?:" + targetPattern + ")ↈ]"
   (with the default target "\\S+" that is exactly Java's whitespace), becomes BREAK_CHAR;
3. each run of non-BREAK_CHAR characters is a candidate; a candidate holding PROTECT_CHAR or equal
   to an exception without whitespace is one token, as written in the sentence;
4. otherwise the first rule (prefix + infix + suffix; default: leading context characters, the
   middle, trailing context characters) splits it, one token per regex group, and a group holding a
   split character / splitPattern match is split further;
5. a candidate no rule matches (only context characters, e.g. "...") is one token;
6. empty tokens and tokens outside [minLength, maxLength] are dropped.

Offsets are Python str indices (code points); Spark counts UTF-16 units (see docs/compat.md).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from runtime.tokenizer import SparkToken

__all__ = [
    "DEFAULT_CONTEXT_CHARS",
    "DEFAULT_OPTIONS",
    "TokenizerOptions",
    "java_compile",
    "java_index_of",
    "java_split",
    "java_trim",
    "tokenize",
    "translate_java_regex",
]

DEFAULT_CONTEXT_CHARS: tuple[str, ...] = (".", ",", ";", ":", "!", "?", "*", "-", "(", ")", '"', "'")

# TokenizerModel's private markers: text that already holds them behaves as in Spark (ↇ breaks).
PROTECT_CHAR = "ↈ"
BREAK_CHAR = "ↇ"

# ---------------------------------------------------------------------------------------------
# Java regex semantics on top of Python's re. Spark compiles every pattern with java.util.regex and
# no flags: \s \S \w \W \d \D are ASCII, (?i) folds ASCII only, `.` stops at five line terminators,
# `$` also matches before a final terminator. re.ASCII gives the first two; the rest is rewritten.
# ---------------------------------------------------------------------------------------------

_JAVA_LINE_TERMINATORS = "\n\r\x85\u2028\u2029"
_DOT = "[^\\n\\r\\x85\\u2028\\u2029]"
_DOT_ALL = "[\\s\\S]"
_END_BEFORE_TERMINATOR = "(?=(?:\\r\\n|[\\n\\r\\x85\\u2028\\u2029])?\\Z)"
_CLASS_ESCAPES = {  # Java-only escapes, as the content of a character class
    "h": "\\t \\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000",
    "v": "\\n\\x0b\\f\\r\\x85\\u2028\\u2029",
}
_SUPPORTED_FLAGS = set("is")
# Java's POSIX classes are US-ASCII unless UNICODE_CHARACTER_CLASS is on (Spark never sets it).
_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}
# \p{L} and friends: Python's re has no Unicode property classes; "a word character that is no
# digit and no underscore" is the closest (it also takes the numerals of categories Nl/No).
_LETTER_NAMES = {"L", "IsL", "IsLetter", "IsAlphabetic", "Alphabetic", "javaLetter"}
_LETTER = "(?u:[^\\W\\d_])"
_NOT_LETTER = "(?u:[\\W\\d_])"


def _property_name(pattern: str, i: int) -> tuple[str, int]:
    """The name of \\p{Name} / \\pL starting at i (after "\\p"), and the index after it."""
    if i < len(pattern) and pattern[i] == "{":
        end = pattern.index("}", i)
        return pattern[i + 1 : end], end + 1
    return pattern[i : i + 1], i + 1


def _class_escape(letter: str) -> str:
    return _CLASS_ESCAPES[letter.lower()]


def translate_java_regex(pattern: str) -> str:
    """A java.util.regex pattern as an equivalent Python pattern (to compile with re.ASCII).

    Covers what Spark NLP's rules and ordinary user patterns use; raises ValueError, naming the
    construct, for what Python's re cannot express the same way (\\p{..}, class intersections,
    negated nested classes, the flags d m u U x)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    class_depth = 0
    class_start, class_letters, class_negated = 0, False, False
    # One frame per open group: the inline-flag scopes opened in it and whether DOTALL is on.
    frames: list[tuple[list[str], bool]] = [([], False)]

    def close_scopes() -> None:
        out.append(")" * len(frames[-1][0]))

    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise ValueError(f"Java regex {pattern!r} ends with a lone backslash")
            e = pattern[i + 1]
            if e == "Q":  # \Q...\E quotes literally (Java removes it before parsing)
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append("".join("\\" + ch if not ch.isalnum() else ch for ch in literal))
                i = n if end < 0 else end + 2
                continue
            if e in "pP":
                name, i = _property_name(pattern, i + 2)
                negated = e == "P"
                if name in _POSIX:
                    if class_depth and negated:
                        raise ValueError(f"Java regex {pattern!r}: \\P{{{name}}} inside a class")
                    out.append(_POSIX[name] if class_depth else f"[{'^' if negated else ''}{_POSIX[name]}]")
                elif name in _LETTER_NAMES:
                    if not class_depth:
                        out.append(_NOT_LETTER if negated else _LETTER)
                    elif negated or class_negated:
                        raise ValueError(f"Java regex {pattern!r}: a letter property in a negated class")
                    else:
                        class_letters = True
                else:
                    raise ValueError(f"Java regex {pattern!r}: no Python re class for \\{e}{{{name}}}")
                continue
            if e in "hv":
                out.append(_class_escape(e) if class_depth else f"[{_class_escape(e)}]")
            elif e in "HV":
                if class_depth:
                    raise ValueError(f"Java regex {pattern!r}: \\{e} inside a class is not supported")
                out.append(f"[^{_class_escape(e)}]")
            elif e == "e":
                out.append("\\x1b")
            elif e == "z" and not class_depth:
                out.append("\\Z")
            elif e == "Z" and not class_depth:
                out.append(_END_BEFORE_TERMINATOR)
            elif e == "R" and not class_depth:
                out.append("(?:\\r\\n|[\\n\\x0b\\f\\r\\x85\\u2028\\u2029])")
            elif e == "x" and i + 2 < n and pattern[i + 2] == "{":
                end = pattern.index("}", i + 3)
                out.append(f"\\U{int(pattern[i + 3 : end], 16):08x}")
                i = end + 1
                continue
            else:
                out.append(c + e)
            i += 2
            continue
        if class_depth:
            if c == "[":
                if pattern.startswith("[^", i):
                    raise ValueError(f"Java regex {pattern!r}: negated nested classes are not supported")
                class_depth += 1  # Java's nested class is a union (Java 9+): flatten it
            elif c == "]":
                class_depth -= 1
                if class_depth == 0:
                    out.append("]")
                    if class_letters:  # [ab\p{L}] -> (?:[ab]|<letter>): re has no letter class
                        body = "".join(out[class_start:])
                        del out[class_start:]
                        out.append(f"(?:{body}|{_LETTER})" if body != "[]" else _LETTER)
            elif c == "&" and pattern.startswith("&&", i):
                raise ValueError(f"Java regex {pattern!r}: class intersections (&&) are not supported")
            elif c in "|~&-" and out and out[-1] == c:
                out.append("\\" + c)  # Python reserves doubled set operators; Java reads them literally
            else:
                out.append(c)
            i += 1
            continue
        if c == "[":
            class_depth = 1
            class_start, class_letters = len(out), False
            class_negated = pattern.startswith("[^", i)
            out.append("[")
            if class_negated:
                out.append("^")
                i += 1
            if i + 1 < n and pattern[i + 1] == "]":  # a leading ] is literal in Java too
                out.append("\\]")
                i += 1
        elif c == ".":
            out.append(_DOT_ALL if frames[-1][1] else _DOT)
        elif c == "$":
            out.append(_END_BEFORE_TERMINATOR)
        elif c == "|":
            scopes = frames[-1][0]
            close_scopes()
            out.append("|")
            out.extend(f"(?{flags}:" for flags in scopes)
        elif c == ")":
            close_scopes()
            frames.pop()
            if not frames:
                raise ValueError(f"Java regex {pattern!r} has an unbalanced ')'")
            out.append(")")
        elif c == "(":
            flags = re.match(r"\(\?([a-zA-Z]*(?:-[a-zA-Z]*)?)([:)])", pattern[i:])
            dotall = frames[-1][1]
            if flags and flags.group(1):
                letters = set(flags.group(1).replace("-", ""))
                if not letters <= _SUPPORTED_FLAGS:
                    raise ValueError(f"Java regex {pattern!r}: unsupported inline flags {sorted(letters)}")
                on, _, off = flags.group(1).partition("-")
                dotall = ("s" in on or dotall) and "s" not in off
                if flags.group(2) == ")":  # (?i) applies up to the end of the enclosing group
                    frames[-1][0].append(flags.group(1))
                    frames[-1] = (frames[-1][0], dotall)
                    out.append(f"(?{flags.group(1)}:")
                    i += flags.end()
                    continue
                frames.append(([], dotall))
                out.append(f"(?{flags.group(1)}:")
                i += flags.end()
                continue
            if pattern.startswith("(?<", i) and i + 3 < n and pattern[i + 3] not in "=!":
                out.append("(?P<")
                i += 3
                frames.append(([], dotall))
                continue
            frames.append(([], dotall))
            out.append("(")
        else:
            out.append(c)
        i += 1
    if class_depth:
        raise ValueError(f"Java regex {pattern!r} has an unclosed character class")
    if len(frames) != 1:
        raise ValueError(f"Java regex {pattern!r} has an unclosed group")
    close_scopes()
    return "".join(out)


@functools.lru_cache(maxsize=512)
def java_compile(pattern: str) -> re.Pattern[str]:
    """Compile a Java regex once (user patterns come back for every sentence)."""
    return re.compile(translate_java_regex(pattern), re.ASCII)


def java_split(regex: re.Pattern[str], text: str) -> list[str]:
    """java.lang.String.split(regex) (limit 0): no leading empty piece for a zero-width match at 0,
    the whole text when nothing matched, trailing empty pieces removed."""
    pieces: list[str] = []
    index = 0
    for m in regex.finditer(text):
        if index == 0 and m.start() == 0 and m.end() == 0:
            continue
        pieces.append(text[index : m.start()])
        index = m.end()
    if index == 0:
        return [text]
    pieces.append(text[index:])
    while pieces and not pieces[-1]:
        pieces.pop()
    return pieces


def java_trim(text: str) -> str:
    """java.lang.String.trim: strips every character <= U+0020 (not other Unicode spaces)."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def java_index_of(text: str, sub: str, from_index: int) -> int:
    """java.lang.String.indexOf(str, fromIndex): a negative start counts as 0, and an empty string
    is found at the end even past it (Python's find gives -1 there)."""
    from_index = max(from_index, 0)
    if from_index >= len(text):
        return len(text) if not sub else -1
    return text.find(sub, from_index)


# ---------------------------------------------------------------------------------------------
# The tokenizer
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenizerOptions:
    """The setters of Spark NLP's Tokenizer, with its defaults (Scala + python wrapper)."""

    target_pattern: str = "\\S+"
    # None = not set: Spark derives them from context_chars.
    prefix_pattern: str | None = None
    suffix_pattern: str | None = None
    infix_patterns: tuple[str, ...] | None = None
    exceptions: tuple[str, ...] = ()
    exceptions_path: str | None = None
    case_sensitive_exceptions: bool = True
    context_chars: tuple[str, ...] = DEFAULT_CONTEXT_CHARS
    split_pattern: str | None = None
    split_chars: tuple[str, ...] = ()
    min_length: int = 0
    max_length: int | None = 99999

    def __post_init__(self) -> None:
        # The checks of Tokenizer.scala's setters and buildRuleFactory.
        if not all(len(c) == 1 for c in self.context_chars):
            raise ValueError("All elements in context chars must have length == 1")
        if not all(len(c) == 1 or (len(c) == 2 and c[0] == "\\") for c in self.split_chars):
            raise ValueError("All elements in split chars must have length == 1 (or 2 with a leading \\)")
        if self.prefix_pattern is not None and not self.prefix_pattern.startswith("\\A"):
            raise ValueError("prefixPattern must begin with \\A to ensure it is the beginning of the string")
        if self.suffix_pattern is not None and not self.suffix_pattern.endswith("\\z"):
            raise ValueError("suffixPattern must end with \\z to ensure it is the end of the string")
        if self.infix_patterns is not None and not all("(" in p and ")" in p for p in self.infix_patterns):
            raise ValueError(
                "infix patterns must use regex group. Notice each group will result in separate token"
            )
        if self.min_length < 0:
            raise ValueError("minLength must be greater equal than 0")
        if self.max_length is not None and self.max_length < self.min_length:
            raise ValueError("maxLength must be greater equal than minLength")


@dataclass(frozen=True)
class _Compiled:
    """What TokenizerModel holds after Tokenizer.train: the rules and the break/exception regexes."""

    rules: tuple[re.Pattern[str], ...]
    break_pattern: re.Pattern[str]
    exceptions: re.Pattern[str] | None
    split_pattern: re.Pattern[str] | None
    split_chars_regex: re.Pattern[str] | None
    split_chars_last: tuple[str, ...]
    fast: bool  # one rule, default target pattern, no exceptions, no splits


def _exception_list(options: TokenizerOptions) -> list[str]:
    # Tokenizer.train: the lines of exceptionsPath, then `exceptions`.
    words: list[str] = []
    if options.exceptions_path is not None:
        text = Path(options.exceptions_path).read_text(encoding="utf-8")
        words.extend(line for line in text.splitlines() if line)
    words.extend(options.exceptions)
    return words


@functools.lru_cache(maxsize=64)
def _compile(options: TokenizerOptions) -> _Compiled:
    quoted_context = "\\Q" + "".join(options.context_chars) + "\\E"  # Pattern.quote(mkString)
    prefix = options.prefix_pattern or f"\\A([{quoted_context}]*)"
    suffix = options.suffix_pattern or f"([{quoted_context}]*)\\z"
    infixes = options.infix_patterns or (f"([^{quoted_context}](?:.*[^{quoted_context}])*)",)
    rules = tuple(java_compile(prefix + infix + suffix) for infix in infixes)
    break_pattern = java_compile("[^(?:" + options.target_pattern + ")" + PROTECT_CHAR + "]")
    words = _exception_list(options)
    exceptions = None
    if words:  # train() sets exceptions only when there are some: else `exceptionsDefined` is false
        cased = words if options.case_sensitive_exceptions else ["(?i)" + w for w in words]
        exceptions = re.compile("|".join(f"(?:{translate_java_regex(w)})" for w in cased), re.ASCII)
    split_pattern = java_compile(options.split_pattern) if options.split_pattern is not None else None
    split_chars_regex = java_compile("|".join(options.split_chars)) if options.split_chars else None
    return _Compiled(
        rules=rules,
        break_pattern=break_pattern,
        exceptions=exceptions,
        split_pattern=split_pattern,
        split_chars_regex=split_chars_regex,
        split_chars_last=tuple(c[-1] for c in options.split_chars),
        fast=len(rules) == 1
        and options.target_pattern == "\\S+"
        and exceptions is None
        and split_pattern is None
        and split_chars_regex is None,
    )


def _split_group(
    compiled: _Compiled, target: str, base: int, cur_pos: int
) -> tuple[list[SparkToken], int]:
    """One regex group of a rule match -> its tokens, and the next group's position (curPos)."""
    pattern, chars = compiled.split_pattern, compiled.split_chars_regex
    apply_pattern = pattern is not None and len(java_split(pattern, target)) > 1
    apply_chars = chars is not None and any(c in target for c in compiled.split_chars_last)
    if target and (apply_pattern or apply_chars):
        regex = pattern if apply_pattern else chars
        assert regex is not None
        tokens = []
        for piece in java_split(regex, target):
            tokens.append(SparkToken(piece, base + cur_pos, base + cur_pos + len(piece) - 1))
            # Spark assumes a one-character separator after every piece, then takes one back: with
            # longer separators or a trailing one its later offsets drift; we keep that.
            cur_pos += len(piece) + 1
        return tokens, cur_pos - 1
    return [SparkToken(target, base + cur_pos, base + cur_pos + len(target) - 1)], cur_pos + len(target)


def _candidate_tokens(compiled: _Compiled, candidate: str, start: int) -> list[SparkToken]:
    for rule in compiled.rules:  # MATCH_FIRST: the first rule that matches anywhere
        m = rule.search(candidate)
        if m is None:
            continue
        tokens: list[SparkToken] = []
        cur_pos = m.start()
        for index in range(1, (rule.groups or 0) + 1):
            group = m.group(index) or ""  # an unmatched group is null in Java: Spark would fail
            found, cur_pos = _split_group(compiled, group, start, cur_pos)
            tokens.extend(found)
        return tokens
    return [SparkToken(candidate, start, start + len(candidate) - 1)]


_CANDIDATES = re.compile(f"[^{BREAK_CHAR}]+")
# With the default targetPattern, BREAK_PATTERN is Java's whitespace: the candidates are then the
# runs of characters that are neither whitespace nor BREAK_CHAR, found in one pass (same result).
_DEFAULT_CANDIDATES = re.compile(f"[^ \\t\\n\\x0b\\f\\r{BREAK_CHAR}]+")


def _fast_tokens(
    text: str, compiled: _Compiled, offset: int, keep: Callable[[str], bool]
) -> list[SparkToken]:
    """The default configuration's path (one rule, no exceptions, no splits): the same steps as
    _tokens without the per-group bookkeeping. spark_default_tokenize runs here."""
    rule = compiled.rules[0]
    tokens: list[SparkToken] = []
    for candidate in _DEFAULT_CANDIDATES.finditer(text):
        word, start = candidate.group(), offset + candidate.start()
        m = rule.search(word)
        if m is None:
            if keep(word):
                tokens.append(SparkToken(word, start, start + len(word) - 1))
            continue
        pos = start + m.start()
        for group in m.groups():
            if group and keep(group):
                tokens.append(SparkToken(group, pos, pos + len(group) - 1))
            pos += len(group or "")
    return tokens


def _tokens(text: str, compiled: _Compiled, offset: int) -> Iterator[SparkToken]:
    without_break: set[str] = set()
    content = text
    if compiled.exceptions is not None:

        def protect(m: re.Match[str]) -> str:
            replaced = compiled.break_pattern.sub(PROTECT_CHAR, m.group())
            if replaced == m.group():
                without_break.add(m.group())
            # Scala's replaceAllIn reads this as a replacement string ("$1", "\\x"): Spark would
            # mangle or reject an exception holding $ or \; we insert it literally.
            return replaced

        content = compiled.exceptions.sub(protect, text)
    protected = compiled.break_pattern.sub(BREAK_CHAR, content)
    for candidate in _CANDIDATES.finditer(protected):
        word, start = candidate.group(), candidate.start()
        if compiled.exceptions is not None and (PROTECT_CHAR in word or word in without_break):
            yield SparkToken(text[start : candidate.end()], offset + start, offset + candidate.end() - 1)
        else:
            yield from _candidate_tokens(compiled, word, offset + start)


DEFAULT_OPTIONS = TokenizerOptions()
_DEFAULT_COMPILED = _compile(DEFAULT_OPTIONS)  # a few regexes: cheap at import


def tokenize(text: str, options: TokenizerOptions = DEFAULT_OPTIONS, offset: int = 0) -> list[SparkToken]:
    """Spark NLP's Tokenizer on one sentence: its tokens with inclusive offsets, shifted by `offset`
    (the sentence's begin, as Spark's tokens carry document-level positions)."""
    compiled = _DEFAULT_COMPILED if options is DEFAULT_OPTIONS else _compile(options)
    min_length, max_length = options.min_length, options.max_length

    def keep(token: str) -> bool:
        # The final filter of TokenizerModel.tag.
        return bool(token) and len(token) >= min_length and (max_length is None or len(token) <= max_length)

    if compiled.fast:
        return _fast_tokens(text, compiled, offset, keep)
    return [token for token in _tokens(text, compiled, offset) if keep(token.text)]

