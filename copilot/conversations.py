"""Short, bounded per-conversation history (the context suggestions use) and who watches each one."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from copilot.suggest.suggester import Turn


@dataclass
class Conversation:
    turns: deque[Turn]
    touched: float = field(default_factory=time.monotonic)
    # When the oldest customer message no agent has answered yet arrived (None: nothing unanswered).
    waiting_since: float | None = None


class ConversationBook:
    """Last `turns` turns per conversation, forgotten after `idle_seconds` or when over `max_conversations`."""

    def __init__(self, turns: int = 20, idle_seconds: float = 1800, max_conversations: int = 10_000) -> None:
        self.turns = turns
        self.idle_seconds = idle_seconds
        self.max_conversations = max_conversations
        self._conversations: OrderedDict[str, Conversation] = OrderedDict()

    def history(self, conversation: str) -> list[Turn]:
        """The conversation's remembered turns, oldest first (empty when unknown or expired)."""
        self._expire()
        found = self._conversations.get(conversation)
        return list(found.turns) if found else []

    def append(self, conversation: str, role: str, text: str) -> None:
        self._expire()
        found = self._conversations.pop(conversation, None) or Conversation(deque(maxlen=self.turns))
        found.turns.append(Turn(role, text))
        found.touched = time.monotonic()
        if role == "customer":
            found.waiting_since = found.waiting_since or found.touched
        else:
            found.waiting_since = None
        self._conversations[conversation] = found  # most recently used last
        while len(self._conversations) > self.max_conversations:
            self._conversations.popitem(last=False)

    def waiting_ms(self, conversation: str) -> int | None:
        """How long the customer has waited for a reply (since their first unanswered message), or None."""
        found = self._conversations.get(conversation)
        if found is None or found.waiting_since is None:
            return None
        return int((time.monotonic() - found.waiting_since) * 1000)

    def __len__(self) -> int:
        return len(self._conversations)

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.idle_seconds
        while self._conversations:
            oldest = next(iter(self._conversations.values()))
            if oldest.touched >= cutoff:
                break
            self._conversations.popitem(last=False)
