"""Regular expressions on RE2 (google-re2): time linear in the draft, whatever the pattern.

A shop's lead can save a regular expression; on Python's backtracking engine `.*.*.*坏` took seconds
on a 600-character draft, on every worker. RE2 never backtracks, and so knows no backreferences and
no lookarounds. Two things keep the patterns meaning what they meant on Python's engine:

- `\\d`, `\\w`, `\\s` (and `\\D`, `\\W`, `\\S`) are Unicode classes on Python's engine and ASCII ones on
  RE2's; they are rewritten to the Unicode classes (a lead's `加\\w*微信` still spans Chinese).
- A lookaround of one character at either edge of a pattern, or of one of its top-level
  alternatives (`(?<![0-9])1[3-9]\\d{9}(?![0-9])`, the packs' usual way to say "a whole number"), is
  matched as that character (or the text's edge) on RE2 and left out of the span; the search resumes
  where the span ended, so neighbouring matches that share the character are all found, as before.

Anything else RE2 cannot run is refused with the reason in Chinese (LinearPatternError).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import re2

from copilot.lint.regex_errors import explain_python_error, explain_re2_error

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is reported to the lead, not logged by the C++ library


class LinearPatternError(ValueError):
    """A pattern RE2 cannot run; the message says why, in Chinese."""


# What Python's engine means by \s in a str pattern: the 29 characters of str.isspace (NBSP, 　, U+2028 …).
_SPACE = r"\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
_WORD = r"\p{L}\p{N}_"  # Python's \w: str.isalnum() or _
_IN_CLASS = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": _WORD, "s": _SPACE}
_OUTSIDE = {
    "d": r"\p{Nd}",
    "D": r"\P{Nd}",
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
    "Z": r"\z",
}
_UNSUPPORTED = (
    (
        re.compile(r"\(\?<?[=!]"),
        "含前后断言（(?=…)、(?!…)、(?<=…)、(?<!…)）；"
        "只有写在模式两端、只看一个字符的断言可以用，如 (?<![0-9])…(?![0-9])",
    ),
    (re.compile(r"\\[1-9]|\(\?P="), "含反向引用（\\1、(?P=名字)）"),
    (re.compile(r"\(\?>|[*+?}]\+"), "含原子组或占有量词（(?>…)、a*+）"),
    (re.compile(r"\(\?\("), "含条件分组（(?(1)…|…)）"),
)
# An edge lookaround of one character: a class, an escape or a plain character.
_ATOM = r"(?:\[\^?\]?(?:\\.|[^\]\\])*\]|\\[^0-9]|[^\\()\[\]|*+?{}.^$])"
_LEAD = re.compile(rf"\(\?<([!=])({_ATOM})\)")
_TRAIL = re.compile(rf"\(\?([!=])({_ATOM})\)$")
_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_HEX = {"u": re.compile(r"[0-9a-fA-F]{4}"), "U": re.compile(r"[0-9a-fA-F]{8}")}


def translate(source: str) -> str:
    """The pattern with Python's Unicode \\d \\w \\s (and \\uXXXX escapes) spelt the way RE2 reads them."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source):
            letter = source[i + 1]
            table = _IN_CLASS if in_class else _OUTSIDE
            if letter in table:
                out.append(table[letter])
            elif letter in "uU" and _HEX[letter].match(source, i + 2):
                width = 4 if letter == "u" else 8
                out.append(rf"\x{{{source[i + 2 : i + 2 + width]}}}")
                i += width
            else:
                out.append(source[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            i += 1
            # a ] right after [ or [^ is a literal ]
            if source.startswith("^", i):
                out.append("^")
                i += 1
            if source.startswith("]", i):
                out.append(r"\]")
                i += 1
            continue
        if char == "]" and in_class:
            in_class = False
        if char == "{" and not in_class and source.startswith("{,", i):
            out.append("{0")  # Python reads {,n} as {0,n}; RE2 would read it as text
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _top_level_branches(source: str) -> list[str]:
    """The pattern split at its top-level |, outside groups and classes."""
    branches, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 1
            if source.startswith("^", i):
                i += 1
            if source.startswith("]", i):
                i += 1
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(source[start:i])
            start = i + 1
        i += 1
    branches.append(source[start:])
    return branches


def _complement(atom: str) -> str:
    """A class matching one character the atom does not match."""
    if atom.startswith("[^"):
        return "[" + atom[2:]
    if atom.startswith("["):
        return "[^" + atom[1:]
    return f"[^{atom}]"


def _as_class(atom: str) -> str:
    return atom if atom.startswith("[") else f"[{atom}]"


@dataclass(frozen=True, slots=True)
class _Branch:
    regex: object  # a compiled re2 pattern
    lead: bool  # the match begins with one character of context
    group: int = 0  # the group holding the span: 1 when context around it is matched too
    # for a search from the text's start: the pattern that may also begin there, without context
    at_start: object = None


def _compile(source: str, what: str) -> object:
    try:
        return re2.compile(source, _OPTIONS)
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise LinearPatternError(_reason(what, detail)) from None


def _reason(source: str, detail: str) -> str:
    for found, why in _UNSUPPORTED:
        if found.search(source):
            return (
                f"正则表达式 {source!r} {why}。规则用线性时间的引擎（RE2）匹配，长草稿也不会卡住，"
                "但它不支持这种写法，请改写"
            )
    if "repetition" in detail or "too big" in detail or "memory" in detail:
        return f"正则表达式 {source!r} 过于庞大（重复次数最多 1000，整体也不能太复杂），请改写"
    return explain_re2_error(source, detail)


def _branch(source: str, flags: str) -> _Branch:
    """One alternative, its one-character edge lookarounds turned into matched context."""
    body, lead_context, trail_context, at_start = source, "", "", False
    lead = _LEAD.match(body)
    if lead:
        sign, atom = lead.groups()
        lead_context = _complement(atom) if sign == "!" else _as_class(atom)
        at_start = sign == "!"  # nothing before the text's start: a negative lookbehind holds there
        body = body[lead.end() :]
    trail = _TRAIL.search(body)
    if trail and not body[: trail.start()].endswith("\\"):
        sign, atom = trail.groups()
        trail_context = rf"(?:{_complement(atom)}|\z)" if sign == "!" else _as_class(atom)
        body = body[: trail.start()]
    if not (lead_context or trail_context):
        return _Branch(_compile(flags + translate(source), source), lead=False)
    # the context is non-capturing, so the span is group 1 whatever groups the body has
    span, trail_context = f"({translate(body)})", translate(trail_context)
    pattern = f"{flags}(?:{translate(lead_context)}){span}{trail_context}"
    # A search from a later position starts one character early, for the context; only a search from
    # the text's start may also begin without one (else it would find again what ended at pos).
    first = _compile(f"{flags}(?:\\A|{translate(lead_context)}){span}{trail_context}", source) if at_start else None
    return _Branch(_compile(pattern, source), lead=bool(lead_context), group=1, at_start=first)


class LinearPattern:
    """A pattern compiled for RE2; spans() finds what Python's re.finditer would, in linear time."""

    def __init__(self, source: str) -> None:
        self.source = source
        try:  # Python's parser first: its reasons say where the mistake is
            re.compile(source)
        except re.error as exc:
            raise LinearPatternError(explain_python_error(source, exc)) from None
        flags_match = _FLAGS.match(source)
        flags = flags_match.group() if flags_match else ""
        rest = source[len(flags) :]
        branches = _top_level_branches(rest)
        has_edges = any(_LEAD.match(b) or _TRAIL.search(b) for b in branches)
        if has_edges:
            self._branches = [_branch(b, flags) for b in branches]
        else:
            self._branches = [_Branch(_compile(translate(source), source), lead=False)]

    def matches_empty(self) -> bool:
        """True when a match can be empty (in empty text, which every edge lookaround allows)."""
        return any(
            branch.regex.search(b"") is not None  # type: ignore[attr-defined]
            or (branch.at_start is not None and branch.at_start.search(b"") is not None)  # type: ignore[attr-defined]
            for branch in self._branches
        )

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """The non-empty [start, end) spans of the leftmost, non-overlapping matches, in text order."""
        data = text.encode("utf-8")
        ascii_only = len(data) == len(text)
        to_char = _Offsets(data)
        branches = self._branches
        # each branch's next match at or after pos (byte offsets), searched again only once passed
        pending: list[tuple[int, int] | None] = [None] * len(branches)
        exhausted = [False] * len(branches)
        pos = 0
        while pos <= len(data):
            best: tuple[int, int, int] | None = None
            for number, branch in enumerate(branches):
                if exhausted[number]:
                    continue
                span = pending[number]
                if span is None or span[0] < pos:
                    span = _search(branch, data, pos)
                    pending[number] = span
                    if span is None:
                        exhausted[number] = True
                        continue
                if best is None or span[0] < best[0]:
                    best = (span[0], span[1], number)
            if best is None:
                return
            start, end, _ = best
            if end > start:
                yield (start, end) if ascii_only else (to_char(start), to_char(end))
                pos = end
            else:  # an empty match: step over one character, as re.finditer does
                pos = end + 1
                while pos < len(data) and data[pos] & 0xC0 == 0x80:
                    pos += 1


def _search(branch: _Branch, data: bytes, pos: int) -> tuple[int, int] | None:
    """The branch's leftmost match whose span starts at or after pos (byte offsets)."""
    start, regex = pos, branch.regex
    if branch.lead and pos == 0:
        regex = branch.at_start or regex
    elif branch.lead:
        # one character before pos is context the match may begin with
        start -= 1
        while start > 0 and data[start] & 0xC0 == 0x80:
            start -= 1
    match = regex.search(data, start)  # type: ignore[attr-defined]
    if match is None:
        return None
    return match.span(branch.group)  # type: ignore[no-any-return]


class _Offsets:
    """Byte offsets of UTF-8 text to character offsets, cheap when asked in rising order."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.byte, self.char = 0, 0

    def __call__(self, offset: int) -> int:
        if offset < self.byte:
            self.byte, self.char = 0, 0
        self.char += len(self.data[self.byte : offset].decode("utf-8"))
        self.byte = offset
        return self.char
