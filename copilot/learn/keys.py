"""One customer message as a candidate example: its cleaned display text and the key near-identical
messages share (亲，在吗？ and 亲 在吗 are one message)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from copilot.suggest.index import normalized

MESSAGE_MAX = 200  # the longest example question a phrase takes (copilot.store.schemas.ITEM_MAX)
_SPACES = re.compile(r"\s+")
# PostgreSQL refuses NUL and no database stores a lone surrogate: one such character would fail a whole batch
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """The text without the characters no database stores."""
    return UNSTORABLE.sub("", text)


def clean_message(text: str) -> str | None:
    """The message as an example question: one line, trimmed, no `|` (the export's separator); None when
    nothing is left or it is longer than an example question may be."""
    text = _SPACES.sub(" ", text.replace("|", "｜")).strip()
    if not text or len(text) > MESSAGE_MAX or not any(ch.isalnum() for ch in text):
        return None
    return text


def key_text(text: str) -> str:
    """The message reduced to what tells messages apart: normalised (full width, 繁→简, case), without
    spaces, punctuation, symbols or emoji."""
    folded = normalized(text)
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def message_key(text: str) -> str:
    """A fixed-length key for key_text (the database indexes it)."""
    return hashlib.sha256(key_text(text).encode("utf-8")).hexdigest()[:32]
