// The agent sidebar: the conversations an agent holds, the focused one's customer message and
// suggestions, and a live-linted draft per conversation.
// Every piece of data (customer text, phrases, lint messages) reaches the DOM as text nodes only.

import { setupAgentNumber, agentNumber } from "./agent-number.js";
import { $, CATEGORY_NAMES, INTENT_NAMES, SEVERITY_NAMES, VERDICTS, digitOf, h, isTextField } from "./common.js";
import { ConnectionBanner } from "./connection-banner.js";
import { ConversationList } from "./conversation-list.js";
import { ConversationBook, waitLevel, waitText } from "./conversations.js";
import { CodePointText, placeable, remapDiagnostics } from "./offsets.js";
import { slashToken } from "./slash-token.js";
import { BLOCKED_TITLE, blockedBadge, suggestionCards } from "./suggestion-cards.js";
import { ReconnectingSocket } from "./socket.js";
import { storage } from "./storage.js";

const CONNECTION_TEXT = {
  connected: "已连接",
  connecting: "连接中…",
  disconnected: "已断开，正在重连",
};
const DRAFT_DEBOUNCE_MS = 30;
const RECHECK_BEFORE_COPY_MS = 1500; // the copy path waits this long for the verdict under today's rules
const MAX_KEYED = 9;
const CLOSE_LOGIN_REQUIRED = 4401; // the server closes the socket of a browser without a login
const KEY_HINTS_OPEN = "kefu.hintsOpen";

// ---------------------------------------------------------------- state

const params = new URLSearchParams(location.search);
const watchedHere = (params.get("c") || "").trim().slice(0, 128) || null; // ?c= watches that conversation
const book = new ConversationBook();
if (watchedHere) {
  book.ensure(watchedHere, { watched: true });
  book.activate(watchedHere);
}

const el = {
  conv: $("conv"),
  conn: $("conn"),
  settingsBtn: $("settings-btn"),
  settings: $("settings"),
  helpBtn: $("help-btn"),
  help: $("help"),
  convs: $("convs"),
  convList: $("conv-list"),
  pasteForm: $("paste-form"),
  paste: $("paste"),
  intents: $("intents"),
  timer: $("timer"),
  msg: $("msg"),
  msgMore: $("msg-more"),
  suggestWrap: $("suggest-wrap"),
  hints: $("hints"),
  complaintType: $("complaint-type"),
  hintList: $("hint-list"),
  suggestions: $("suggestions"),
  suggestEmpty: $("suggest-empty"),
  slash: $("slash"),
  slashNote: $("slash-note"),
  slashList: $("slash-list"),
  verdict: $("verdict"),
  fixAll: $("fix-all"),
  copy: $("copy"),
  editor: $("editor"),
  backdrop: $("backdrop"),
  backdropText: $("backdrop-text"),
  draft: $("draft"),
  diags: $("diags"),
  tip: $("tip"),
  toast: $("toast"),
  confirm: $("confirm"),
  confirmList: $("confirm-list"),
};

const state = {
  waitingFor: null, // the conversation whose pasted customer message awaits its suggestions
  pasted: "", // that message, shown until its suggestions come
  outbox: [], // customer frames typed while offline
  draftSeq: 0,
  sent: { seq: 0, text: null }, // the newest draft sent for lint
  lint: null, // {seq, text, verdict, diagnostics, fixed} for sent.seq or older
  view: [], // diagnostics placed on the current text: {d, start, end, u0, u1}
  current: false, // the lint answers exactly the current text
  composing: false,
  focusAfterComposing: null, // a focus frame that came mid-composition (switching would break the IME)
  draftTimer: null,
  slash: null, // {start, end, q, items, active, seq}
  slashDismissed: -1,
  searchSeq: 0,
  tipFor: null,
  tipHideTimer: null,
  waiters: [], // resolve() calls waiting for a current lint (copy waits briefly)
};

const list = new ConversationList(el.convs, el.convList, book, switchTo);

// ---------------------------------------------------------------- connection

