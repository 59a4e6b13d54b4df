"""The WebSocket hub: agent connections, draft coalescing, conversation watching and platform pushes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Coroutine
from typing import Any
from uuid import uuid4

from starlette.websockets import WebSocket, WebSocketDisconnect

from copilot.api.frames import (
    CustomerFrame,
    DraftFrame,
    FrameError,
    PingFrame,
    ProfileFrame,
    SearchFrame,
    SentFrame,
    UsedFrame,
    WatchFrame,
    parse_frame,
)
from copilot.bus import make_bus
from copilot.config import Settings
from copilot.conversations import (
    HEARTBEAT_S,
    PLATFORM,
    SWEEP_BATCH,
    Client,
    ConversationLimit,
    ConversationStore,
    Notice,
)
from copilot.lint import Linter
from copilot.live import LiveIndex
from copilot.rulebook import RuleBook
from copilot.stats.recorder import EventWriter
from copilot.store.db import Store
from copilot.store.schemas import ID_RE
from copilot.suggest.suggester import Turn
from copilot.textcheck import TextError, check_text

log = logging.getLogger(__name__)

OUTBOX_FRAMES = 64  # frames queued for one connection before it counts as not reading
CLOSE_TOO_BIG = 1009
CLOSE_NOT_READING = 1008
SWEEP_EVERY_S = 30.0  # how often a worker deletes expired conversation turns (a bounded batch each time)


class AgentConnection:
    """One sidebar: a bounded outbox drained by its own sender, and the newest unlinted draft."""

    def __init__(self, websocket: WebSocket, hub: Hub) -> None:
        self.websocket = websocket
        self.hub = hub
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(OUTBOX_FRAMES)
        self.values: dict[str, str] = {}
        self.agent: str | None = None  # the logged-in user's name, when the handshake carried a login
        self.client = Client(None, websocket.client.host if websocket.client else None)
        self.conversation_work: asyncio.Task[None] | None = None  # the newest of its conversation frames
        self.watching: set[str] = set()
        self.pending_draft: DraftFrame | None = None
        self.draft_ready = asyncio.Event()
        self.newest_seq = -1  # newest draft seq received
        self.answered_seq = -1  # newest draft seq answered; answers never go backwards
        self.closing = False
        self.overflowed = asyncio.Event()  # set when the client stopped reading

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame; a client that stopped reading is disconnected instead of growing our memory."""
        if self.closing:
            return
        try:
            self.outbox.put_nowait(frame)
        except asyncio.QueueFull:
            self.closing = True
            log.warning("closing an agent connection that stopped reading")
            self.overflowed.set()

    async def sender(self) -> None:
        while True:
            frame = await self.outbox.get()
            await self.websocket.send_text(json.dumps(frame, ensure_ascii=False))

    async def linter_loop(self) -> None:
        """Lint only the newest draft: drafts that arrived while one was linted are skipped."""
        while True:
            await self.draft_ready.wait()
            self.draft_ready.clear()
            draft, self.pending_draft = self.pending_draft, None
            if draft is None or draft.seq <= self.answered_seq:
                continue
            self.answered_seq = draft.seq
            result = self.hub.linter.lint(draft.text).as_dict()
            self.send({"type": "lint", "seq": draft.seq, "conversation": draft.conversation, **result})
            await asyncio.sleep(0)  # let the receive loop collect newer drafts before the next one

    def later(self, work: Coroutine[Any, Any, None]) -> None:
        """Run conversation work (it reads and writes the database) off the receive loop, in arrival order."""
        self.conversation_work = asyncio.create_task(self._after(self.conversation_work, work))

    async def _after(self, previous: asyncio.Task[None] | None, work: Coroutine[Any, Any, None]) -> None:
        try:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
        except asyncio.CancelledError:
            work.close()
            raise
        try:
            await work
        except FrameError as exc:
            self.send(exc.as_frame())
        except ConversationLimit as exc:
            self.send({"type": "error", "code": "too_many_conversations", "message": str(exc)})
        except Exception:
            log.exception("conversation frame failed")
            self.send({"type": "error", "code": "internal",
                       "message": "会话记录暂时无法读写（数据库出错），这条消息未处理，请稍后重试"})

    async def answer_customer(self, frame: CustomerFrame) -> None:
        self.send(await self.hub.customer_message(frame.conversation, frame.text, self.values, self.client))

    async def watch(self, frame: WatchFrame) -> None:
        if frame.type == "watch":
            await self.hub.watch(frame.conversation, self)
            self.send({"type": "watching", "conversation": frame.conversation})
        else:
            await self.hub.unwatch(frame.conversation, self)
            self.send({"type": "unwatched", "conversation": frame.conversation})

    async def record_sent(self, frame: SentFrame) -> None:
        await self.hub.record_sent(self.who, frame.conversation, frame.text, self.client)
        self.send({"type": "recorded", "what": "sent"})

    @property
    def who(self) -> str | None:
        """The agent the stats count this sidebar's events for: the login, else the agent number it set."""
        return self.agent or self.values.get("agent_no")

    def handle(self, frame: Any) -> None:
        hub = self.hub
        if isinstance(frame, DraftFrame):
            hub.check_text(frame.text, "text")
            if frame.seq > self.newest_seq:
                self.newest_seq = frame.seq
                self.pending_draft = frame
                self.draft_ready.set()
        elif isinstance(frame, CustomerFrame):
            hub.check_text(frame.text, "text")
            self.later(self.answer_customer(frame))
        elif isinstance(frame, WatchFrame):
            self.later(self.watch(frame))
        elif isinstance(frame, SearchFrame):
            answer = hub.live.suggester.search(frame.q, values=self.values, intent=frame.intent)
            self.send({"type": "search", "seq": frame.seq, "q": frame.q, "intent": frame.intent, "suggestions": answer})
        elif isinstance(frame, UsedFrame):
            hub.record_used(self.who, frame.phrase)
            self.send({"type": "recorded", "what": "used"})
        elif isinstance(frame, SentFrame):
            hub.check_text(frame.text, "text")
            self.later(self.record_sent(frame))
        elif isinstance(frame, ProfileFrame):
            self.values = {"agent_no": frame.agent_no} if frame.agent_no else {}
            self.send({"type": "profile", "agent_no": frame.agent_no})
        elif isinstance(frame, PingFrame):
            self.send({"type": "pong"})


