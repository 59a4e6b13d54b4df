"""The clause pattern language: structures of words and word classes, compiled to a bounded regex.

A pattern is a sequence of elements; whitespace only separates them for the reader:

    我们? (也|真的)? 管不了          literal words, (a|b) alternatives, ? optional
    {party} 的 (事|问题)             {name}: any word of a word class (defined in a pack's `classes:`;
                                     a class may also be a pattern itself, and {num} is built in:
                                     a number in digits or Chinese numerals, 3 / 十二 / 100)
    爱 <v> 不 <v>                    <v>: one or two characters, the same both times (爱买不买, 到底要不要)
    到底 … <v> 不 <v>                …: up to `gap` characters within the clause
    ^ 就这样 $                       ^ / $: the clause starts / ends here ($ lets particles such as 吧 呢 follow)

Every element is bounded (no * or +), so a pattern costs linear time in the draft whatever a pack
says, and every pattern must hold at least one required word, which the shared Aho-Corasick
automaton finds first: a pattern's regex runs only on drafts that contain one of its anchor words.
Patterns match the normalised view (简体, lower case, half-width punctuation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from re import _parser as _sre_parser  # type: ignore[attr-defined]  # the parser behind re.compile
from typing import Any

from copilot.text.normalize import normalize_term
from copilot.text.tokenize import word_frequencies

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
# Clause breaks in the normalised view (NFKC has already made ,!?;: half-width).
BREAKS = r",.!?;:。、，！？；：～\n~\s"
_BREAK = re.compile(f"[{BREAKS}]")
PARTICLES = "呢吧啊呀哈了哦嘛啦喔噢哟嘞咯哇的亲"  # what may follow $ in the clause (不行哦亲)
_SPECIAL = set("{}()|?<>^$…\\")
_NAME = re.compile(r"[a-z][a-z0-9_-]*")


class PatternError(ValueError):
    """A clause pattern that cannot be compiled; the message is the Chinese reason."""


@dataclass(frozen=True, slots=True)
class WordClass:
    """A named list of words (a mapping class also gives each word the form a fix puts in its place),
    or a named pattern (明天 | 周五 | 十二点前 …) that other patterns use like a word."""

    name: str
    words: tuple[str, ...] = ()
    forms: Mapping[str, str] = field(default_factory=dict)  # normalised word -> its form in fixes
    pattern: str | None = None


NUMBER = "num"  # the built-in class: digits or Chinese numerals
_NUMBER_CHARS = "0123456789零一二两三四五六七八九十百千半"
_NUMBER_RE = f"[{_NUMBER_CHARS}]{{1,5}}"


# Parsed elements: ("lit", text) ("class", name) ("slot", name) ("gap",) ("start",) ("end",)
# ("group", [seq, seq, ...]) ("opt", element); a seq is a list of elements. Tagged by their first item, which
# mypy cannot narrow a tuple union on, so the items stay Any.
_Element = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    source: str
    regex: re.Pattern[str]
    anchors: tuple[str, ...]  # normalised words; every match contains one of them
    also: tuple[str, ...]  # words of another required element; every match holds one of them too (may be empty)
    captures: Mapping[str, str]  # regex group name -> word class name
    width: int  # the most characters a match can span
    crosses: bool  # a word of it holds a clause break (a comma), so a match may span two clauses


def _parse(source: str) -> list[_Element]:
    pos = 0
    text = source.replace("...", "…")

    def seq(depth: int) -> list[_Element]:
        nonlocal pos
        items: list[_Element] = []
        while pos < len(text):
            char = text[pos]
            if char.isspace():
                pos += 1
            elif char in "|)":
                if depth == 0:
                    raise PatternError(f"第 {pos + 1} 个字符 {char!r} 没有对应的 (")
                return items
            elif char == "(":
                pos += 1
                alternatives = [seq(depth + 1)]
                while pos < len(text) and text[pos] == "|":
                    pos += 1
                    alternatives.append(seq(depth + 1))
                if pos >= len(text) or text[pos] != ")":
                    raise PatternError("括号 ( 没有闭合")
                pos += 1
                if any(not alt for alt in alternatives):
                    raise PatternError("(…|…) 里有空的选项，可省略的词请在后面加 ?")
                items.append(("group", alternatives))
            elif char == "?":
                if not items or items[-1][0] in ("opt", "start", "end"):
                    raise PatternError(f"第 {pos + 1} 个字符 ? 前面没有可以省略的成分")
                items[-1] = ("opt", items[-1])
                pos += 1
            elif char in "{<":
                close = "}" if char == "{" else ">"
                end = text.find(close, pos)
                name = text[pos + 1 : end] if end > 0 else ""
                if end < 0 or not _NAME.fullmatch(name):
                    raise PatternError(f"第 {pos + 1} 个字符起的 {char}…{close} 里应为小写英文名称")
                items.append(("class" if char == "{" else "slot", name))
                pos = end + 1
            elif char == "…":
                items.append(("gap",))
                pos += 1
            elif char == "^":
                items.append(("start",))
                pos += 1
            elif char == "$":
                items.append(("end",))
                pos += 1
            elif char in "}>":
                raise PatternError(f"第 {pos + 1} 个字符 {char!r} 没有对应的开括号")
            else:
                run = []
                while pos < len(text) and not text[pos].isspace() and text[pos] not in _SPECIAL:
                    run.append(text[pos])
                    pos += 1
                if pos < len(text) and text[pos] == "\\":
                    if pos + 1 >= len(text):
                        raise PatternError("\\ 后面缺少要转义的字符")
                    run.append(text[pos + 1])
                    pos += 2
                items.append(("lit", "".join(run)))  # a ? after it makes the whole word optional
        if depth > 0:
            raise PatternError("括号 ( 没有闭合")
        return items

    items = seq(0)
    if pos < len(text):
        raise PatternError(f"第 {pos + 1} 个字符 {text[pos]!r} 没有对应的 (")
    return items


_MAX_PAIRED_ANCHORS = 256
_MAX_WIDTH = 400  # every element is bounded; this only guards the arithmetic
_MAX_FIRST_CHARS = 300


def _in_class(char: str) -> str:
    """A character escaped for use inside [...]."""
    return "\\" + char if char in "\\]^-[" else char


# A word the dictionary lacks still turns up now and then (vx, 某宝); a whole set of them is rare.
_UNKNOWN_WORD_FREQUENCY = 50


def _rarity(words: set[str]) -> tuple[int, int]:
    """How often drafts hold one of these words, by jieba's dictionary counts (lower is rarer)."""
    freq = word_frequencies()
    return sum(_frequency(word, freq) for word in words), -min(map(len, words))


