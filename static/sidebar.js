// The agent sidebar: the conversations an agent holds, the focused one's customer message and
// suggestions, and a live-linted draft per conversation. This module only assembles the parts (one module
// a section, each given `app`: the page's elements, the conversation book, the socket and the other parts)
// and routes the server's frames to them.
// Every piece of data (customer text, phrases, lint messages) reaches the DOM as text nodes only.

import { setupAgentNumber } from "./agent-number.js";
import { $ } from "./common.js";
import { ConversationList } from "./conversation-list.js";
import { ConversationBook } from "./conversations.js";
import { connect } from "./sidebar-connection.js";
import { conversationView } from "./sidebar-conversation.js";
import { copier } from "./sidebar-copy.js";
import { customerView } from "./sidebar-customer.js";
import { DraftField } from "./sidebar-draft.js";
import { keyboard, togglePanel } from "./sidebar-keys.js";
import { problemTip } from "./sidebar-tip.js";
import { slashSearch } from "./slash-search.js";
import { storage } from "./storage.js";
import { toast, toastTiming } from "./toast.js";

const KEY_HINTS_OPEN = "kefu.hintsOpen";
// the sidebar's toast stays longer than the editor's: the agent's eyes are on the chat window
toastTiming({ ms: 5000, actionGraceMs: 3000 });

const ELEMENTS = [
  "conv", "conn", "settings-btn", "settings", "help-btn", "help", "convs", "conv-list", "paste-form", "paste", "intents",
  "timer", "msg", "msg-more", "suggest-wrap", "hints", "complaint-type", "hint-list", "suggestions", "suggest-empty",
  "slash", "slash-note", "slash-list", "verdict", "fix-all", "copy", "editor", "backdrop", "backdrop-text", "draft",
  "diags", "tip", "confirm", "confirm-list",
];
const el = Object.fromEntries(ELEMENTS.map((id) => [id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), $(id)]));

const params = new URLSearchParams(location.search);
const watchedHere = (params.get("c") || "").trim().slice(0, 128) || null; // ?c= watches that conversation
const book = new ConversationBook();
if (watchedHere) {
  book.ensure(watchedHere, { watched: true });
  book.activate(watchedHere);
}

const app = { el, book };
app.conv = conversationView(app);
app.list = new ConversationList(el.convs, el.convList, book, app.conv.switchTo);
app.customer = customerView(app);
app.draft = new DraftField(app);
app.tip = problemTip(app);
app.slash = slashSearch(app);
app.copy = copier(app);
app.keys = keyboard(app);
let agentNo = null; // the 工号 prompt and setting (agent-number.js)

const FRAME_HANDLERS = {
  suggestions: (frame) => app.customer.onFrame(frame),
  // the agent answered in the chat window itself: the customer is no longer waiting
  agent_message: (frame) => {
    if (typeof frame.conversation === "string") app.conv.markReplied(frame.conversation);
  },
  conversations: (frame) => {
    if (Array.isArray(frame.conversations)) app.conv.merge(frame.conversations);
  },
  // the chat window put this conversation in front: follow it
  focus: (frame) => {
    if (typeof frame.conversation === "string" && frame.conversation) app.conv.follow(frame.conversation);
  },
  lint: (frame) => app.draft.onLint(frame),
  search: (frame) => app.slash.onFrame(frame),
  profile: (frame) => agentNo.confirmed(frame.agent_no),
  error: (frame) => toast(frame.message || "服务器拒绝了这条消息", { kind: "error" }),
  // watching, recorded, pong: nothing to show
};
app.socket = connect(app, (frame) => {
  if (Object.hasOwn(FRAME_HANDLERS, frame.type)) FRAME_HANDLERS[frame.type](frame);
});

function wire() {
  app.keys.wire();
  app.draft.wire();
  app.tip.wire();
  app.copy.wire();
  app.customer.wirePaste();
  el.settingsBtn.addEventListener("click", () => {
    togglePanel(el.settings, el.settingsBtn);
    if (!el.settings.hidden) $("agent-no").focus();
  });
  el.helpBtn.addEventListener("click", () => togglePanel(el.help, el.helpBtn));
  // an agent who knows the handling steps by heart may fold them away for good
  el.hints.open = storage.get(KEY_HINTS_OPEN, "1") === "1";
  el.hints.addEventListener("toggle", () => storage.set(KEY_HINTS_OPEN, el.hints.open ? "1" : "0"));
  agentNo = setupAgentNumber({
    send: (frame) => app.socket.send(frame),
    toast: (message) => toast(message),
    closeSettings: () => togglePanel(el.settings, el.settingsBtn, false),
  });
  app.customer.render();
  app.list.render();
  setInterval(() => {
    app.conv.renderTimer();
    app.list.tick();
  }, 250);
  app.socket.start();
}

wire();

// for tests and debugging in the console
const state = {
  get lint() { return app.draft.lint; },
  get view() { return app.draft.view; },
  get current() { return app.draft.current; },
  get slash() { return app.slash.current(); },
};
window.kefu = { state, book, socket: app.socket, switchTo: app.conv.switchTo };