const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/agent`;
const socket = new ReconnectingSocket(wsUrl, {
  onState: showConnection,
  onOpen() {
    // the 工号 first: it is the identity the server routes this agent's conversations by
    const number = agentNumber();
    if (number) socket.send({ type: "profile", agent_no: number });
    for (const conv of book.items.values()) {
      if (conv.watched) socket.send({ type: "watch", conversation: conv.id });
    }
    for (const frame of state.outbox.splice(0)) socket.send(frame);
    // rules may have changed while we were away: lint the draft again
    sendDraft();
    if (state.slash && state.slash.q) runSearch(state.slash.q);
  },
  onFrame: handleFrame,
  onClose(event) {
    if (event.code !== CLOSE_LOGIN_REQUIRED) return true;
    banner.hide();
    el.conn.dataset.state = "unauthorized";
    el.conn.textContent = "未登录";
    el.conn.title = event.reason || "";
    toast("登录已失效，请重新登录（草稿已保存在本机）", {
      kind: "error",
      action: "去登录",
      onAction: () => location.reload(),
      ms: 60_000,
    });
    refreshLint();
    return false;
  },
});
const banner = new ConnectionBanner($("offline"), () => socket.retryNow());

let retryTicker = null;
function showConnection(connState, retryAt) {
  el.conn.dataset.state = connState;
  el.conn.textContent = CONNECTION_TEXT[connState];
  banner.show(connState, retryAt);
  clearInterval(retryTicker);
  el.conn.title = "";
  if (connState === "disconnected" && retryAt) {
    const tick = () => {
      const left = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      el.conn.title = `${left} 秒后重连`;
    };
    tick();
    retryTicker = setInterval(tick, 500);
  }
  if (connState !== "connected") refreshLint();
}

function handleFrame(frame) {
  switch (frame.type) {
    case "suggestions":
      onCustomerFrame(frame);
      break;
    case "agent_message":
      // the agent answered in the chat window itself: the customer is no longer waiting
      if (typeof frame.conversation === "string") markReplied(frame.conversation);
      break;
    case "conversations":
      if (Array.isArray(frame.conversations)) {
        book.merge(frame.conversations);
        if (!book.active && book.items.size) switchTo(book.sorted()[0].id);
        renderCustomer();
        list.render();
      }
      break;
    case "focus":
      // the chat window put this conversation in front: follow it
      if (typeof frame.conversation === "string" && frame.conversation) {
        if (state.composing) state.focusAfterComposing = frame.conversation;
        else switchTo(frame.conversation);
      }
      break;
    case "lint":
      onLint(frame);
      break;
    case "search":
      onSearch(frame);
      break;
    case "profile":
      agentNo.confirmed(frame.agent_no);
      break;
    case "error":
      toast(frame.message || "服务器拒绝了这条消息", { kind: "error" });
      break;
    default:
      // watching, recorded, pong: nothing to show
      break;
  }
}

// ---------------------------------------------------------------- conversations

/**
 * Put a conversation in front: its customer message, suggestions, timer and draft. Only a `focus` frame
 * (the chat window) or the agent (a click, Alt+digit) switches; the sidebar never sends a `focus` frame
 * of its own, so a click here cannot pull the agent's other sidebars away from what the chat window shows.
 */
function switchTo(id) {
  if (id === book.activeId) return;
  closeSlash();
  hideTip();
  const before = book.activeId;
  book.setDraft(before ?? "", el.draft.value);
  book.ensure(id);
  book.activate(id);
  // a plain assignment: Ctrl+Z never reaches into another conversation. What was typed before the
  // first conversation arrived is meant for it.
  const carried = before === null ? book.draft("") : "";
  if (carried) book.setDraft("", "");
  el.draft.value = book.draft(id) || carried;
  if (carried) book.setDraft(id, carried);
  state.lint = null;
  sendDraft();
  autoGrow();
  renderCustomer();
  list.render();
  el.suggestWrap.scrollTop = 0;
}

/** The conversation a customer frame (or the agent's paste) goes to; a new one when none is open. */
function activeOrNew() {
  if (!book.active) switchTo(`paste-${Math.random().toString(36).slice(2, 8)}`);
  return book.activeId;
}

function showActiveName() {
  const id = book.activeId;
  el.conv.textContent = id === null ? "暂无会话" : `会话 ${id}`;
  el.conv.title = id === null ? "分配给您的会话会出现在这里" : `会话 ID:${id}`;
}

// ---------------------------------------------------------------- customer message and suggestions

function onCustomerFrame(frame) {
  if (typeof frame.conversation !== "string" || !frame.conversation) return;
  const { conv, fresh } = book.customerFrame(frame);
  if (state.waitingFor === conv.id) state.waitingFor = null;
  if (!book.active) switchTo(conv.id);
  if (conv.id === book.activeId) {
    renderCustomer();
    if (fresh) el.suggestWrap.scrollTop = 0;
  }
  list.render();
}

function renderCustomer() {
  showActiveName();
  const conv = book.active;
  const c = conv?.customer ?? null;
  const waiting = state.waitingFor !== null && state.waitingFor === book.activeId;
  el.msg.dataset.empty = String(!c && !waiting);
  el.intents.replaceChildren();
  if (waiting) {
    // a new message was pasted: the last one's suggestions answer something else, so they go at once
    el.msg.textContent = state.pasted;
    renderSuggestions([]);
    el.hints.hidden = true;
    renderTimer();
    fitMessage();
    return;
  }
  if (!c) {
    el.msg.textContent = conv ? "还没有顾客消息" : "还没有会话：分配给您的会话会自动出现，也可以把顾客的话粘贴到上方输入框。";
    el.msg.title = "";
    renderSuggestions([]);
    el.hints.hidden = true;
    renderTimer();
    fitMessage();
    return;
  }
  el.msg.textContent = c.message;
  el.msg.title = "";
  for (const intent of c.intents) {
    const name = INTENT_NAMES[intent.id] || intent.id;
    const score = typeof intent.score === "number" ? `置信度 ${Math.round(intent.score * 100)}%` : "";
    el.intents.append(h("span", { class: "chip", title: score, dataset: { intent: intent.id } }, name));
  }
  if (c.complaint_type) {
    el.intents.append(h("span", { class: "chip complaint", title: "顾客情绪类型" }, c.complaint_type));
  }
  el.hints.hidden = !(c.complaint_type || c.hints.length);
  el.complaintType.textContent = c.complaint_type || "处理提示";
  el.hintList.replaceChildren(...c.hints.map((step) => h("li", {}, step)));
  renderSuggestions(c.suggestions);
  renderTimer();
  fitMessage();
}

/** A long customer message shows three lines and a 展开 button; the agent's choice holds until the next one. */
function fitMessage(expanded = false) {
  el.msg.classList.toggle("expanded", expanded);
  el.msgMore.setAttribute("aria-expanded", String(expanded));
  el.msgMore.textContent = expanded ? "收起" : "展开";
  el.msgMore.hidden = !expanded && el.msg.scrollHeight <= el.msg.clientHeight + 1;
}

function renderSuggestions(items) {
  const waiting = state.waitingFor !== null && state.waitingFor === book.activeId;
  el.suggestions.classList.toggle("waiting", waiting);
  el.suggestions.replaceChildren(...suggestionCards(items, insertSuggestion));
  const empty = items.length === 0;
  el.suggestEmpty.hidden = !empty;
  if (empty) {
    const c = book.active?.customer;
    if (waiting) el.suggestEmpty.textContent = "正在分析顾客消息…";
    else if (c?.lost) el.suggestEmpty.textContent = "这条消息的建议未保留，可输入 / 搜索短语，或等顾客的下一条消息。";
    else if (c) el.suggestEmpty.textContent = "没有合适的短语，请手动回复。";
    else {
      el.suggestEmpty.replaceChildren("等待顾客消息…", h("br"), "也可以把顾客的话粘贴到上方输入框。");
    }
  }
}

function submitCustomer(text) {
  const message = text.trim();
  if (!message) return;
  const conversation = activeOrNew();
  const frame = { type: "customer", conversation, text: message };
  state.waitingFor = conversation;
  state.pasted = message;
  renderCustomer();
  if (!socket.send(frame)) {
    state.outbox = [frame];
    toast("尚未连接，连接后自动获取建议");
  }
}

// ---------------------------------------------------------------- reply timer

function renderTimer() {
  const conv = book.active;
  if (!conv || !conv.customer) {
    el.timer.dataset.level = "idle";
    el.timer.textContent = "";
    return;
  }
  if (conv.waitingSince === null) {
    el.timer.dataset.level = "done";
    el.timer.textContent = "已回复";
    return;
  }
  const seconds = Math.max(0, Math.floor((Date.now() - conv.waitingSince) / 1000));
  el.timer.dataset.level = waitLevel(seconds);
  const text = waitText(seconds);
  el.timer.textContent = `待回复 ${text}`;
}

function markReplied(id) {
  const known = book.get(id);
  if (known && known.waitingSince === null && known.unread === 0) return;
  book.ensure(id); // an agent reply routed here names a conversation of this agent's, even a new one
  book.replied(id);
  if (id === book.activeId) renderTimer();
  list.render();
}

// ---------------------------------------------------------------- draft editing

/** Replace UTF-16 range [u0, u1) of the draft, through the editing stack so Ctrl+Z undoes it. */
function replaceRange(u0, u1, replacement) {
  const ta = el.draft;
  ta.focus();
  ta.setSelectionRange(u0, u1);
  const done = replacement === ""
    ? document.execCommand("delete")
    : document.execCommand("insertText", false, replacement);
  if (!done) {
    ta.setRangeText(replacement, u0, u1, "end");
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

function insertSuggestion(n) {
  const s = book.active?.customer?.suggestions?.[n - 1];
  if (!s) return false;
  insertPhrase(s, el.draft.selectionStart, el.draft.selectionEnd);
  return true;
}

function insertPhrase(phrase, u0, u1) {
  replaceRange(u0, u1, String(phrase.text ?? ""));
  // the conversation: its waiting customer message becomes a candidate example question of the phrase
  if (phrase.id) socket.send({ type: "used", phrase: String(phrase.id), conversation: book.activeId ?? undefined });
}

function onDraftInput() {
  book.setDraft(book.activeId ?? "", el.draft.value); // "": typed before any conversation arrived
  autoGrow();
  refreshLint();
  updateSlash();
  hideTip();
  if (!state.composing) scheduleDraft();
}

function scheduleDraft() {
  clearTimeout(state.draftTimer);
  state.draftTimer = setTimeout(sendDraft, DRAFT_DEBOUNCE_MS);
}

function sendDraft() {
  clearTimeout(state.draftTimer);
  const text = el.draft.value;
  const seq = ++state.draftSeq;
  state.sent = { seq, text };
  if (text === "") {
    // nothing to check: an empty draft needs no round trip
    state.lint = { seq, text, verdict: "ok", diagnostics: [], fixed: "", fixedVerdict: "ok" };
  } else {
    socket.send({ type: "draft", conversation: book.activeId ?? undefined, seq, text });
  }
  refreshLint();
}

function onLint(frame) {
  // an answer to an older draft says nothing about the current one; a `relint: true` frame answers the
  // same seq again under rules changed since, and simply replaces the verdict
  if (frame.seq !== state.sent.seq) return;
  state.lint = {
    seq: frame.seq,
    text: state.sent.text,
    verdict: frame.verdict,
    diagnostics: Array.isArray(frame.diagnostics) ? frame.diagnostics : [],
    fixed: typeof frame.fixed === "string" ? frame.fixed : null,
    fixedVerdict: VERDICTS[frame.fixed_verdict] ? frame.fixed_verdict : frame.verdict,
  };
  refreshLint();
}

/** Recompute what the draft shows from the newest lint and the current text. */
function refreshLint() {
  const text = el.draft.value;
  const lint = state.lint;
  state.current = Boolean(lint && lint.seq === state.sent.seq && lint.text === text);
  const carried = lint ? remapDiagnostics(lint.diagnostics, lint.text, text) : [];
  const cpText = new CodePointText(text);
  state.view = placeable(carried, cpText).map((d) => ({
    d,
    start: d.start,
    end: d.end,
    u0: cpText.unit(d.start),
    u1: cpText.unit(d.end),
  }));

  let verdict;
  if (text === "") verdict = "empty";
  else if (state.current && VERDICTS[lint.verdict]) verdict = lint.verdict;
  else verdict = "pending";
  el.verdict.dataset.verdict = verdict;
  const problems = state.current ? state.view.length : 0;
  el.verdict.textContent = problems && verdict !== "ok" ? `${VERDICTS[verdict]} · ${problems}` : VERDICTS[verdict];
  el.verdict.title = verdict === "pending" && !socket.isOpen ? "连接恢复后自动检查" : "";
  el.fixAll.disabled = !(state.current && lint.fixed !== null && lint.fixed !== text);
  // what 修正全部 leads to, said before the click: a fix that cannot mend an attitude stays 禁止发送
  const after = state.current && !el.fixAll.disabled ? VERDICTS[lint.fixedVerdict] : null;
  el.fixAll.textContent = after && lint.fixedVerdict !== "ok" ? `修正全部（修正后${after}）` : "修正全部";
  el.fixAll.title = after ? `修正全部 (Alt+F):修正后${after}` : "修正全部 (Alt+F)";
  el.fixAll.dataset.after = after ? lint.fixedVerdict : "";

  renderBackdrop(text);
  renderDiagList();
  if (state.current) for (const resolve of state.waiters.splice(0)) resolve(true);
}

function renderBackdrop(text) {
  const parts = [];
  let at = 0;
  state.view.forEach((v, i) => {
    if (v.u0 > at) parts.push(text.slice(at, v.u0));
    parts.push(h("mark", { class: `sev-${v.d.severity}`, dataset: { i: String(i) } }, text.slice(v.u0, v.u1)));
    at = v.u1;
  });
  parts.push(text.slice(at));
  // a trailing newline only gets a line box when something follows it
  if (text.endsWith("\n") || text === "") parts.push(" ");
  el.backdropText.replaceChildren(...parts);
  syncScroll();
}

function renderDiagList() {
  el.diags.replaceChildren(
    ...state.view.map((v, i) => {
      const first = Array.isArray(v.d.replacements) ? v.d.replacements[0] : undefined;
      return h(
        "li",
        {
          class: `diag sev-${v.d.severity}`,
          tabindex: "0",
          dataset: { i: String(i) },
          "aria-label": `${SEVERITY_NAMES[v.d.severity] || ""}:${v.d.text ?? ""},${v.d.message ?? ""}`,
          onmouseenter: () => setHot(i),
          onmouseleave: () => setHot(null),
          onfocus: () => setHot(i),
          onblur: () => setHot(null),
          onclick: (e) => {
            if (!e.target.closest("button")) selectDiagnostic(i);
          },
          onkeydown: (e) => {
            if (e.key === "Enter" && !e.target.closest("button")) {
              e.preventDefault();
              if (first !== undefined) applyFix(i, first);
              else selectDiagnostic(i);
            }
          },
        },
        h("span", { class: "sev-dot", "aria-hidden": "true" }),
        h("span", { class: "diag-text" }, String(v.d.text ?? "")),
        first !== undefined
          ? h("button", { type: "button", class: "fix", title: "按建议修改", onclick: () => applyFix(i, first) }, `→ ${first || "(删除)"}`)
          : null,
        h("span", { class: "diag-msg" }, String(v.d.message ?? "")),
      );
    }),
  );
}

function setHot(i) {
  for (const mark of el.backdropText.querySelectorAll("mark.hot")) mark.classList.remove("hot");
  if (i !== null) el.backdropText.querySelector(`mark[data-i="${i}"]`)?.classList.add("hot");
}

function applyFix(i, replacement) {
  const v = state.view[i];
  if (!v) return;
  hideTip();
  replaceRange(v.u0, v.u1, String(replacement));
}

function fixAll() {
  const lint = state.lint;
  if (!state.current || lint.fixed === null || lint.fixed === el.draft.value) return;
  hideTip();
  replaceRange(0, el.draft.value.length, lint.fixed);
}

function selectDiagnostic(i) {
  const v = state.view[i];
  if (!v) return;
  el.draft.focus();
  el.draft.setSelectionRange(v.u0, v.u1);
  scrollCaretIntoView(v.u0);
  showTip(i, "caret");
}

function diagnosticAtCaret() {
  const caret = el.draft.selectionStart;
  return state.view.findIndex((v) => caret >= v.u0 && caret <= v.u1 && el.draft.selectionEnd <= v.u1);
}

function jumpDiagnostic(step) {
  if (!state.view.length) return;
  const caret = el.draft.selectionStart;
  let i;
  if (step > 0) {
    i = state.view.findIndex((v) => v.u0 > caret || (v.u0 === caret && el.draft.selectionEnd === caret));
    if (i < 0) i = 0;
  } else {
    i = state.view.findLastIndex((v) => v.u0 < caret);
    if (i < 0) i = state.view.length - 1;
  }
  selectDiagnostic(i);
}

// ---------------------------------------------------------------- editor geometry

function autoGrow() {
  const ta = el.draft;
  ta.style.height = "auto";
  const max = Math.max(96, Math.round(window.innerHeight * 0.32));
  ta.style.height = `${Math.min(ta.scrollHeight, max)}px`;
  // a scrollbar narrows the textarea's text; narrow the backdrop by as much
  el.backdrop.style.right = `${ta.offsetWidth - ta.clientWidth}px`;
  syncScroll();
}

function syncScroll() {
  el.backdrop.scrollTop = el.draft.scrollTop;
  el.backdrop.scrollLeft = el.draft.scrollLeft;
}

function scrollCaretIntoView(u) {
  const mark = [...el.backdropText.querySelectorAll("mark")].find((m) => state.view[m.dataset.i]?.u0 === u);
  if (!mark) return;
  const top = mark.offsetTop;
  const ta = el.draft;
  if (top < ta.scrollTop || top > ta.scrollTop + ta.clientHeight - 24) ta.scrollTop = Math.max(0, top - 24);
  syncScroll();
}

function markAt(x, y) {
  for (const mark of el.backdropText.querySelectorAll("mark")) {
    for (const r of mark.getClientRects()) {
      if (x >= r.left && x <= r.right && y >= r.top - 2 && y <= r.bottom + 3) return mark;
    }
  }
  return null;
}

// ---------------------------------------------------------------- diagnostic tooltip

function showTip(i, how) {
  const v = state.view[i];
  const mark = el.backdropText.querySelector(`mark[data-i="${i}"]`);
  if (!v || !mark) return hideTip();
  clearTimeout(state.tipHideTimer);
  state.tipFor = { i, how };
  setHot(i);
  const replacements = Array.isArray(v.d.replacements) ? v.d.replacements : [];
  el.tip.className = `tip sev-${v.d.severity}`;
  el.tip.replaceChildren(
    h(
      "div",
      { class: "tip-head" },
      h("span", { class: "tip-sev" }, SEVERITY_NAMES[v.d.severity] || v.d.severity),
      h("span", { class: "tip-rule" }, CATEGORY_NAMES[v.d.category] || ""),
    ),
    h("div", { class: "tip-msg" }, String(v.d.message ?? "")),
    replacements.length
      ? h(
          "div",
          { class: "tip-fixes" },
          ...replacements.map((r, k) =>
            h(
              "button",
              {
                type: "button",
                class: "btn fix",
                title: k === 0 ? "Alt+Enter" : null,
                // keep the caret where it is: the click must not blur the draft first
                onmousedown: (e) => e.preventDefault(),
                onclick: () => applyFix(i, r),
              },
              `改为「${r || "(删除)"}」`,
            ),
          ),
        )
      : h("div", { class: "tip-none muted" }, "没有合适的自动修改，请按提示改写"),
    // a promise is best answered by the phrasebank's own wording for that question
    INTENT_NAMES[v.d.intent]
      ? h(
          "div",
          { class: "tip-fixes" },
          h(
            "button",
            {
              type: "button",
              class: "btn phrases-for",
              onmousedown: (e) => e.preventDefault(),
              onclick: () => phrasesFor(i),
            },
            `换用“${INTENT_NAMES[v.d.intent]}”话术`,
          ),
        )
      : null,
  );
  el.tip.hidden = false;
  // above the span when there is room (the suggestions are up there), else below
  const rect = [...mark.getClientRects()][0] || mark.getBoundingClientRect();
  const tipRect = el.tip.getBoundingClientRect();
  const margin = 6;
  let top = rect.top - tipRect.height - margin;
  if (top < margin) top = rect.bottom + margin;
  const left = Math.max(margin, Math.min(rect.left, window.innerWidth - tipRect.width - margin));
  el.tip.style.top = `${Math.round(top)}px`;
  el.tip.style.left = `${Math.round(left)}px`;
}

function hideTip() {
  clearTimeout(state.tipHideTimer);
  if (el.tip.hidden) return;
  el.tip.hidden = true;
  state.tipFor = null;
  setHot(null);
}

function hideTipSoon() {
  clearTimeout(state.tipHideTimer);
  state.tipHideTimer = setTimeout(hideTip, 300);
}

function tipForCaret() {
  const i = diagnosticAtCaret();
  if (i >= 0) showTip(i, "caret");
  else if (state.tipFor?.how === "caret") hideTip();
}

// ---------------------------------------------------------------- slash search

function updateSlash() {
  // the list of an intent's phrases stays open until the draft changes
  if (state.slash?.intent && state.slash.text === el.draft.value) return;
  const caret = el.draft.selectionStart;
  const token = state.composing || caret !== el.draft.selectionEnd ? null : slashToken(el.draft.value, caret);
  if (!token || token.start === state.slashDismissed) {
    if (!token) state.slashDismissed = -1;
    closeSlash();
    return;
  }
  const old = state.slash;
  state.slash = { ...token, items: old?.items ?? [], active: old?.active ?? 0, seq: old?.seq ?? 0, loading: false };
  if (!old || old.q !== token.q) {
    state.slash.active = 0;
    if (token.q) runSearch(token.q);
    else state.slash.items = [];
  }
  renderSlash();
}

/** The phrasebank's phrases for a diagnostic's intent, in the slash list; one replaces its sentence. */
function phrasesFor(i) {
  const v = state.view[i];
  if (!v) return;
  hideTip();
  const text = el.draft.value;
  const ends = /[。！？!?\n]/g;
  let start = 0;
  let end = text.length;
  for (const m of text.matchAll(ends)) {
    if (m.index < v.u0) start = m.index + 1;
    else if (m.index >= v.u1) {
      end = m.index + 1;
      break;
    }
  }
  state.slashDismissed = -1;
  state.slash = { start, end, q: "", intent: v.d.intent, text, items: [], active: 0, seq: 0, loading: false };
  const seq = ++state.searchSeq;
  state.slash.seq = seq;
  state.slash.loading = socket.send({ type: "search", seq, q: "", intent: v.d.intent });
  renderSlash();
}

function runSearch(q) {
  const seq = ++state.searchSeq;
  state.slash.seq = seq;
  state.slash.loading = socket.send({ type: "search", seq, q });
}

function onSearch(frame) {
  const slash = state.slash;
  if (!slash || frame.seq !== slash.seq) return;
  slash.items = Array.isArray(frame.suggestions) ? frame.suggestions : [];
  slash.loading = false;
  slash.active = 0;
  renderSlash();
}

function renderSlash() {
  const slash = state.slash;
  if (!slash) return;
  let note = "";
  if (slash.intent) {
    const name = INTENT_NAMES[slash.intent] || "";
    note = slash.items.length || slash.loading ? `“${name}”话术` : `没有“${name}”话术`;
  } else if (!slash.q) {
    note = "输入短语编码或关键词，如 /fp";
  } else if (slash.items.length === 0) {
    note = slash.loading ? "搜索中…" : `没有匹配"${slash.q}"的短语`;
  }
  // the note sits outside the listbox: a listbox holds options only
  el.slashNote.textContent = note;
  el.slashNote.hidden = !note;
  const rows = slash.items.map((s, i) => {
    const n = i + 1;
    const blocked = s.blocked === true;
    return h(
      "div",
      {
        class: blocked ? "slash-item blocked" : "slash-item",
        role: "option",
        title: blocked ? BLOCKED_TITLE : null,
        id: `slash-${i}`,
        "aria-selected": String(i === slash.active),
        dataset: { n: String(n) },
        onmousedown: (e) => e.preventDefault(),
        onclick: () => pickSlash(i),
        onmousemove: () => {
          if (slash.active !== i) {
            slash.active = i;
            renderSlash();
          }
        },
      },
      h(
        "span",
        { class: "card-head" },
        n <= MAX_KEYED ? h("kbd", { class: "key" }, String(n)) : null,
        h("span", { class: "card-title" }, String(s.title ?? "")),
        blocked ? blockedBadge() : null,
        s.shortcut ? h("span", { class: "shortcut" }, `/${s.shortcut}`) : null,
      ),
      h("span", { class: "slash-text" }, String(s.text ?? "")),
    );
  });
  el.slashList.replaceChildren(...rows);
  el.slashList.hidden = rows.length === 0;
  el.slash.hidden = false;
  el.draft.setAttribute("aria-expanded", String(rows.length > 0));
  if (slash.items.length) el.draft.setAttribute("aria-activedescendant", `slash-${slash.active}`);
  else el.draft.removeAttribute("aria-activedescendant");
  el.slashList.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
}

function closeSlash() {
  state.slash = null;
  el.slash.hidden = true;
  el.draft.setAttribute("aria-expanded", "false");
  el.draft.removeAttribute("aria-activedescendant");
}

function pickSlash(i) {
  const slash = state.slash;
  const item = slash?.items[i];
  if (!item) return false;
  closeSlash();
  insertPhrase(item, slash.start, slash.end);
  return true;
}

/** Keys while the slash list is open; true when the key was used. */
function slashKey(e) {
  const slash = state.slash;
  if (!slash) return false;
  const count = slash.items.length;
  if (e.key === "ArrowDown" && count) {
    slash.active = (slash.active + 1) % count;
  } else if (e.key === "ArrowUp" && count) {
    slash.active = (slash.active - 1 + count) % count;
  } else if ((e.key === "Enter" || e.key === "Tab") && !e.shiftKey && count) {
    pickSlash(slash.active);
    return true;
  } else if (e.key === "Escape") {
    state.slashDismissed = slash.start;
    closeSlash();
    return true;
  } else {
    const n = digitOf(e);
    if (n === null || e.ctrlKey || e.metaKey || n > count) return false;
    // codes carry digits (fp1): a digit that continues a listed code is typed, any other one picks
    const extended = (slash.q + String(n)).toLowerCase();
    const continues = slash.items.some((s) => String(s.shortcut ?? "").toLowerCase().startsWith(extended));
    if (continues && !e.altKey) return false;
    pickSlash(n - 1);
    return true;
  }
  renderSlash();
  return true;
}

// ---------------------------------------------------------------- copy

async function copyDraft() {
  if (el.confirm.open) return;
  const text = el.draft.value;
  if (!text.trim()) {
    toast("草稿是空的");
    return;
  }
  const conversation = book.activeId;
  if (socket.isOpen) {
    // the verdict on screen may predate a rule a lead just added: check again under the rules in force now
    sendDraft();
    await new Promise((resolve) => {
      state.waiters.push(resolve);
      setTimeout(() => resolve(false), RECHECK_BEFORE_COPY_MS);
    });
  }
  // the agent kept typing, or switched conversation: let them press again
  if (el.draft.value !== text || book.activeId !== conversation) return;
  if (!state.current) {
    const ok = await confirmCopy("草稿还没检查完", ["暂时无法检查草稿（可能已断开连接）。"]);
    if (!ok) return el.draft.focus();
  } else if (state.lint.verdict === "block") {
    const errors = state.view.filter((v) => v.d.severity === "error").map((v) => `「${v.d.text}」${v.d.message}`);
    const ok = await confirmCopy("草稿含有禁止发送的内容", errors);
    if (!ok) return el.draft.focus(); // 返回修改
  }
  if (book.activeId !== conversation) {
    // the chat window switched conversations while the question was open: this draft is not for the front one
    toast("会话已切换，草稿未复制，请在原会话中重新复制");
    return;
  }
  if (!(await writeClipboard(text))) {
    toast("复制失败，请手动选中草稿复制", { kind: "error" });
    return;
  }
  if (conversation !== null) {
    socket.send({ type: "sent", conversation, text });
    markReplied(conversation);
    book.setSent(conversation, text);
  }
  // the reply is on its way: empty the box for the next one (Ctrl+Z or 恢复 brings it back)
  replaceRange(0, el.draft.value.length, "");
  el.draft.blur();
  toast("已复制，请粘贴到聊天窗口发送", {
    action: "恢复草稿",
    onAction: () => {
      if (el.draft.value === "" && book.activeId === conversation) replaceRange(0, 0, text);
    },
  });
}

async function writeClipboard(text) {
  try {
    // a pending permission prompt can leave writeText unsettled: don't wait on it for long
    await Promise.race([
      navigator.clipboard.writeText(text),
      new Promise((_, reject) => setTimeout(() => reject(new Error("clipboard timeout")), 1500)),
    ]);
    return true;
  } catch {
    // not a secure context, or permission refused: the old way still works from a user gesture
    const active = document.activeElement;
    const scratch = h("textarea", { class: "offscreen", readonly: true, "aria-hidden": "true" });
    scratch.value = text;
    document.body.append(scratch);
    scratch.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    scratch.remove();
    active?.focus?.();
    return ok;
  }
}

let settleConfirm = null;

function confirmCopy(title, lines) {
  return new Promise((resolve) => {
    const dialog = el.confirm;
    dialog.querySelector("h2").textContent = title;
    el.confirmList.replaceChildren(...lines.map((line) => h("li", {}, line)));
    settleConfirm = resolve;
    dialog.showModal();
    $("confirm-cancel").focus();
  });
}

// The answer is taken from the button press itself, not the dialog's `close` event: that event is
// queued, so the close of one confirmation could otherwise be read as the answer to the next.
function answerConfirm(ok) {
  const resolve = settleConfirm;
  settleConfirm = null;
  resolve?.(ok);
}

// ---------------------------------------------------------------- toasts

let toastTimer = null;
function toast(message, { kind = "info", action = null, onAction = null, ms = 5000 } = {}) {
  clearTimeout(toastTimer);
  el.toast.className = `toast ${kind}`;
  const parts = [h("span", { class: "toast-msg" }, message)];
  if (action) {
    parts.push(
      h("button", { type: "button", class: "btn link", onclick: () => { el.toast.hidden = true; onAction(); } }, action),
    );
  }
  parts.push(h("button", { type: "button", class: "toast-close", "aria-label": "关闭", onclick: () => (el.toast.hidden = true) }, "×"));
  el.toast.replaceChildren(...parts);
  el.toast.hidden = false;
  toastTimer = setTimeout(() => (el.toast.hidden = true), action ? ms + 3000 : ms);
}

// ---------------------------------------------------------------- keyboard

function onKeydown(e) {
  if (e.isComposing || e.keyCode === 229) return; // the IME owns this key
  if (el.confirm.open) return;
  const target = e.target;
  const inText = isTextField(target);
  const inDraft = target === el.draft;

  if (inDraft && slashKey(e)) {
    e.preventDefault();
    return;
  }
  const n = digitOf(e);
  if (n !== null && e.altKey && !e.ctrlKey && !e.metaKey) {
    e.preventDefault();
    if (e.shiftKey) insertSuggestion(n); // Alt+Shift+N: suggestion N, even while typing
    else if (list.idAt(n)) switchTo(list.idAt(n)); // Alt+N: the N-th conversation of the list
    return;
  }
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    copyDraft();
    return;
  }
  if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === "KeyF") {
    e.preventDefault();
    fixAll();
    return;
  }
  if (inDraft && e.altKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
    e.preventDefault();
    jumpDiagnostic(e.key === "ArrowDown" ? 1 : -1);
    return;
  }
  if (inDraft && e.altKey && e.key === "Enter") {
    const i = diagnosticAtCaret();
    const first = state.view[i]?.d.replacements?.[0];
    if (first !== undefined) {
      e.preventDefault();
      applyFix(i, first);
    }
    return;
  }
  if (e.key === "Escape") {
    if (!el.tip.hidden) hideTip();
    else if (inText) target.blur();
    else if (!el.help.hidden) togglePanel(el.help, el.helpBtn, false);
    else if (!el.settings.hidden) togglePanel(el.settings, el.settingsBtn, false);
    return;
  }
  if (inText || e.ctrlKey || e.metaKey || e.altKey) return;
  if (n !== null) {
    if (insertSuggestion(n)) e.preventDefault();
  } else if (e.key === "/") {
    e.preventDefault();
    el.draft.focus();
    replaceRange(el.draft.selectionStart, el.draft.selectionEnd, "/");
  } else if (e.key === "e" || e.key === "E") {
    e.preventDefault();
    el.draft.focus();
  } else if (e.key === "m" || e.key === "M") {
    e.preventDefault();
    el.paste.focus();
  } else if (e.key === "?") {
    e.preventDefault();
    togglePanel(el.help, el.helpBtn);
  }
}

function togglePanel(panel, button, open = panel.hidden) {
  panel.hidden = !open;
  button.setAttribute("aria-expanded", String(open));
}

// ---------------------------------------------------------------- wiring

function wire() {
  document.addEventListener("keydown", onKeydown);

  const ta = el.draft;
  ta.addEventListener("input", onDraftInput);
  ta.addEventListener("compositionstart", () => (state.composing = true));
  ta.addEventListener("compositionend", () => {
    state.composing = false;
    updateSlash();
    scheduleDraft();
    const focus = state.focusAfterComposing;
    state.focusAfterComposing = null;
    if (focus) switchTo(focus);
  });
  ta.addEventListener("scroll", syncScroll);
  ta.addEventListener("keyup", (e) => {
    if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"].includes(e.key)) {
      if (!state.slash || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) updateSlash();
      tipForCaret();
    }
  });
  ta.addEventListener("click", () => {
    updateSlash();
    tipForCaret();
  });
  ta.addEventListener("blur", () => {
    if (state.tipFor?.how === "caret") hideTipSoon();
    setTimeout(() => {
      if (document.activeElement !== el.draft) closeSlash();
    }, 150);
  });
  let pending = false;
  ta.addEventListener("mousemove", (e) => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const mark = markAt(e.clientX, e.clientY);
      if (mark) {
        if (state.tipFor?.i !== Number(mark.dataset.i) || el.tip.hidden) showTip(Number(mark.dataset.i), "hover");
        else clearTimeout(state.tipHideTimer);
      } else if (state.tipFor?.how === "hover") hideTipSoon();
    });
  });
  ta.addEventListener("mouseleave", () => {
    if (state.tipFor?.how === "hover") hideTipSoon();
  });
  el.tip.addEventListener("mouseenter", () => clearTimeout(state.tipHideTimer));
  el.tip.addEventListener("mouseleave", () => {
    if (state.tipFor?.how === "hover") hideTipSoon();
  });
  new ResizeObserver(() => autoGrow()).observe(el.editor);

  el.confirm.querySelector("form").addEventListener("submit", (e) => answerConfirm(e.submitter?.value === "ok"));
  el.confirm.addEventListener("cancel", () => answerConfirm(false)); // Esc
  el.confirm.addEventListener("close", () => {
    if (!el.confirm.open) answerConfirm(false); // closed some other way (a stale event finds it open again)
  });
  el.fixAll.addEventListener("click", fixAll);
  el.copy.addEventListener("click", copyDraft);

  el.pasteForm.addEventListener("submit", (e) => {
    e.preventDefault();
    submitCustomer(el.paste.value);
    el.paste.value = "";
    growPaste();
  });
  el.paste.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      el.pasteForm.requestSubmit();
    }
  });
  const growPaste = () => {
    el.paste.style.height = "auto";
    el.paste.style.height = `${Math.min(el.paste.scrollHeight, 96)}px`;
  };
  el.paste.addEventListener("input", growPaste);

  el.settingsBtn.addEventListener("click", () => {
    togglePanel(el.settings, el.settingsBtn);
    if (!el.settings.hidden) $("agent-no").focus();
  });
  el.helpBtn.addEventListener("click", () => togglePanel(el.help, el.helpBtn));
  // an agent who knows the handling steps by heart may fold them away for good
  el.hints.open = storage.get(KEY_HINTS_OPEN, "1") === "1";
  el.hints.addEventListener("toggle", () => storage.set(KEY_HINTS_OPEN, el.hints.open ? "1" : "0"));
  agentNo = setupAgentNumber({
    send: (frame) => socket.send(frame),
    toast: (message) => toast(message),
    closeSettings: () => togglePanel(el.settings, el.settingsBtn, false),
  });
  el.msgMore.addEventListener("click", () => fitMessage(!el.msg.classList.contains("expanded")));
  new ResizeObserver(() => fitMessage(el.msg.classList.contains("expanded"))).observe(el.msg);

  // restore what the agent had before a reload
  ta.value = book.draft(book.activeId ?? "");
  renderCustomer();
  list.render();
  autoGrow();
  refreshLint();
  setInterval(() => {
    renderTimer();
    list.tick();
  }, 250);
  socket.start();
}

let agentNo = null; // the 工号 prompt and setting (agent-number.js)
wire();

// for tests and debugging in the console
window.kefu = { state, book, socket, switchTo };