def _frequency(word: str, freq: Mapping[str, int]) -> int:
    if not _HAS_WORD_CHAR.search(word):
        return _PUNCTUATION_FREQUENCY  # a comma is in nearly every draft, and no dictionary lists it
    if len(word) == 1:
        # the dictionary counts a character only where it stands alone as a word; inside other words
        # it is far commoner still (发 in 发货, 发出, 发票)
        return max(freq.get(word, 0), _UNKNOWN_CHAR_FREQUENCY) * _CHARACTER_WEIGHT
    return freq.get(word, _UNKNOWN_WORD_FREQUENCY)


_HAS_WORD_CHAR = re.compile(r"[^\W_]")
_PUNCTUATION_FREQUENCY = 10_000_000
_UNKNOWN_CHAR_FREQUENCY = 5_000  # a lone letter (v, q) turns up inside other words
_CHARACTER_WEIGHT = 20
_SELECTIVE = 20_000  # a second word list rarer than this (summed dictionary counts) is worth checking


def parse_pattern(source: str) -> None:
    """Check that source parses (PatternError with the Chinese reason when it does not)."""
    _parse(source)


class _Compiler:
    def __init__(self, classes: Mapping[str, WordClass], gap: int) -> None:
        self.classes = classes
        self.gap = gap
        self.captures: dict[str, str] = {}
        self.slots: dict[str, str] = {}
        self._expanding: list[str] = []  # pattern classes being expanded, innermost last
        self.break_words: list[str] = []  # words of the pattern that hold a clause break

    def seq(self, items: list[_Element]) -> str:
        return "".join(self.element(item) for item in items)

    def element(self, item: _Element) -> str:
        kind = item[0]
        if kind == "lit":
            word = normalize_term(item[1])
            if _BREAK.search(word):
                self.break_words.append(word)
            return re.escape(word)
        if kind == "class":
            group = "c_" + item[1].replace("-", "_")
            body = self._class_body(item[1])
            if group in self.captures or self._expanding:
                return f"(?:{body})"
            self.captures[group] = item[1]
            return f"(?P<{group}>{body})"
        if kind == "slot":
            group = "s_" + item[1].replace("-", "_")
            if group in self.slots:
                return f"(?P={group})"
            self.slots[group] = item[1]
            return f"(?P<{group}>[{_HAN}]{{1,2}})"
        if kind == "gap":
            return f"[^{BREAKS}]{{0,{self.gap}}}?"
        if kind == "start":
            return r"(?<!\w)"
        if kind == "end":
            return rf"(?=[{PARTICLES}]*(?!\w))"
        if kind == "group":
            return "(?:" + "|".join(self.seq(alt) for alt in item[1]) + ")"
        if kind == "opt":
            return f"(?:{self.element(item[1])})?"
        raise AssertionError(kind)

    def _class_body(self, name: str) -> str:
        if name == NUMBER:
            return _NUMBER_RE
        word_class = self._class(name)
        if word_class.pattern is None:
            words = sorted({normalize_term(w) for w in word_class.words} - {""}, key=lambda w: (-len(w), w))
            self.break_words.extend(word for word in words if _BREAK.search(word))
            return "|".join(map(re.escape, words))
        # A pattern class: expanded in place, without groups of its own (only the outer use captures).
        self._expanding.append(name)
        try:
            return self.seq(self._parsed(word_class))
        finally:
            self._expanding.pop()

    def _parsed(self, word_class: WordClass) -> list[_Element]:
        if word_class.name in self._expanding[:-1]:
            chain = " → ".join([*self._expanding, word_class.name])
            raise PatternError(f"词类互相引用，无法展开：{chain}")
        try:
            return _parse(word_class.pattern or "")
        except PatternError as exc:
            raise PatternError(f"词类 {{{word_class.name}}} 的模式有误：{exc}") from None

    def _class(self, name: str) -> WordClass:
        if name not in self.classes:
            known = ", ".join(sorted([*self.classes, NUMBER]))
            raise PatternError(f"未知的词类 {{{name}}}；已定义的词类：{known}")
        return self.classes[name]

    def words_of(self, item: _Element) -> set[str] | None:
        """The words one of which every match of a required element contains (None: no such list)."""
        kind = item[0]
        if kind == "lit":
            return {normalize_term(item[1])} - {""} or None
        if kind == "class":
            if item[1] == NUMBER:
                return None
            word_class = self._class(item[1])
            if word_class.pattern is not None:
                self._expanding.append(item[1])
                try:
                    return self.anchor(self._parsed(word_class))
                finally:
                    self._expanding.pop()
            return {normalize_term(w) for w in word_class.words} - {""} or None
        if kind == "group":
            found: set[str] = set()
            for alt in item[1]:
                best = self.anchor(alt)
                if best is None:
                    return None
                found |= best
            return found
        return None

    def first_chars(self, items: list[_Element]) -> tuple[set[str] | None, bool]:
        """The characters a match of items can start with (None: any), and whether items can match nothing."""
        found: set[str] = set()
        for item in items:
            chars, nullable = self._first_of(item)
            if chars is None:
                return None, False
            found |= chars
            if not nullable:
                return found, False
        return found, True

    def _first_of(self, item: _Element) -> tuple[set[str] | None, bool]:
        kind = item[0]
        if kind == "lit":
            return {normalize_term(item[1])[:1]} - {""}, False
        if kind == "class":
            if item[1] == NUMBER:
                return set(_NUMBER_CHARS), False
            word_class = self._class(item[1])
            if word_class.pattern is None:
                return {normalize_term(w)[:1] for w in word_class.words} - {""}, False
            self._expanding.append(item[1])
            try:
                return self.first_chars(self._parsed(word_class))
            finally:
                self._expanding.pop()
        if kind in ("start", "end"):
            return set(), True
        if kind == "opt":
            return self._first_of(item[1])[0], True
        if kind == "group":
            found: set[str] = set()
            nullable = False
            for alt in item[1]:
                chars, alt_nullable = self.first_chars(alt)
                if chars is None:
                    return None, False
                found |= chars
                nullable = nullable or alt_nullable
            return found, nullable
        return None, False  # a gap or a slot can start with any character

    def exact_words(self, item: _Element) -> set[str] | None:
        """Every string a required element can match, when that is a short list (a word, a list class,
        alternatives of those); None for anything else (a pattern class, a number, an optional part)."""
        kind = item[0]
        if kind == "lit":
            return {normalize_term(item[1])} - {""} or None
        if kind == "class" and item[1] != NUMBER and self._class(item[1]).pattern is None:
            return {normalize_term(w) for w in self._class(item[1]).words} - {""} or None
        if kind == "group":
            found: set[str] = set()
            for alt in item[1]:
                if len(alt) != 1:
                    return None
                words = self.exact_words(alt[0])
                if words is None:
                    return None
                found |= words
            return found
        return None

    def anchor(self, items: list[_Element]) -> set[str] | None:
        """The most selective word list among the required elements: the one drafts hold least often.

        Two neighbouring required elements also count as one (没 (看|读) → 没看, 没读): a pair of short
        words is far rarer in a draft than either word, and every draft that holds an anchor runs the regex.
        """
        ranked = self.ranked_anchors(items)
        return ranked[0][0] if ranked else None

    def ranked_anchors(self, items: list[_Element]) -> list[tuple[set[str], frozenset[int]]]:
        """Every word list some required element (or pair of neighbours) must match, rarest first, each
        with the positions of the elements it comes from."""
        candidates = [(self.words_of(item), frozenset([n])) for n, item in enumerate(items)]
        exact = [self.exact_words(item) for item in items]
        for n, (left, right) in enumerate(zip(exact, exact[1:], strict=False)):
            if left and right and len(left) * len(right) <= _MAX_PAIRED_ANCHORS:
                candidates.append(({a + b for a in left for b in right}, frozenset([n, n + 1])))
        found = [(words, origin) for words, origin in candidates if words]
        return sorted(found, key=lambda candidate: _rarity(candidate[0]))


