"""Spreadsheet cells that stay text: CSV exports escape what Excel would run as a formula, imports undo it.

A cell starting with = + - @ (or a tab or carriage return, which Excel skips before one) is written with
a leading apostrophe, as OWASP advises against CSV formula injection. A cell that already starts with an
apostrophe gets a second one, so `unescape_cell(escape_cell(text)) == text` for every text: an export
imported again restores the original exactly.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = (*FORMULA_START, "'")


def escape_cell(value: object) -> object:
    """The value as a cell that Excel shows as text (non-text values are left alone)."""
    return "'" + value if isinstance(value, str) and value.startswith(_ESCAPED) else value


def unescape_cell(text: str) -> str:
    """A cell's text as it was before escape_cell (an apostrophe before = + - @ ' is dropped)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_ESCAPED) else text
