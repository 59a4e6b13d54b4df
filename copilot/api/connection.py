"""One agent's sidebar socket: its bounded outbox, the newest draft linted (and re-linted when the rules
change), its conversation frames run in order off the receive loop, and one handler per frame type
(HANDLERS: a frame model in copilot/api/frames.py, a method here and its entry in the table)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket

from copilot.api import compute, metrics
from copilot.api.frames import (
    CustomerFrame,
    DraftFrame,
    FocusFrame,
    FrameError,
    PingFrame,
    ProfileFrame,
    SearchFrame,
    SentFrame,
    UsedFrame,
    WatchFrame,
)
from copilot.api.recording import Sightings
from copilot.api.registry import background_failure
from copilot.conversations import Client, ConversationLimit
from copilot.lint import Linter
from copilot.store.health import is_unavailable

if TYPE_CHECKING:  # the hub makes the connections: importing it here at run time would be circular
    from copilot.api.hub import Hub

log = logging.getLogger(__name__)

# A client's own frames cannot overflow its outbox: the receive loop stops reading them while
# READ_PAUSE_FRAMES answers wait (the rest wait in TCP, on the client's side). Only frames the server
# starts (pushes, lint answers) can fill the remaining room, and only for a client that stopped reading.
OUTBOX_FRAMES = 256  # frames queued for one connection before it counts as not reading
READ_PAUSE_FRAMES = 64
# A draft this short lints in about a millisecond at worst (cold caches: 100 characters p99 1.0 ms, 300
# characters 1.4 ms) and a tenth of that while typed (warm sentence caches): cheaper on the loop than the
# hop to a thread and back, which at 500 typing agents cost more CPU than the lint itself (ws_load: lint
# p99 7 → 217 ms). Longer drafts, the ones that could hold the loop, go to the compute threads.
INLINE_LINT_CHARS = 200
PENDING_CONVERSATION_WORK = 64  # customer/watch/sent frames one sidebar may have waiting on the database


def _lint_answer(linter: Linter, text: str) -> dict[str, Any]:
    """A draft's lint frame body, JSON-ready (on the loop for short drafts, on the compute threads for long)."""
    return linter.lint(text).as_dict()


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
        self.pending_work = 0  # conversation frames accepted and not yet done
        self.work_room = asyncio.Event()  # set whenever one of them finishes
        self.watching: set[str] = set()
        self.pending_draft: DraftFrame | None = None
        self.draft_ready = asyncio.Event()
        self.newest_seq = -1  # newest draft seq received
        self.answered_seq = -1  # newest draft seq answered; answers never go backwards
        self.last_draft: DraftFrame | None = None  # the newest draft linted: re-linted when the rules change
        self.linted_with: Linter | None = None  # the rules last_draft's verdict was given under
        self.relint_due = False  # the rules changed: re-lint last_draft unless a newer draft comes first
        self.present_as: str | None = None  # the agent this sidebar is counted for (see Registry.identify)
        self.counted_for: set[str] = set()  # every agent it was counted for: their rows are rewritten at close
        self.sightings = Sightings(hub.recorder.learner)
        self.closing = False
        self.overflowed = asyncio.Event()  # set when the client stopped reading
        self.has_room = asyncio.Event()  # set by the sender when the outbox is below READ_PAUSE_FRAMES

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
        """Write queued frames in order; each write that leaves room wakes a receive loop waiting for it."""
        try:
            while True:
                frame = await self.outbox.get()
                await self.websocket.send_text(json.dumps(frame, ensure_ascii=False))
                if self.outbox.qsize() < READ_PAUSE_FRAMES:
                    self.has_room.set()
        finally:  # the socket is gone or being closed: nothing waits for this sender any more
            self.closing = True
            self.has_room.set()

    async def room_for_answers(self) -> None:
        """Wait while READ_PAUSE_FRAMES answers are queued (a burst waits in TCP, not in our memory)."""
        while self.outbox.qsize() >= READ_PAUSE_FRAMES and not self.closing:
            self.has_room.clear()
            await self.has_room.wait()

    async def linter_loop(self) -> None:
        """Lint only the newest draft: drafts that arrived while one was linted are skipped. When the rules
        changed (relint_due) and no newer draft is waiting, the last draft is linted again under the new
        rules and answered with its own seq and `"relint": true`; one loop does both, so a socket's lint
        answers stay in order."""
        while True:
            await self.draft_ready.wait()
            self.draft_ready.clear()
            draft, self.pending_draft = self.pending_draft, None
            relint = False
            if draft is None or draft.seq <= self.answered_seq:
                if not self.relint_due or self.last_draft is None:
                    continue
                draft, relint = self.last_draft, True
            self.relint_due = False
            linter = self.hub.linter
            if relint and linter is self.linted_with:
                continue  # already judged under these rules
            self.answered_seq, self.last_draft, self.linted_with = draft.seq, draft, linter
            started = time.perf_counter()
            if len(draft.text) <= INLINE_LINT_CHARS:
                result = _lint_answer(linter, draft.text)
            else:  # on the compute threads: drafts arriving meanwhile wait in pending_draft, the newest wins
                result = await compute.run(self.hub.settings, _lint_answer, linter, draft.text)
            metrics.lint_seconds.labels("ws").observe(metrics.elapsed(started))
            frame = {"type": "lint", "seq": draft.seq, "conversation": draft.conversation, **result}
            self.send({**frame, "relint": True} if relint else frame)
            if self.hub.linter is not linter:  # the rules changed while this draft was linted
                self.relint_later()
            await asyncio.sleep(0)  # let the receive loop collect newer drafts before the next one

    def relint_later(self) -> None:
        """The rules changed: have linter_loop re-lint the last draft (a no-op before the first draft)."""
        if self.last_draft is not None:
            self.relint_due = True
            self.draft_ready.set()

    async def later(self, work: Coroutine[Any, Any, object]) -> None:
        """Run conversation work (it reads and writes the database) off the receive loop, in arrival order.

        With PENDING_CONVERSATION_WORK frames already waiting (a slow database, a client sending faster than
        it can be answered) the receive loop waits here first: further frames wait in TCP, not in a chain of
        tasks that would grow with everything the client sends."""
        while self.pending_work >= PENDING_CONVERSATION_WORK and not self.closing:
            self.work_room.clear()
            await self.work_room.wait()
        self.pending_work += 1
        self.conversation_work = asyncio.create_task(self._after(self.conversation_work, work))

    async def _after(self, previous: asyncio.Task[None] | None, work: Coroutine[Any, Any, object]) -> None:
        try:
            await self._in_turn(previous, work)
        finally:
            self.pending_work -= 1
            self.work_room.set()

    async def _in_turn(self, previous: asyncio.Task[None] | None, work: Coroutine[Any, Any, object]) -> None:
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
        except Exception as exc:
            if is_unavailable(exc):  # logged once per outage (with the HTTP failures), not per frame
                self.hub.conversations.store.outage.failure(exc)
                self.send(
                    {
                        "type": "error",
                        "code": "database_unavailable",
                        "message": "数据库暂时无法访问，这条消息未处理，请稍后重试",
                    }
                )
                return
            log.exception("conversation frame failed")
            self.send(
                {
                    "type": "error",
                    "code": "internal",
                    "message": "会话记录暂时无法读写（数据库出错），这条消息未处理，请稍后重试",
                }
            )

    @property
    def who(self) -> str | None:
        """This sidebar's agent: the login, else the agent number (工号) it set with its profile frame.
        Pushes routed to that agent reach it, and the stats count its events for it."""
        return self.agent or self.values.get("agent_no")

    async def identify(self) -> None:
        """Count this sidebar for its (new) agent and send it that agent's conversations. Nothing the
        sidebar asked for waits on this: with the database down the list is left out, not an error."""
        agent = self.who
        if await self.hub.registry.identify(self) and agent is not None:
            try:
                listed = await asyncio.to_thread(self.hub.conversations.routed_to, agent)
            except Exception as exc:  # noqa: BLE001 - the sidebar keeps the list it shows
                background_failure(self.hub.conversations.store, "reading an agent's conversations", exc)
                return
            self.send({"type": "conversations", "conversations": listed})

    async def handle(self, frame: Any) -> None:
        """Answer one validated frame (copilot.api.frames.parse_frame) with its type's handler."""
        await HANDLERS[frame.type](self, frame)

    # One handler per frame type (HANDLERS below). Suggesting, searching and linting long drafts run on the
    # compute threads; conversation frames (they wait on the database) in order behind the receive loop,
    # through later().

    async def on_draft(self, frame: DraftFrame) -> None:
        self.hub.check_text(frame.text, "text")
        if frame.seq > self.newest_seq:  # linter_loop answers the newest; an older seq arriving late is dropped
            self.newest_seq = frame.seq
            self.pending_draft = frame
            self.draft_ready.set()

    async def on_customer(self, frame: CustomerFrame) -> None:
        self.hub.check_text(frame.text, "text")
        await self.later(self.answer_customer(frame))

    async def on_watch(self, frame: WatchFrame) -> None:
        await self.later(self.start_watching(frame.conversation))

    async def on_unwatch(self, frame: WatchFrame) -> None:
        await self.later(self.stop_watching(frame.conversation))

    async def on_search(self, frame: SearchFrame) -> None:
        hub = self.hub
        answer = await compute.run(
            hub.settings, hub.live.suggester.search, frame.q, values=self.values, intent=frame.intent
        )
        self.send({"type": "search", "seq": frame.seq, "q": frame.q, "intent": frame.intent, "suggestions": answer})

    async def on_used(self, frame: UsedFrame) -> None:
        recorder = self.hub.recorder
        recorder.used(self.who, frame.phrase)
        if frame.conversation is None or recorder.learner is None:  # an older sidebar: the stats only
            self.send({"type": "recorded", "what": "used"})
        else:  # behind this sidebar's customer frames, so the message it answers is stored first
            await self.later(self.learn_from_used(frame, self.who))

    async def on_sent(self, frame: SentFrame) -> None:
        self.hub.check_text(frame.text, "text")
        await self.later(self.record_sent(frame, self.who))

    async def on_profile(self, frame: ProfileFrame) -> None:
        self.values = {"agent_no": frame.agent_no} if frame.agent_no else {}
        self.send({"type": "profile", "agent_no": frame.agent_no})
        if self.who != self.present_as:  # a new 工号 without a login moves the sidebar to that agent
            await self.later(self.identify())

    async def on_focus(self, frame: FocusFrame) -> None:
        agent = self.who
        if agent is None:
            raise FrameError("no_agent", "尚未设置坐席身份：请先登录，或在 ⚙ 中填写工号，再切换会话")
        # this worker's sidebars of the agent switch at once (this one too, before its next frame is
        # read, even while its move to the agent is still being written); the others through the bus
        focus = {"type": "focus", "conversation": frame.conversation}
        self.hub.deliver_to_agent(agent, focus, self)
        await self.later(self.hub.announce_focus(agent, focus))

    async def on_ping(self, frame: PingFrame) -> None:
        self.send({"type": "pong"})

    # The conversation work the handlers queue with later().

    async def answer_customer(self, frame: CustomerFrame) -> None:
        await self.hub.customer_message(frame.conversation, frame.text, self.values, self.client, deliver=self.send)

    async def start_watching(self, conversation: str) -> None:
        await self.hub.registry.watch(conversation, self)
        self.send({"type": "watching", "conversation": conversation})

    async def stop_watching(self, conversation: str) -> None:
        await self.hub.registry.unwatch(conversation, self)
        self.send({"type": "unwatched", "conversation": conversation})

    async def record_sent(self, frame: SentFrame, agent: str | None) -> None:
        # linted on the compute threads, recorded on the loop (the stats queue is the loop's own); `agent` is
        # who the sidebar was when the frame arrived (a profile frame right after it must not take it over)
        hub = self.hub
        linted = await compute.run(hub.settings, hub.linter.lint, frame.text)
        asked = await hub.record_sent(agent, frame.conversation, frame.text, self.client, linted)
        if asked is not None and hub.recorder.learner is not None:  # a reply that is a phrase answers the question
            phrase = await hub.recorder.reply_phrase(frame.text)
            if phrase is not None:
                self.sightings.add(frame.conversation, phrase, asked, agent)
        self.send({"type": "recorded", "what": "sent"})

    async def learn_from_used(self, frame: UsedFrame, agent: str | None) -> None:
        """A phrase taken for a conversation: a candidate example for the customer message waiting there
        (`agent`: who the sidebar was when the frame arrived, not when this queued work runs)."""
        assert frame.conversation is not None
        asked = await self.hub.recorder.waiting_message(frame.conversation)
        if asked is not None:
            self.sightings.add(frame.conversation, frame.phrase, asked, agent)
        self.send({"type": "recorded", "what": "used"})


FrameHandler = Callable[[AgentConnection, Any], Awaitable[None]]

# Every frame type a sidebar may send (copilot.api.frames.FRAME_TYPES) and what answers it;
# tests/api/test_frames.py checks that each type has exactly one handler taking its model.
HANDLERS: dict[str, FrameHandler] = {
    "customer": AgentConnection.on_customer,
    "draft": AgentConnection.on_draft,
    "watch": AgentConnection.on_watch,
    "unwatch": AgentConnection.on_unwatch,
    "search": AgentConnection.on_search,
    "used": AgentConnection.on_used,
    "sent": AgentConnection.on_sent,
    "profile": AgentConnection.on_profile,
    "ping": AgentConnection.on_ping,
    "focus": AgentConnection.on_focus,
}
