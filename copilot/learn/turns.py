"""One message of an imported chat log, as the reader gives it and the miner takes it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChatTurn:
    conversation: str
    at: float  # Unix seconds; 0.0 when the file gave no time
    role: str  # "customer" or "agent"
    text: str  # masked before it is stored anywhere
    agent: str | None = None  # the agent's name or 工号, when the file has such a column