def compile_pattern(source: str, classes: Mapping[str, WordClass], gap: int = 6) -> CompiledPattern:
    """Compile one clause pattern; PatternError (Chinese reason) when it is malformed."""
    if not source.strip():
        raise PatternError("模式不能为空")
    items = _parse(source)
    compiler = _Compiler(classes, gap)
    regex = compiler.seq(items)
    ranked = compiler.ranked_anchors(items)
    anchors = ranked[0][0] if ranked else None
    # a second, independent necessary word list: a draft must hold both before the regex runs
    also = next((words for words, origin in ranked[1:] if not origin & ranked[0][1]), set())
    if also and _rarity(also)[0] > _SELECTIVE:
        also = set()  # as common as 的 or 发: every draft has it, and its hits only cost time
    if not anchors:
        raise PatternError("模式里至少要有一个必须出现的词或词类（用来快速定位），不能只有可省略的成分、<…> 或 …")
    for group, slot in compiler.slots.items():
        if f"(?P={group})" not in regex:
            raise PatternError(f"<{slot}> 只出现了一次；<…> 用来要求同一个字出现两次（爱<v>不<v>）")
    width = min(_sre_parser.parse(regex).getwidth()[1], _MAX_WIDTH)
    first, nullable = compiler.first_chars(items)
    if first and not nullable and len(first) <= _MAX_FIRST_CHARS:
        # The engine then skips every position no match can start at (three to four times faster on
        # a pattern that opens with a class holding numbers, which it cannot find a prefix for).
        regex = f"(?=[{''.join(sorted(map(_in_class, first)))}]){regex}"
    compiled = re.compile(regex)
    return CompiledPattern(
        source=source,
        regex=compiled,
        anchors=tuple(sorted(anchors)),
        also=tuple(sorted(also)),
        captures=dict(compiler.captures),
        width=width,
        crosses=bool(compiler.break_words),
    )
