"""Which phrase an agent's reply was: the phrase whose body (placeholders left out) the reply matches
closely enough, whether the agent inserted it from the sidebar, typed it from memory or edited it a
little (added 亲, changed the ending)."""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import Protocol

from rapidfuzz import fuzz, process

from copilot.learn.keys import key_text

# The fuzzy ratio (0-100, rapidfuzz's normalised Indel similarity over key_text) a reply needs to count
# as a phrase. Chosen on bench/learn.py's generated log (100,000 messages): phrase bodies the agents
# edited (亲 prefix, another ending, 咱们 for 我们, their number added) score 75.4 at the lowest (1 % below
# 77.6), while their own replies score 56 at the highest, even those written in the phrases' style about
# something else (这款是定制商品，不支持七天无理由…); precision and recall are both 100 % from 60 to 75,
# recall falls to 98.7 % at 80 and 87.9 % at 90. 70 sits in that gap with room on both sides: 5 below the
# lightest-scoring edit, 14 above the closest free reply.
MATCH_RATIO = 70.0
REPLY_CHARS = 600  # a longer reply is compared by its first this many characters (bounded work per reply)
_PLACEHOLDER = re.compile(r"\{(agent_no|shop|customer)\}")


class HasBody(Protocol):
    # read-only, so frozen dataclasses (the index's IndexedPhrase) match
    @property
    def id(self) -> str: ...
    @property
    def body(self) -> str: ...


class ReplyMatcher:
    """Matches replies to the bodies of one phrasebank version (immutable: build a new one per version)."""

    def __init__(self, phrases: Iterable[HasBody], ratio: float = MATCH_RATIO) -> None:
        self.ratio = ratio
        self._ids: list[str] = []
        self._keys: list[str] = []
        for phrase in phrases:
            key = key_text(_PLACEHOLDER.sub("", phrase.body))
            if key:
                self._ids.append(phrase.id)
                self._keys.append(key)

    def __len__(self) -> int:
        return len(self._ids)

    def match(self, reply: str) -> str | None:
        """The id of the phrase this reply is, or None when no body is close enough."""
        found = self.best(reply)
        return found[0] if found is not None else None

    def best(self, reply: str) -> tuple[str, float] | None:
        """The closest phrase at or above the ratio, with its ratio."""
        if not self._keys:
            return None
        key = key_text(reply[:REPLY_CHARS])
        if not key:
            return None
        found = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=self.ratio)
        if found is None:
            return None
        _, score, slot = found
        return self._ids[slot], float(score)


class HasPhrases(Protocol):
    @property  # read-only, so an index's tuple of its own phrase type matches (a tuple is a Sequence)
    def phrases(self) -> Sequence[HasBody]: ...


_built: weakref.WeakKeyDictionary[HasPhrases, ReplyMatcher] = weakref.WeakKeyDictionary()
_building = threading.Lock()


def matcher_for(index: HasPhrases) -> ReplyMatcher:
    """The matcher for the phrases of one suggest index, built once per index (the sidebar's `sent` frames
    and the chat-log jobs share it; a swapped-out index takes its matcher with it). Blocking at 10,000
    phrases (milliseconds): call it off the event loop."""
    with _building:
        matcher = _built.get(index)
        if matcher is None:
            matcher = _built[index] = ReplyMatcher(index.phrases)
        return matcher
