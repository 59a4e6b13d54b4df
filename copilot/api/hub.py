"""The WebSocket hub: agent connections, draft coalescing (and re-linting when the rules change),
conversation watching, routing by agent, focus and platform pushes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any
from uuid import uuid4

from starlette.websockets import WebSocket, WebSocketDisconnect

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
    parse_frame,
)
from copilot.api.jsoncheck import describe_utf8_error
from copilot.api.throttle import TokenBucket
from copilot.bus import make_bus
from copilot.config import Settings
from copilot.conversations import (
    FOCUS,
    HEARTBEAT_S,
    PLATFORM,
    SWEEP_BATCH,
    TOTAL,
    Client,
    ConversationLimit,
    ConversationStore,
    Notice,
)
from copilot.learn.matching import matcher_for
from copilot.learn.writer import CandidateWriter
from copilot.lint import Linter, LintResult
from copilot.live import LiveIndex
from copilot.rulebook import RuleBook
from copilot.stats.recorder import EventWriter
from copilot.store.db import Store
from copilot.store.health import is_unavailable
from copilot.store.schemas import ID_RE
from copilot.suggest.suggester import Turn
from copilot.textcheck import TextError, check_text

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
CLOSE_TOO_BIG = 1009
CLOSE_NOT_READING = 1008
CLOSE_TOO_FAST = 1008
SWEEP_EVERY_S = 30.0  # how often a worker deletes expired conversation turns (a bounded batch each time)
SIGHTINGS_KEPT = 64  # (conversation, message hash, phrase) a sidebar remembers counting, so it counts each once


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
        self.present_as: str | None = None  # the agent this sidebar is counted for (see Hub.identify)
        self.counted_for: set[str] = set()  # every agent it was counted for: their rows are rewritten at close
        self.sighted: OrderedDict[tuple[str, int, str], None] = OrderedDict()  # see sight()
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

    async def later(self, work: Coroutine[Any, Any, None]) -> None:
        """Run conversation work (it reads and writes the database) off the receive loop, in arrival order.

        With PENDING_CONVERSATION_WORK frames already waiting (a slow database, a client sending faster than
        it can be answered) the receive loop waits here first: further frames wait in TCP, not in a chain of
        tasks that would grow with everything the client sends."""
        while self.pending_work >= PENDING_CONVERSATION_WORK and not self.closing:
            self.work_room.clear()
            await self.work_room.wait()
        self.pending_work += 1
        self.conversation_work = asyncio.create_task(self._after(self.conversation_work, work))

    async def _after(self, previous: asyncio.Task[None] | None, work: Coroutine[Any, Any, None]) -> None:
        try:
            await self._in_turn(previous, work)
        finally:
            self.pending_work -= 1
            self.work_room.set()

    async def _in_turn(self, previous: asyncio.Task[None] | None, work: Coroutine[Any, Any, None]) -> None:
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
                self.send({"type": "error", "code": "database_unavailable",
                           "message": "数据库暂时无法访问，这条消息未处理，请稍后重试"})
                return
            log.exception("conversation frame failed")
            self.send({"type": "error", "code": "internal",
                       "message": "会话记录暂时无法读写（数据库出错），这条消息未处理，请稍后重试"})

    async def answer_customer(self, frame: CustomerFrame) -> None:
        await self.hub.customer_message(frame.conversation, frame.text, self.values, self.client, deliver=self.send)

    async def watch(self, frame: WatchFrame) -> None:
        if frame.type == "watch":
            await self.hub.watch(frame.conversation, self)
            self.send({"type": "watching", "conversation": frame.conversation})
        else:
            await self.hub.unwatch(frame.conversation, self)
            self.send({"type": "unwatched", "conversation": frame.conversation})

    async def record_sent(self, frame: SentFrame, agent: str | None) -> None:
        # linted on the compute threads, recorded on the loop (the stats queue is the loop's own); `agent` is
        # who the sidebar was when the frame arrived (a profile frame right after it must not take it over)
        linted = await compute.run(self.hub.settings, self.hub.linter.lint, frame.text)
        asked = await self.hub.record_sent(agent, frame.conversation, frame.text, self.client, linted)
        if asked is not None and self.hub.learner is not None:  # a reply that is a phrase answers the question
            phrase = await self.hub.reply_phrase(frame.text)
            if phrase is not None:
                self.sight(frame.conversation, phrase, asked, agent)
        self.send({"type": "recorded", "what": "sent"})

    async def learn_from_used(self, frame: UsedFrame, agent: str | None) -> None:
        """A phrase taken for a conversation: a candidate example for the customer message waiting there
        (`agent`: who the sidebar was when the frame arrived, not when this queued work runs)."""
        assert frame.conversation is not None
        asked = await self.hub.waiting_message(frame.conversation)
        if asked is not None:
            self.sight(frame.conversation, frame.phrase, asked, agent)
        self.send({"type": "recorded", "what": "used"})

    def sight(self, conversation: str, phrase: str, message: str, agent: str | None) -> None:
        """Queue the sighting "this agent chose `phrase` for `message`", once per sidebar: an agent who
        inserts a phrase (used) and then sends it (sent, matching the same phrase) chose it once, and so
        does one who inserts it twice for the same message. A different phrase for the same message, or
        the same phrase for the customer's next message, counts again."""
        learner = self.hub.learner
        key = (conversation, hash(message), phrase)  # a hash: 64 long messages per sidebar would add up
        if learner is None or key in self.sighted:
            return
        self.sighted[key] = None
        if len(self.sighted) > SIGHTINGS_KEPT:
            self.sighted.popitem(last=False)
        learner.add(phrase, message, agent)

    @property
    def who(self) -> str | None:
        """This sidebar's agent: the login, else the agent number (工号) it set with its profile frame.
        Pushes routed to that agent reach it, and the stats count its events for it."""
        return self.agent or self.values.get("agent_no")

    async def identify(self) -> None:
        """Count this sidebar for its (new) agent and send it that agent's conversations. Nothing the
        sidebar asked for waits on this: with the database down the list is left out, not an error."""
        agent = self.who
        if await self.hub.identify(self) and agent is not None:
            try:
                listed = await asyncio.to_thread(self.hub.conversations.routed_to, agent)
            except Exception as exc:  # noqa: BLE001 - the sidebar keeps the list it shows
                self.hub.background_failure("reading an agent's conversations", exc)
                return
            self.send({"type": "conversations", "conversations": listed})

    async def handle(self, frame: Any) -> None:
        """Answer one frame; suggesting, searching and linting long drafts run on the compute threads,
        conversation frames (they wait on the database) in order behind the receive loop."""
        hub = self.hub
        if isinstance(frame, DraftFrame):
            hub.check_text(frame.text, "text")
            if frame.seq > self.newest_seq:
                self.newest_seq = frame.seq
                self.pending_draft = frame
                self.draft_ready.set()
        elif isinstance(frame, CustomerFrame):
            hub.check_text(frame.text, "text")
            await self.later(self.answer_customer(frame))
        elif isinstance(frame, WatchFrame):
            await self.later(self.watch(frame))
        elif isinstance(frame, SearchFrame):
            answer = await compute.run(hub.settings, hub.live.suggester.search, frame.q, values=self.values,
                                       intent=frame.intent)
            self.send({"type": "search", "seq": frame.seq, "q": frame.q, "intent": frame.intent, "suggestions": answer})
        elif isinstance(frame, UsedFrame):
            hub.record_used(self.who, frame.phrase)
            if frame.conversation is None or hub.learner is None:  # an older sidebar: the stats only
                self.send({"type": "recorded", "what": "used"})
            else:  # behind this sidebar's customer frames, so the message it answers is stored first
                await self.later(self.learn_from_used(frame, self.who))
        elif isinstance(frame, SentFrame):
            hub.check_text(frame.text, "text")
            await self.later(self.record_sent(frame, self.who))
        elif isinstance(frame, ProfileFrame):
            self.values = {"agent_no": frame.agent_no} if frame.agent_no else {}
            self.send({"type": "profile", "agent_no": frame.agent_no})
            if self.who != self.present_as:  # a new 工号 without a login moves the sidebar to that agent
                await self.later(self.identify())
        elif isinstance(frame, FocusFrame):
            agent = self.who
            if agent is None:
                raise FrameError("no_agent", "尚未设置坐席身份：请先登录，或在 ⚙ 中填写工号，再切换会话")
            # this worker's sidebars of the agent switch at once (this one too, before its next frame is
            # read, even while its move to the agent is still being written); the others through the bus
            focus = {"type": "focus", "conversation": frame.conversation}
            hub.deliver_to_agent(agent, focus, self)
            await self.later(hub.announce_focus(agent, focus))
        elif isinstance(frame, PingFrame):
            self.send({"type": "pong"})


