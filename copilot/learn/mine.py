"""Mining a chat log: pair each agent reply with the customer message it answers; a reply that is a
phrase makes the message a candidate example of that phrase (a Sighting); a question that neither the
agent's reply nor the suggester answers with a phrase is a gap, clustered with the agents' replies.

Which customer message a reply answers: the customer turns since the previous agent reply in the same
conversation; of these, the last one with substance (not a bare 在吗, 你好, 好的), or the last one when
none has any (在吗 → 在的呢 is a fine example of the greeting phrase). An agent reply that follows another
agent reply answers nothing new and is not paired.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from copilot.learn.candidates import Sighting
from copilot.learn.gaps import GapCluster, GapCollector, core, has_substance, trim
from copilot.learn.keys import clean_message, key_text
from copilot.learn.matching import ReplyMatcher
from copilot.learn.turns import ChatTurn

MESSAGE_CHARS = 300  # a customer message is mined by its first this many characters (bounded work)
REPLY_CHARS = 600  # likewise a reply (matching.REPLY_CHARS compares no more)
PERSONAL = re.compile(r"〔[^〕]{1,12}〕")  # what copilot.learn.mask puts in place of personal data
CACHE_TEXTS = 200_000  # distinct texts whose key is remembered (memory stays bounded on any log)
PROGRESS_EVERY = 1000  # customer messages between progress calls and cancellation checks
# A question the agent did not answer with a phrase is a gap when the suggester has nothing for it
# either: it reads the message as `other`, or its best suggestion scores below this. Chosen on
# bench/learn.py's generated log, over the questions agents answered in their own words: at 0.6, 82 % of
# those of topics the phrasebank lacks (以旧换新, 宠物能用吗, 保修多久) are gaps and 5.4 % of those of
# topics it covers (包邮吗 answered 包邮的亲); at 0.5 only 55 % and 0.9 %; at 0.7 94 % but 28 %, which
# would bury the real gaps under covered questions typed differently.
GAP_SCORE = 0.6


class Suggests(Protocol):
    def suggest(self, message: str, history: Sequence[Any] = (), limit: int = 5) -> dict[str, Any]: ...


class MiningCancelled(Exception):
    """Raised by mine() when cancelled() said so: nothing it found is to be kept."""


@dataclass(frozen=True)
class MineResult:
    sightings: list[Sighting]  # one per (phrase, message, agent), with its count
    gaps: list[GapCluster]  # biggest first, asked at least twice
    customer_messages: int
    pairs: int  # agent replies paired with a customer message
    matched: int  # of them, replies that were a phrase
    gap_questions: int = 0  # pairs whose question went to gap clustering


def pick_question(messages: Sequence[str], substance: Callable[[str], bool] = has_substance) -> str | None:
    """The customer message (of those since the agent's previous reply) that the reply answers: the last
    with substance, else the last one."""
    for text in reversed(messages):
        if substance(text):
            return text
    return messages[-1] if messages else None


def answered_by_suggester(answer: dict[str, Any], threshold: float = GAP_SCORE) -> bool:
    """Whether a suggest answer offers a phrase for the message: an intent other than `other` and a
    best suggestion scoring at least threshold."""
    intents = [i["id"] for i in answer.get("intents", [])]
    if not intents or intents[0] == "other":
        return False
    suggestions = answer.get("suggestions") or []
    return bool(suggestions) and float(suggestions[0]["score"]) >= threshold


class _Miner:
    def __init__(self, suggester: Suggests, matcher: ReplyMatcher) -> None:
        self.suggester = suggester
        self.matcher = matcher
        self.matches: dict[str, str | None] = {}  # reply key_text -> phrase id
        self.reply_phrase: dict[str, str | None] = {}  # reply text -> phrase id
        self.questions: dict[str, tuple[str, bool]] = {}  # message or reply -> (key_text, has substance)
        self.answered: dict[str, bool] = {}  # trimmed question key -> the suggester has a phrase for it
        self.sightings: Counter[tuple[str, str, str | None]] = Counter()
        self.gaps = GapCollector()
        self.pairs = self.matched = self.gap_questions = 0

    def match(self, reply: str) -> str | None:
        """The phrase a reply is: looked up by its text, then by its key (replies repeat thousands of times)."""
        if reply in self.reply_phrase:
            return self.reply_phrase[reply]
        key = key_text(reply)
        if key not in self.matches:
            self.matches[key] = self.matcher.match(reply) if key else None
        if len(self.reply_phrase) < CACHE_TEXTS:
            self.reply_phrase[reply] = self.matches[key]
        return self.matches[key]

    def question(self, text: str) -> tuple[str, bool]:
        """A message's key_text and whether it has substance, by its text."""
        found = self.questions.get(text)
        if found is None:
            key = key_text(text)
            found = (key, len(core(key)) >= 2)
            if len(self.questions) < CACHE_TEXTS:
                self.questions[text] = found
        return found

    def suggested(self, key: str, question: str) -> bool:
        """Whether the suggester has a phrase for the question: asked once per question without its
        greeting in front and particles at the end (亲 能刻字吗呀 is asked as 能刻字吗 was), so the
        variants of one question get one answer, at a fraction of the cost."""
        trimmed = trim(key) or key
        if trimmed not in self.answered:
            self.answered[trimmed] = answered_by_suggester(self.suggester.suggest(question, limit=1))
        return self.answered[trimmed]

    def pair(self, waiting: list[str], reply: ChatTurn) -> None:
        question = pick_question(waiting, lambda text: self.question(text)[1])
        if question is None:
            return
        self.pairs += 1
        text = reply.text[:REPLY_CHARS]
        phrase = self.match(text)
        if phrase is not None:
            self.matched += 1
            message = clean_message(question)
            if message is not None:
                self.sightings[(phrase, message, reply.agent)] += 1
            return
        key, substance = self.question(question)
        # not a gap: a message without a question in it (好的), one carrying personal data (收件人〔姓名〕
        # 〔手机号〕: details, not a question many customers ask), or a reply that only acknowledges (收到)
        if substance and not PERSONAL.search(question) and self.question(text)[1] and not self.suggested(key, question):
            self.gap_questions += 1
            self.gaps.add(question, text)


def mine(
    turns: Sequence[ChatTurn],
    suggester: Suggests,
    matcher: ReplyMatcher,
    *,
    source: str,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> MineResult:
    """Sightings and gaps of masked turns, grouped by conversation in time order. progress(done, total)
    is called every PROGRESS_EVERY customer messages and at the end; cancelled() is asked as often and
    MiningCancelled raised when it says True."""
    total = sum(1 for turn in turns if turn.role == "customer")
    miner = _Miner(suggester, matcher)
    waiting: list[str] = []  # customer messages since the agent's last reply
    conversation: str | None = None
    done = 0
    for turn in turns:
        if turn.conversation != conversation:
            conversation, waiting = turn.conversation, []
        if turn.role == "customer":
            waiting.append(turn.text[:MESSAGE_CHARS])
            done += 1
            if done % PROGRESS_EVERY == 0:
                if cancelled is not None and cancelled():
                    raise MiningCancelled
                if progress is not None:
                    progress(done, total)
        elif turn.role == "agent" and waiting:
            miner.pair(waiting, turn)
            waiting = []
    if cancelled is not None and cancelled():
        raise MiningCancelled
    if progress is not None:
        progress(done, total)
    sightings = [
        Sighting(phrase_id=phrase, message=message, agent=agent, source=source, count=n)
        for (phrase, message, agent), n in sorted(miner.sightings.items(), key=lambda kv: (-kv[1], kv[0][:2]))
    ]
    return MineResult(
        sightings=sightings,
        gaps=miner.gaps.clusters(),
        customer_messages=total,
        pairs=miner.pairs,
        matched=miner.matched,
        gap_questions=miner.gap_questions,
    )
