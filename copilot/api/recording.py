"""What the sidebars' frames add to the stats (used and sent events, EventWriter) and to learning (which
phrase an agent chose for which customer message, CandidateWriter). Both writers queue on the loop and
write off it in batches; either may be off (None)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from copilot.api import compute
from copilot.api.frames import FrameError
from copilot.api.registry import background_failure
from copilot.config import Settings
from copilot.conversations import ConversationStore
from copilot.learn.matching import matcher_for
from copilot.learn.writer import CandidateWriter
from copilot.lint import LintResult
from copilot.live import LiveIndex
from copilot.stats.recorder import EventWriter
from copilot.store.schemas import ID_RE

SIGHTINGS_KEPT = 64  # (conversation, message hash, phrase) a sidebar remembers counting, so it counts each once


class Recorder:
    """The stats and learning queues of one worker, and the reads learning needs from the sidebars' frames."""

    def __init__(
        self,
        settings: Settings,
        live: LiveIndex,
        conversations: ConversationStore,
        events: EventWriter | None,
        learner: CandidateWriter | None,
    ) -> None:
        self.settings = settings
        self.live = live
        self.conversations = conversations
        self.events = events
        self.learner = learner  # sightings from `used` and `sent` frames become candidate example questions

    def used(self, agent: str | None, phrase: str) -> None:
        """An agent took a phrase; queued for the stats (written off the event loop)."""
        if not ID_RE.match(phrase):
            raise FrameError("unknown_phrase", f"没有 ID 为 {phrase[:40]!r} 的短语")
        if self.events is not None:
            self.events.used(agent=agent, phrase_id=phrase)

    def sent(self, agent: str | None, conversation: str, text: str, reply_ms: int | None, result: LintResult) -> None:
        """An agent sent a reply, `reply_ms` after the customer started waiting, with its lint `result`."""
        if self.events is not None:
            rules = list(dict.fromkeys(d.rule for d in result.diagnostics))
            self.events.sent(
                agent=agent,
                conversation=conversation,
                verdict=result.verdict,
                rules=rules,
                reply_ms=reply_ms,
                text=text,
            )

    async def waiting_message(self, conversation: str) -> str | None:
        """The conversation's customer message no agent has answered yet, or None (also when the database
        cannot say: a lost sighting is not worth an error on the agent's sidebar)."""
        try:
            return await asyncio.to_thread(self.conversations.waiting_message, conversation)
        except Exception as exc:  # noqa: BLE001 - learning is best effort
            background_failure(self.conversations.store, "reading a conversation's waiting message", exc)
            return None

    async def reply_phrase(self, text: str) -> str | None:
        """The phrase an agent's reply is (its body, closely enough), if any. The matcher is built once per
        phrase index, on the compute threads like the matching (10,000 bodies take milliseconds)."""
        index = self.live.suggester.index
        return await compute.run(self.settings, lambda: matcher_for(index).match(text))


class Sightings:
    """The sightings one sidebar queued for learning, each counted once."""

    def __init__(self, learner: CandidateWriter | None) -> None:
        self.learner = learner
        self.counted: OrderedDict[tuple[str, int, str], None] = OrderedDict()  # the newest SIGHTINGS_KEPT

    def add(self, conversation: str, phrase: str, message: str, agent: str | None) -> None:
        """Queue the sighting "this agent chose `phrase` for `message`", once per sidebar: an agent who
        inserts a phrase (used) and then sends it (sent, matching the same phrase) chose it once, and so
        does one who inserts it twice for the same message. A different phrase for the same message, or
        the same phrase for the customer's next message, counts again."""
        key = (conversation, hash(message), phrase)  # a hash: 64 long messages per sidebar would add up
        if self.learner is None or key in self.counted:
            return
        self.counted[key] = None
        if len(self.counted) > SIGHTINGS_KEPT:
            self.counted.popitem(last=False)
        self.learner.add(phrase, message, agent)