class Hub:
    """Everything the sidebars of one worker share."""

    def __init__(
        self, settings: Settings, rulebook: RuleBook, live: LiveIndex, events: EventWriter | None, store: Store
    ) -> None:
        self.settings = settings
        self.rulebook = rulebook
        self.live = live
        self.events = events
        self.worker = uuid4().hex[:16]  # this process, in the watchers table and on the bus
        self.conversations = ConversationStore(
            store, settings.conversation_turns, settings.conversation_idle_seconds,
            settings.conversations_per_agent, settings.conversations_per_ip,
        )
        self.bus = make_bus(settings, store, self.conversations)
        self.watchers: dict[str, set[AgentConnection]] = {}  # this worker's sidebars only
        self._watchers_written = asyncio.Lock()  # so the newest count is the one stored
        self._reading: set[asyncio.Task[None]] = set()  # frames being read for notices that left them out

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
        answer = self.live.suggester.suggest(text, history=history, values=values)
        return {
            "type": "suggestions",
            "conversation": conversation,
            "message": text,
            "received_at": int(time.time() * 1000),
            **answer,
        }

    async def customer_message(
        self, conversation: str, text: str, values: dict[str, str] | None = None, client: Client = PLATFORM
    ) -> dict[str, Any]:
        """Remember a customer message and answer it with a suggestions frame."""
        recent = await asyncio.to_thread(self.conversations.recent, conversation, client)
        frame = self._suggestions(conversation, text, recent.turns, values)
        await asyncio.to_thread(self.conversations.append, conversation, "customer", text, worker=self.worker,
                                client=client)
        return frame

    async def push(self, conversation: str, role: str, text: str, client: Client = PLATFORM) -> dict[str, Any]:
        """A message from the chat platform, remembered and passed on to the sidebars watching it on every
        worker and host: a customer message as suggestions, an agent's reply so their reply timer stops.
        `delivered` counts those sidebars everywhere."""
        if role == "customer":
            recent = await asyncio.to_thread(self.conversations.recent, conversation, client)
            frame = self._suggestions(conversation, text, recent.turns, None)
        else:
            frame = {"type": "agent_message", "conversation": conversation, "text": text}

        def store_and_count() -> tuple[Notice, int]:
            notice = self.conversations.append(conversation, role, text, worker=self.worker, client=client,
                                               frame=frame, announce=self.bus.announce)
            return notice, self.conversations.sidebars(conversation)

        notice, everywhere = await asyncio.to_thread(store_and_count)
        await self.bus.publish(notice)
        here = self._deliver_here(conversation, frame)
        return {**frame, "delivered": max(everywhere, here)}

    def _deliver_here(self, conversation: str, frame: dict[str, Any]) -> int:
        """Send a pushed frame to this worker's sidebars watching the conversation; returns how many."""
        watching = list(self.watchers.get(conversation, ()))
        for connection in watching:
            if frame["type"] == "suggestions" and connection.values:  # the agent's own number in the phrases
                suggestions = self.live.suggester.rerender(frame["suggestions"], connection.values)
                connection.send({**frame, "suggestions": suggestions})
            else:
                connection.send(frame)
        return len(watching)

    def hear(self, notice: Notice) -> None:
        """A push announced on the bus (by any worker): delivered here when this worker has its watchers."""
        if notice.worker == self.worker or notice.conversation not in self.watchers:
            return  # the pushing worker delivered to its own sidebars already
        if notice.frame is not None:
            self._deliver_here(notice.conversation, notice.frame)
            return

        async def read_then_deliver() -> None:  # a frame too big for the bus message
            frame = await asyncio.to_thread(self.conversations.pushed_frame, notice.turn)
            if frame is not None:
                self._deliver_here(notice.conversation, frame)

        task = asyncio.create_task(read_then_deliver())
        self._reading.add(task)
        task.add_done_callback(self._reading.discard)

    async def watch(self, conversation: str, connection: AgentConnection) -> None:
        self.watchers.setdefault(conversation, set()).add(connection)
        connection.watching.add(conversation)
        await self._write_watchers(conversation)

    async def unwatch(self, conversation: str, connection: AgentConnection) -> None:
        self._unwatch_here(conversation, connection)
        await self._write_watchers(conversation)

    def _unwatch_here(self, conversation: str, connection: AgentConnection) -> None:
        watchers = self.watchers.get(conversation)
        if watchers is not None:
            watchers.discard(connection)
            if not watchers:
                del self.watchers[conversation]
        connection.watching.discard(conversation)

    async def _write_watchers(self, conversation: str) -> None:
        async with self._watchers_written:  # counted inside the lock: a slower write never overwrites a newer
            count = len(self.watchers.get(conversation, ()))
            await asyncio.to_thread(self.conversations.set_watchers, self.worker, conversation, count)

    def record_used(self, agent: str | None, phrase: str) -> None:
        """An agent took a phrase; queued for the stats (written off the event loop)."""
        if not ID_RE.match(phrase):
            raise FrameError("unknown_phrase", f"没有 ID 为 {phrase[:40]!r} 的短语")
        if self.events is not None:
            self.events.used(agent=agent, phrase_id=phrase)

    async def record_sent(self, agent: str | None, conversation: str, text: str, client: Client = PLATFORM) -> None:
        """An agent sent a reply: remembered as context, linted with the current rules, queued for the stats."""
        recent = await asyncio.to_thread(self.conversations.recent, conversation, client)
        waited = recent.waiting_ms(time.time())  # before the reply ends the wait
        await asyncio.to_thread(self.conversations.append, conversation, "agent", text, worker=self.worker,
                                client=client)
        if self.events is not None:
            result = self.linter.lint(text)
            rules = list(dict.fromkeys(d.rule for d in result.diagnostics))
            self.events.sent(agent=agent, conversation=conversation, verdict=result.verdict, rules=rules,
                             reply_ms=waited, text=text)

    async def run(self) -> None:
        """This worker's part of the shared conversations: hear pushes, keep its watcher rows alive, sweep."""
        await asyncio.gather(self.bus.run(self.hear), self._every(HEARTBEAT_S, self._heartbeat),
                             self._every(SWEEP_EVERY_S, self._sweep))

    async def close(self) -> None:
        """Take this worker's watchers out of the count at once (a killed worker's expire instead)."""
        await asyncio.to_thread(self.conversations.forget_worker, self.worker)

    async def _heartbeat(self) -> None:
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

    async def serve(self, websocket: WebSocket, agent: str | None = None) -> None:
        """Run one agent connection until it closes (a client that stops reading is closed for it)."""
        await websocket.accept()
        connection = AgentConnection(websocket, self)
        connection.agent = agent
        connection.client = Client(agent, connection.client.ip)
        sender = asyncio.create_task(connection.sender())
        helpers = [sender, asyncio.create_task(connection.linter_loop()),
                   asyncio.create_task(self._drop_when_not_reading(connection, sender))]
        try:
            await self._receive(connection)
        finally:
            watched = list(connection.watching)
            for conversation in watched:
                self._unwatch_here(conversation, connection)
            if connection.conversation_work is not None:
                helpers.append(connection.conversation_work)
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            for conversation in watched:
                try:
                    await self._write_watchers(conversation)
                except Exception as exc:  # noqa: BLE001 - the row expires with the heartbeat instead
                    log.warning("could not remove a watcher of %r: %s", conversation, exc)

    @staticmethod
    async def _drop_when_not_reading(connection: AgentConnection, sender: asyncio.Task[None]) -> None:
        """Once the outbox overflows: stop writing to the full socket and close it; the receive loop then ends."""
        await connection.overflowed.wait()
        sender.cancel()
        with contextlib.suppress(Exception):
            await connection.websocket.close(CLOSE_NOT_READING, "客户端未读取消息")

    async def _receive(self, connection: AgentConnection) -> None:
        """Read frames until the client leaves or sends one over the size limit."""
        websocket = connection.websocket
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                raw = message.get("text")
                if raw is None:
                    raw = (message.get("bytes") or b"").decode("utf-8", errors="replace")
                if len(raw.encode("utf-8")) > self.settings.ws_max_frame_bytes:
                    await websocket.close(CLOSE_TOO_BIG, "消息超过 64 KiB")
                    return
                try:
                    connection.handle(parse_frame(raw))
                except FrameError as exc:
                    connection.send(exc.as_frame())
        except WebSocketDisconnect:
            return
