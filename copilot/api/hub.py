"""The WebSocket hub: what the sidebars of one worker share. It serves each socket (an AgentConnection,
copilot/api/connection.py) and fans platform pushes and focus out to the sidebars they are for, here and on
the other workers (the bus); who watches what is the Registry's (copilot/api/registry.py), the stats and
learning queues the Recorder's (copilot/api/recording.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from uuid import uuid4

from starlette.websockets import WebSocket, WebSocketDisconnect

from copilot.api import compute, metrics
from copilot.api.connection import AgentConnection
from copilot.api.frames import FrameError, parse_frame
from copilot.api.jsoncheck import describe_utf8_error
from copilot.api.limits import size_words
from copilot.api.recording import Recorder
from copilot.api.registry import Registry
from copilot.api.throttle import TokenBucket
from copilot.bus import make_bus
from copilot.config import Settings
from copilot.conversations import FOCUS, HEARTBEAT_S, PLATFORM, SWEEP_BATCH, Client, ConversationStore, Notice
from copilot.learn.writer import CandidateWriter
from copilot.lint import Linter, LintResult
from copilot.live import LiveIndex
from copilot.rulebook import RuleBook
from copilot.stats.recorder import EventWriter
from copilot.store.db import Store
from copilot.suggest.suggester import Turn
from copilot.textcheck import TextError, check_text

log = logging.getLogger(__name__)

CLOSE_TOO_BIG = 1009
CLOSE_NOT_READING = 1008
CLOSE_TOO_FAST = 1008
SWEEP_EVERY_S = 30.0  # how often a worker deletes expired conversation turns (a bounded batch each time)


def too_big_reason(limit: int) -> str:
    """The close reason for a frame over COPILOT_WS_MAX_FRAME_BYTES (sent with 1009)."""
    return f"消息超过 {size_words(limit)}"


class Hub:
    """Everything the sidebars of one worker share."""

    def __init__(
        self,
        settings: Settings,
        rulebook: RuleBook,
        live: LiveIndex,
        events: EventWriter | None,
        store: Store,
        learner: CandidateWriter | None = None,
    ) -> None:
        self.settings = settings
        self.rulebook = rulebook
        self.live = live
        self.worker = uuid4().hex[:16]  # this process, in the watchers table and on the bus
        self.conversations = ConversationStore(
            store,
            settings.conversation_turns,
            settings.conversation_idle_seconds,
            settings.conversations_per_agent,
            settings.conversations_per_ip,
        )
        self.bus = make_bus(settings, store, self.conversations)
        self.registry = Registry(self.conversations, self.worker)
        self.recorder = Recorder(settings, live, self.conversations, events, learner)
        self._reading: set[asyncio.Task[None]] = set()  # frames being read for notices that left them out
        # the rule book polls the rules' version every COPILOT_REFRESH_SECONDS (and at once after a rule is
        # saved through this worker): each swap re-lints every sidebar's newest draft here
        rulebook.on_swap.append(self._relint_all)

    @property
    def linter(self) -> Linter:
        return self.rulebook.linter

    def check_text(self, text: str, field: str) -> None:
        try:
            check_text(text, self.settings.max_text_chars, field)
        except TextError as exc:
            raise FrameError(exc.code, exc.message) from None

    def _suggestions(
        self, conversation: str, text: str, history: list[Turn], values: dict[str, str] | None
    ) -> dict[str, Any]:
        started = time.perf_counter()
        answer = self.live.suggester.suggest(text, history=history, values=values)
        metrics.suggest_seconds.labels("ws").observe(metrics.elapsed(started))
        return {
            "type": "suggestions",
            "conversation": conversation,
            "message": text,
            "received_at": int(time.time() * 1000),
            **answer,
        }

    async def customer_message(
        self,
        conversation: str,
        text: str,
        values: dict[str, str] | None = None,
        client: Client = PLATFORM,
        deliver: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Answer a customer message with a suggestions frame and remember it. With `deliver`, the frame
        goes out before the turn is written: the agent waits for suggestions, not for the database (this
        connection's next message is handled after the write, so it still sees this turn)."""
        recent = await asyncio.to_thread(self.conversations.recent, conversation, client)
        frame = await compute.run(self.settings, self._suggestions, conversation, text, recent.turns, values)
        if deliver is not None:
            deliver(frame)
        await asyncio.to_thread(
            self.conversations.append, conversation, "customer", text, worker=self.worker, client=client, checked=True
        )
        return frame

    async def push(
        self, conversation: str, role: str, text: str, client: Client = PLATFORM, agent: str | None = None
    ) -> dict[str, Any]:
        """A message from the chat platform, remembered and passed on, on every worker and host, to the
        sidebars watching the conversation and to those of the agent it is routed to (`agent`, remembered;
        without it the agent a previous push named): a customer message as suggestions, an agent's reply
        so their reply timer stops. `delivered` counts those sidebars everywhere, each once; `agent` in
        the answer says whom the conversation is routed to (None: nobody)."""
        store = self.conversations
        if role == "customer":
            recent = await asyncio.to_thread(store.recent, conversation, client, agent is None)
            routed_to = agent or recent.agent
            frame = await compute.run(self.settings, self._suggestions, conversation, text, recent.turns, None)
        else:
            routed_to = agent or await asyncio.to_thread(store.route_of, conversation)
            frame = {"type": "agent_message", "conversation": conversation, "text": text}
        # A customer message reaches this worker's sidebars before its turn is written (the agent waits for
        # suggestions, not for the database; `recent` checked the client's limit already); the other
        # workers hear of it once it is stored. An agent's reply waits for its write (and limit check).
        here = self._deliver_here(conversation, frame, routed_to) if role == "customer" else 0

        def store_and_count() -> tuple[Notice, int]:
            notice = store.append(
                conversation,
                role,
                text,
                worker=self.worker,
                client=client,
                frame=frame,
                announce=self.bus.announce,
                agent=routed_to,
                route=agent is not None,
            )
            return notice, store.reached(conversation, routed_to)

        notice, everywhere = await asyncio.to_thread(store_and_count)
        await self.bus.publish(notice)
        if role != "customer":
            here = self._deliver_here(conversation, frame, routed_to)
        return {**frame, "delivered": max(everywhere, here), "agent": routed_to}

    def _deliver_here(self, conversation: str, frame: dict[str, Any], agent: str | None = None) -> int:
        """Send a pushed frame to this worker's sidebars watching the conversation or of the agent it is
        routed to; returns how many."""
        reached = self.registry.reached(conversation, agent)
        for connection in reached:
            if frame["type"] == "suggestions" and connection.values:  # the agent's own number in the phrases
                suggestions = self.live.suggester.rerender(frame["suggestions"], connection.values)
                connection.send({**frame, "suggestions": suggestions})
            else:
                connection.send(frame)
        return len(reached)

    async def focus(self, agent: str, conversation: str) -> int:
        """Tell every sidebar of `agent`, on every worker and host, which chat it has in front; returns how
        many sidebars that is."""
        frame = {"type": "focus", "conversation": conversation}
        here = self.deliver_to_agent(agent, frame)
        everywhere = await self.announce_focus(agent, frame)
        return max(everywhere, here)

    async def announce_focus(self, agent: str, frame: dict[str, Any]) -> int:
        """Pass a focus frame to the agent's sidebars on the other workers; returns how many it has everywhere."""

        def store_and_count() -> tuple[Notice, int]:
            notice = self.conversations.agent_event(agent, frame, worker=self.worker, announce=self.bus.announce)
            return notice, self.conversations.agent_sidebars(agent)

        notice, everywhere = await asyncio.to_thread(store_and_count)
        await self.bus.publish(notice)
        return everywhere

    def deliver_to_agent(self, agent: str, frame: dict[str, Any], also: AgentConnection | None = None) -> int:
        """Send a frame to this worker's sidebars of the agent (and `also`); returns how many."""
        sidebars = set(self.registry.agents.get(agent, ()))
        if also is not None:
            sidebars.add(also)
        for connection in sidebars:
            connection.send(frame)
        return len(sidebars)

    def hear(self, notice: Notice) -> None:
        """A push or focus announced on the bus (by any worker): delivered to this worker's sidebars it is for."""
        if notice.worker == self.worker:
            return  # the announcing worker delivered to its own sidebars already
        if notice.kind == FOCUS:
            if notice.agent is not None and notice.frame is not None:
                self.deliver_to_agent(notice.agent, notice.frame)
            return
        if not self.registry.reached(notice.conversation, notice.agent):
            return
        if notice.frame is not None:
            self._deliver_here(notice.conversation, notice.frame, notice.agent)
            return

        async def read_then_deliver() -> None:  # a frame too big for the bus message
            frame = await asyncio.to_thread(self.conversations.pushed_frame, notice.turn)
            if frame is not None:
                self._deliver_here(notice.conversation, frame, notice.agent)

        task = asyncio.create_task(read_then_deliver())
        self._reading.add(task)
        task.add_done_callback(self._reading.discard)

    async def record_sent(
        self, agent: str | None, conversation: str, text: str, client: Client, result: LintResult
    ) -> str | None:
        """An agent sent a reply: remembered as context and queued for the stats with its lint `result` (linted
        on the compute threads by the caller: a long reply would hold the loop). Returns the customer message
        it answers: the conversation's newest turn before the reply, when that was the customer's (else None)."""
        recent = await asyncio.to_thread(self.conversations.recent, conversation, client)
        waited = recent.waiting_ms(time.time())  # before the reply ends the wait
        asked = recent.turns[-1].text if recent.turns and recent.turns[-1].role == "customer" else None
        await asyncio.to_thread(
            self.conversations.append, conversation, "agent", text, worker=self.worker, client=client, checked=True
        )
        self.recorder.sent(agent, conversation, text, waited, result)
        return asked

    async def run(self) -> None:
        """This worker's part of the shared conversations: hear pushes, keep its watcher and presence rows
        alive, sweep. (Open drafts are re-linted from the rule book's swaps, _relint_all.)"""
        await asyncio.gather(
            self.bus.run(self.hear), self._every(HEARTBEAT_S, self._heartbeat), self._every(SWEEP_EVERY_S, self._sweep)
        )

    def _relint_all(self) -> None:
        """The rules changed (on any worker): every sidebar here re-lints its newest draft. Each connection's
        own linter_loop does it (short drafts on the loop one task at a time, long ones on the compute
        threads), so this only marks them."""
        for connection in list(self.registry.connections):
            connection.relint_later()

    async def close(self) -> None:
        """Take this worker's watchers out of the count at once (a killed worker's expire instead)."""
        await asyncio.to_thread(self.conversations.forget_worker, self.worker)

    async def _heartbeat(self) -> None:
        await self.registry.rewrite_unwritten()
        await asyncio.to_thread(self.conversations.heartbeat, self.worker)

    async def _sweep(self) -> None:
        while await asyncio.to_thread(self.conversations.sweep) >= SWEEP_BATCH:
            await asyncio.sleep(0.1)  # the next batch after the loop had a turn

    @staticmethod
    async def _every(seconds: float, job: Any) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except Exception as exc:  # noqa: BLE001 - the database may be down; try again next time
                log.warning("%s failed: %s", job.__name__, exc)

    async def serve(self, websocket: WebSocket, agent: str | None = None, subprotocol: str | None = None) -> None:
        """Run one agent connection until it closes (a client that stops reading is closed for it)."""
        await websocket.accept(subprotocol)
        metrics.open_sockets.inc()
        connection = AgentConnection(websocket, self)
        connection.agent = agent
        connection.client = Client(agent, connection.client.ip)
        self.registry.connections.add(connection)
        sender = asyncio.create_task(connection.sender())
        helpers = [
            sender,
            asyncio.create_task(connection.linter_loop()),
            asyncio.create_task(self._drop_when_not_reading(connection, sender)),
        ]
        try:
            if agent is not None:  # a login: the sidebar is its agent's from the start
                await connection.later(connection.identify())
            await self._receive(connection)
        finally:
            metrics.open_sockets.dec()
            watched = self.registry.leave(connection)
            if connection.conversation_work is not None:
                helpers.append(connection.conversation_work)
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self.registry.forget(connection, watched)

    @staticmethod
    async def _drop_when_not_reading(connection: AgentConnection, sender: asyncio.Task[None]) -> None:
        """Once the outbox overflows: stop writing to the full socket and close it; the receive loop then ends."""
        await connection.overflowed.wait()
        sender.cancel()
        with contextlib.suppress(Exception):
            await connection.websocket.close(CLOSE_NOT_READING, "客户端未读取消息")

    async def _receive(self, connection: AgentConnection) -> None:
        """Read frames until the client leaves, sends one over the size limit or sends too fast.

        Every other frame gets an answer or an error frame: nothing a client sends ends the socket
        without a close frame.
        """
        websocket = connection.websocket
        settings = self.settings
        bucket = TokenBucket(settings.ws_frames_per_second, settings.ws_frame_burst)
        try:
            while True:
                await connection.room_for_answers()
                if connection.closing:
                    return
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                if not bucket.take():
                    rate = f"{settings.ws_frames_per_second:g}"
                    log.warning("closing an agent connection that sent over %s frames a second", rate)
                    await websocket.close(CLOSE_TOO_FAST, f"消息过于频繁（持续每秒超过 {rate} 条），连接已关闭")
                    return
                text = message.get("text")
                size = len(message.get("bytes") or b"") if text is None else len(text.encode("utf-8"))
                if size > settings.ws_max_frame_bytes:
                    await websocket.close(CLOSE_TOO_BIG, too_big_reason(settings.ws_max_frame_bytes))
                    return
                try:
                    await connection.handle(parse_frame(_frame_text(message), settings.json_max_depth))
                except FrameError as exc:
                    connection.send(exc.as_frame())
                except Exception:  # a bug must cost one frame its answer, never the sidebar its socket
                    log.exception("an agent frame failed")
                    connection.send({"type": "error", "code": "internal", "message": "服务内部错误，这条消息未能处理"})
        except WebSocketDisconnect:
            return


def _frame_text(message: Mapping[str, Any]) -> str:
    """A text frame's text, or a binary frame's bytes as UTF-8 (FrameError when they are not)."""
    if message.get("text") is not None:
        return str(message["text"])
    try:
        return bytes(message.get("bytes") or b"").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrameError("invalid_encoding", f"二进制消息{describe_utf8_error(exc)}") from None
