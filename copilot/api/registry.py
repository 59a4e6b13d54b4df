"""Which of this worker's sidebars watch each conversation and which are each agent's, and those counts
written to the database (watcher and presence rows) so every worker can count them all."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from copilot.conversations import TOTAL, ConversationStore
from copilot.store.db import Store
from copilot.store.health import is_unavailable

if TYPE_CHECKING:  # a connection registers itself here: importing it at run time would be circular
    from copilot.api.connection import AgentConnection

log = logging.getLogger(__name__)


def background_failure(store: Store, what: str, exc: BaseException) -> None:
    """A database failure no frame waits for: logged once per outage (with the others), else as a warning."""
    if is_unavailable(exc):
        store.outage.failure(exc, request=False)
    else:
        log.warning("%s failed: %s", what, exc)


class Registry:
    """This worker's sidebars by conversation watched and by agent (AgentConnection.who)."""

    def __init__(self, conversations: ConversationStore, worker: str) -> None:
        self.conversations = conversations
        self.worker = worker  # this process, in the watcher and presence rows
        self.watchers: dict[str, set[AgentConnection]] = {}  # this worker's sidebars only
        self.agents: dict[str, set[AgentConnection]] = {}  # this worker's sidebars by agent (AgentConnection.who)
        self.connections: set[AgentConnection] = set()  # every open sidebar here, for re-linting
        self._written = asyncio.Lock()  # so the newest count is the one stored
        self._presence_unwritten: set[str] = set()  # agents whose count a failed write left stale

    def reached(self, conversation: str | None, agent: str | None) -> set[AgentConnection]:
        """This worker's sidebars watching the conversation or belonging to the agent (each once)."""
        reached = set(self.watchers.get(conversation, ())) if conversation is not None else set()
        if agent is not None:
            reached.update(self.agents.get(agent, ()))
        return reached

    async def watch(self, conversation: str, connection: AgentConnection) -> None:
        self.watchers.setdefault(conversation, set()).add(connection)
        connection.watching.add(conversation)
        await self._write_watchers(conversation)
        if connection.present_as is not None:  # one more of the agent's sidebars watches it
            await self._store_presence(connection.present_as, [conversation])

    async def unwatch(self, conversation: str, connection: AgentConnection) -> None:
        self._unwatch_here(conversation, connection)
        await self._write_watchers(conversation)
        if connection.present_as is not None:
            await self._store_presence(connection.present_as, [conversation])

    async def identify(self, connection: AgentConnection) -> bool:
        """Count the sidebar for its agent (AgentConnection.who), moving it from the agent it was counted
        for; False when that did not change."""
        old, new = connection.present_as, connection.who
        if old == new:
            return False
        if old is not None:
            self._leave_agent(connection)
        if new is not None:
            self.agents.setdefault(new, set()).add(connection)
            connection.present_as = new
            connection.counted_for.add(new)
        for agent in (old, new):
            if agent is not None:
                await self._store_presence(agent, connection.watching)
        return True

    def leave(self, connection: AgentConnection) -> list[str]:
        """Take a closing sidebar out of this worker's maps at once (nothing reaches it any more); returns the
        conversations it watched, for forget()."""
        self.connections.discard(connection)
        watched = list(connection.watching)
        for conversation in watched:
            self._unwatch_here(conversation, connection)
        if connection.present_as is not None:
            self._leave_agent(connection)
        return watched

    async def forget(self, connection: AgentConnection, watched: list[str]) -> None:
        """Write the counts a closed sidebar left (after leave()); rows a failed write leaves expire with the
        heartbeat instead."""
        for conversation in watched:
            try:
                await self._write_watchers(conversation)
            except Exception as exc:  # noqa: BLE001 - the row expires with the heartbeat instead
                log.warning("could not remove a watcher of %r: %s", conversation, exc)
        for was in connection.counted_for:  # each, in case a move between agents was cut short
            try:
                await self._write_presence(was, watched)
            except Exception as exc:  # noqa: BLE001 - the rows expire with the heartbeat instead
                log.warning("could not remove a sidebar of agent %r: %s", was, exc)

    async def rewrite_unwritten(self) -> None:
        """Write again (whole) the counts of agents a failed write left stale; with the heartbeat."""
        for agent in list(self._presence_unwritten):
            self._presence_unwritten.discard(agent)
            try:
                await self._write_presence(agent, (), whole=True)
            except Exception:
                self._presence_unwritten.add(agent)
                raise

    def _leave_agent(self, connection: AgentConnection) -> None:
        agent = connection.present_as
        sidebars = self.agents.get(agent, set()) if agent is not None else set()
        sidebars.discard(connection)
        if agent is not None and not sidebars:
            self.agents.pop(agent, None)
        connection.present_as = None

    def _unwatch_here(self, conversation: str, connection: AgentConnection) -> None:
        watchers = self.watchers.get(conversation)
        if watchers is not None:
            watchers.discard(connection)
            if not watchers:
                del self.watchers[conversation]
        connection.watching.discard(conversation)

    async def _write_watchers(self, conversation: str) -> None:
        async with self._written:  # counted inside the lock: a slower write never overwrites a newer
            count = len(self.watchers.get(conversation, ()))
            await asyncio.to_thread(self.conversations.set_watchers, self.worker, conversation, count)

    async def _write_presence(self, agent: str, conversations: Iterable[str], whole: bool = False) -> None:
        """Store this worker's count of the agent's sidebars, and of those watching each of `conversations`
        (`whole`: every conversation they watch, replacing all the agent's rows of this worker)."""
        async with self._written:  # counted inside the lock: a slower write never overwrites a newer
            sidebars = self.agents.get(agent, set())
            if whole:
                conversations = {watched for sidebar in sidebars for watched in sidebar.watching}
            counts = {TOTAL: len(sidebars)}
            for conversation in list(conversations):
                counts[conversation] = sum(conversation in sidebar.watching for sidebar in sidebars)
            await asyncio.to_thread(self.conversations.set_presence, self.worker, agent, counts, whole)

    async def _store_presence(self, agent: str, conversations: Iterable[str]) -> None:
        """_write_presence, or when the database fails, again (whole) with the next heartbeat: the sidebar
        is the agent's here at once, only the count other workers read waits."""
        try:
            await self._write_presence(agent, conversations)
        except Exception as exc:  # noqa: BLE001 - retried by rewrite_unwritten
            self._presence_unwritten.add(agent)
            background_failure(self.conversations.store, "counting an agent's sidebars", exc)