class Hub:
    """Everything the sidebars of one worker share."""

    def __init__(
        self, settings: Settings, rulebook: RuleBook, live: LiveIndex, events: EventWriter | None, store: Store,
        learner: CandidateWriter | None = None,
    ) -> None:
        self.settings = settings
        self.rulebook = rulebook
        self.live = live
        self.events = events
        self.learner = learner  # sightings from `used` and `sent` frames become candidate example questions
        self.worker = uuid4().hex[:16]  # this process, in the watchers table and on the bus
        self.conversations = ConversationStore(
            store, settings.conversation_turns, settings.conversation_idle_seconds,
            settings.conversations_per_agent, settings.conversations_per_ip,
        )
        self.bus = make_bus(settings, store, self.conversations)
        self.watchers: dict[str, set[AgentConnection]] = {}  # this worker's sidebars only
        self.agents: dict[str, set[AgentConnection]] = {}  # this worker's sidebars by agent (AgentConnection.who)
        self.connections: set[AgentConnection] = set()  # every open sidebar here, for re-linting
        self._watchers_written = asyncio.Lock()  # so the newest count is the one stored
        self._reading: set[asyncio.Task[None]] = set()  # frames being read for notices that left them out
        # the rule book polls the rules' version every COPILOT_REFRESH_SECONDS (and at once after a rule is
        # saved through this worker): each swap re-lints every sidebar's newest draft here
        rulebook.on_swap.append(self._relint_all)
        self._presence_unwritten: set[str] = set()  # agents whose count a failed write left stale

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
        self, conversation: str, text: str, values: dict[str, str] | None = None, client: Client = PLATFORM,
        deliver: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Answer a customer message with a suggestions frame and remember it. With `deliver`, the frame
        goes out before the turn is written: the agent waits for suggestions, not for the database (this
        connection's next message is handled after the write, so it still sees this turn)."""
        recent = await asyncio.to_thread(self.conversations.recent, conversation, client)
        frame = await compute.run(self.settings, self._suggestions, conversation, text, recent.turns, values)
        if deliver is not None:
            deliver(frame)
        await asyncio.to_thread(self.conversations.append, conversation, "customer", text, worker=self.worker,
                                client=client, checked=True)
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
            notice = store.append(conversation, role, text, worker=self.worker, client=client, frame=frame,
                                  announce=self.bus.announce, agent=routed_to, route=agent is not None)
            return notice, store.reached(conversation, routed_to)

        notice, everywhere = await asyncio.to_thread(store_and_count)
        await self.bus.publish(notice)
        if role != "customer":
            here = self._deliver_here(conversation, frame, routed_to)
        return {**frame, "delivered": max(everywhere, here), "agent": routed_to}

    def _reached_here(self, conversation: str | None, agent: str | None) -> set[AgentConnection]:
        """This worker's sidebars watching the conversation or belonging to the agent (each once)."""
        reached = set(self.watchers.get(conversation, ())) if conversation is not None else set()
        if agent is not None:
            reached.update(self.agents.get(agent, ()))
        return reached

    def _deliver_here(self, conversation: str, frame: dict[str, Any], agent: str | None = None) -> int:
        """Send a pushed frame to this worker's sidebars watching the conversation or of the agent it is
        routed to; returns how many."""
        reached = self._reached_here(conversation, agent)
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
        sidebars = set(self.agents.get(agent, ()))
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
        if not self._reached_here(notice.conversation, notice.agent):
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

    def _leave_agent(self, connection: AgentConnection) -> None:
        agent = connection.present_as
        sidebars = self.agents.get(agent, set()) if agent is not None else set()
        sidebars.discard(connection)
        if agent is not None and not sidebars:
            self.agents.pop(agent, None)
        connection.present_as = None

    async def _write_presence(self, agent: str, conversations: set[str] | list[str], whole: bool = False) -> None:
        """Store this worker's count of the agent's sidebars, and of those watching each of `conversations`
        (`whole`: every conversation they watch, replacing all the agent's rows of this worker)."""
        async with self._watchers_written:  # counted inside the lock: a slower write never overwrites a newer
            sidebars = self.agents.get(agent, set())
            if whole:
                conversations = {watched for sidebar in sidebars for watched in sidebar.watching}
            counts = {TOTAL: len(sidebars)}
            for conversation in list(conversations):
                counts[conversation] = sum(conversation in sidebar.watching for sidebar in sidebars)
            await asyncio.to_thread(self.conversations.set_presence, self.worker, agent, counts, whole)

    async def _store_presence(self, agent: str, conversations: set[str] | list[str]) -> None:
        """_write_presence, or when the database fails, again (whole) with the next heartbeat: the sidebar
        is the agent's here at once, only the count other workers read waits."""
        try:
            await self._write_presence(agent, conversations)
        except Exception as exc:  # noqa: BLE001 - retried by _heartbeat
            self._presence_unwritten.add(agent)
            self.background_failure("counting an agent's sidebars", exc)

    def background_failure(self, what: str, exc: BaseException) -> None:
        """A database failure no frame waits for: logged once per outage (with the others), else as a warning."""
        if is_unavailable(exc):
            self.conversations.store.outage.failure(exc, request=False)
        else:
            log.warning("%s failed: %s", what, exc)

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

    async def waiting_message(self, conversation: str) -> str | None:
        """The conversation's customer message no agent has answered yet, or None (also when the database
        cannot say: a lost sighting is not worth an error on the agent's sidebar)."""
        try:
            return await asyncio.to_thread(self.conversations.waiting_message, conversation)
        except Exception as exc:  # noqa: BLE001 - learning is best effort
            self.background_failure("reading a conversation's waiting message", exc)
            return None

    async def reply_phrase(self, text: str) -> str | None:
        """The phrase an agent's reply is (its body, closely enough), if any. The matcher is built once per
        phrase index, on the compute threads like the matching (10,000 bodies take milliseconds)."""
        index = self.live.suggester.index
        return await compute.run(self.settings, lambda: matcher_for(index).match(text))

    async def record_sent(self, agent: str | None, conversation: str, text: str, client: Client = PLATFORM,
                          result: LintResult | None = None) -> str | None:
        """An agent sent a reply: remembered as context, linted with the current rules (unless result is
        that lint already), queued for the stats. Returns the customer message it answers: the conversation's
        newest turn before the reply, when that was the customer's (else None)."""
        recent = await asyncio.to_thread(self.conversations.recent, conversation, client)
        waited = recent.waiting_ms(time.time())  # before the reply ends the wait
        asked = recent.turns[-1].text if recent.turns and recent.turns[-1].role == "customer" else None
        await asyncio.to_thread(self.conversations.append, conversation, "agent", text, worker=self.worker,
                                client=client, checked=True)
        if self.events is not None:
            result = result or self.linter.lint(text)
            rules = list(dict.fromkeys(d.rule for d in result.diagnostics))
            self.events.sent(agent=agent, conversation=conversation, verdict=result.verdict, rules=rules,
                             reply_ms=waited, text=text)
        return asked

    async def run(self) -> None:
        """This worker's part of the shared conversations: hear pushes, keep its watcher and presence rows
        alive, sweep. (Open drafts are re-linted from the rule book's swaps, _relint_all.)"""
        await asyncio.gather(self.bus.run(self.hear), self._every(HEARTBEAT_S, self._heartbeat),
                             self._every(SWEEP_EVERY_S, self._sweep))

    def _relint_all(self) -> None:
        """The rules changed (on any worker): every sidebar here re-lints its newest draft. Each connection's
        own linter_loop does it (short drafts on the loop one task at a time, long ones on the compute
        threads), so this only marks them."""
        for connection in list(self.connections):
            connection.relint_later()

    async def close(self) -> None:
        """Take this worker's watchers out of the count at once (a killed worker's expire instead)."""
        await asyncio.to_thread(self.conversations.forget_worker, self.worker)

    async def _heartbeat(self) -> None:
        for agent in list(self._presence_unwritten):
            self._presence_unwritten.discard(agent)
            await self._store_presence_whole(agent)
        await asyncio.to_thread(self.conversations.heartbeat, self.worker)

    async def _store_presence_whole(self, agent: str) -> None:
        try:
            await self._write_presence(agent, (), whole=True)
        except Exception:
            self._presence_unwritten.add(agent)
            raise

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
        self.connections.add(connection)
        sender = asyncio.create_task(connection.sender())
        helpers = [sender, asyncio.create_task(connection.linter_loop()),
                   asyncio.create_task(self._drop_when_not_reading(connection, sender))]
        try:
            if agent is not None:  # a login: the sidebar is its agent's from the start
                await connection.later(connection.identify())
            await self._receive(connection)
        finally:
            metrics.open_sockets.dec()
            self.connections.discard(connection)
            watched = list(connection.watching)
            for conversation in watched:
                self._unwatch_here(conversation, connection)
            if connection.present_as is not None:
                self._leave_agent(connection)
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
            for was in connection.counted_for:  # each, in case a move between agents was cut short
                try:
                    await self._write_presence(was, watched)
                except Exception as exc:  # noqa: BLE001 - the rows expire with the heartbeat instead
                    log.warning("could not remove a sidebar of agent %r: %s", was, exc)

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
                    await websocket.close(CLOSE_TOO_BIG, f"消息超过 {settings.ws_max_frame_bytes // 1024} KiB")
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


def _frame_text(message: dict[str, Any]) -> str:
    """A text frame's text, or a binary frame's bytes as UTF-8 (FrameError when they are not)."""
    if message.get("text") is not None:
        return str(message["text"])
    try:
        return bytes(message.get("bytes") or b"").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrameError("invalid_encoding", f"二进制消息{describe_utf8_error(exc)}") from None
