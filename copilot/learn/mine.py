"""STAND-IN (branch learn-jobs only): a minimal miner with the interface of the real one that another
engineer writes; replaced at merge. Pairs each customer message with the next agent reply in its
conversation; a reply that matches a phrase is a sighting, and unanswered questions with the same key
are counted as a gap (exact keys only, no near-duplicate clustering, no suggester threshold)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from copilot.learn.candidates import Sighting
from copilot.learn.keys import clean_message, message_key
from copilot.learn.matching import ReplyMatcher
from copilot.learn.turns import ChatTurn

BATCH = 100


class MiningCancelled(Exception):
    """cancelled() turned true: mining stopped, nothing is returned."""


@dataclass(frozen=True)
class GapCluster:
    key: str
    count: int
    questions: list[str]
    reply: str | None


@dataclass
class MineResult:
    sightings: list[Sighting] = field(default_factory=list)
    gaps: list[GapCluster] = field(default_factory=list)
    customer_messages: int = 0


def mine(
    turns: Sequence[ChatTurn], suggester: Any, matcher: ReplyMatcher, *, source: str,
    progress: Callable[[int], None] | None = None, cancelled: Callable[[], bool] | None = None,
) -> MineResult:
    result = MineResult()
    waiting: dict[str, str] = {}
    unanswered: dict[str, list[str]] = defaultdict(list)
    replies: dict[str, Counter[str]] = defaultdict(Counter)
    for turn in turns:
        if turn.role == "customer":
            result.customer_messages += 1
            waiting[turn.conversation] = turn.text
            if result.customer_messages % BATCH == 0:
                if cancelled is not None and cancelled():
                    raise MiningCancelled
                if progress is not None:
                    progress(result.customer_messages)
            continue
        question = waiting.pop(turn.conversation, None)
        if question is None:
            continue
        phrase = matcher.match(turn.text)
        if phrase is not None:
            result.sightings.append(Sighting(phrase, question, turn.agent, source))
        elif (cleaned := clean_message(question)) is not None:
            key = message_key(cleaned)
            unanswered[key].append(cleaned)
            replies[key][turn.text] += 1
    if cancelled is not None and cancelled():
        raise MiningCancelled
    if progress is not None:
        progress(result.customer_messages)
    for key, questions in unanswered.items():
        if len(questions) >= 2:
            shown = [q for q, _ in Counter(questions).most_common(5)]
            result.gaps.append(GapCluster(key, len(questions), shown, replies[key].most_common(1)[0][0]))
    result.gaps.sort(key=lambda g: -g.count)
    return result
