// The customer's side of the front conversation: the message (pasted by the agent or pushed by the chat
// window), its intents and handling hints, and the suggested phrases.

import { INTENT_NAMES, h } from "./common.js";
import { suggestionCards } from "./suggestion-cards.js";
import { toast } from "./toast.js";

export function customerView(app) {
  const { el, book } = app;
  let waitingFor = null; // the conversation whose pasted customer message awaits its suggestions
  let pasted = ""; // that message, shown until its suggestions come
  let outbox = []; // customer frames typed while offline

  const waiting = () => waitingFor !== null && waitingFor === book.activeId;

  /** A `suggestions` frame: a customer message of some conversation and the phrases that answer it. */
  function onFrame(frame) {
    if (typeof frame.conversation !== "string" || !frame.conversation) return;
    const { conv, fresh } = book.customerFrame(frame);
    if (waitingFor === conv.id) waitingFor = null;
    if (!book.active) app.conv.switchTo(conv.id);
    if (conv.id === book.activeId) {
      render();
      if (fresh) el.suggestWrap.scrollTop = 0;
    }
    app.list.render();
  }

  function render() {
    app.conv.showActiveName();
    const conv = book.active;
    const c = conv?.customer ?? null;
    el.msg.dataset.empty = String(!c && !waiting());
    el.intents.replaceChildren();
    if (waiting()) {
      // a new message was pasted: the last one's suggestions answer something else, so they go at once
      el.msg.textContent = pasted;
      renderSuggestions([]);
      el.hints.hidden = true;
      app.conv.renderTimer();
      fitMessage();
      return;
    }
    if (!c) {
      el.msg.textContent = conv ? "还没有顾客消息" : "还没有会话：分配给您的会话会自动出现，也可以把顾客的话粘贴到上方输入框。";
      el.msg.title = "";
      renderSuggestions([]);
      el.hints.hidden = true;
      app.conv.renderTimer();
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
    app.conv.renderTimer();
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
    el.suggestions.classList.toggle("waiting", waiting());
    el.suggestions.replaceChildren(...suggestionCards(items, (n) => app.draft.insertSuggestion(n)));
    const empty = items.length === 0;
    el.suggestEmpty.hidden = !empty;
    if (empty) {
      const c = book.active?.customer;
      if (waiting()) el.suggestEmpty.textContent = "正在分析顾客消息…";
      else if (c?.lost) el.suggestEmpty.textContent = "这条消息的建议未保留，可输入 / 搜索短语，或等顾客的下一条消息。";
      else if (c) el.suggestEmpty.textContent = "没有合适的短语，请手动回复。";
      else {
        el.suggestEmpty.replaceChildren("等待顾客消息…", h("br"), "也可以把顾客的话粘贴到上方输入框。");
      }
    }
  }

  /** The agent pasted what the customer wrote: ask for suggestions (once connected, if offline). */
  function submit(text) {
    const message = text.trim();
    if (!message) return;
    const conversation = app.conv.activeOrNew();
    const frame = { type: "customer", conversation, text: message };
    waitingFor = conversation;
    pasted = message;
    render();
    if (!app.socket.send(frame)) {
      outbox = [frame];
      toast("尚未连接，连接后自动获取建议");
    }
  }

  function flushOutbox() {
    for (const frame of outbox.splice(0)) app.socket.send(frame);
  }

  /** The paste box: Enter submits (Shift+Enter is a new line), the box grows with its text. */
  function wirePaste() {
    const growPaste = () => {
      el.paste.style.height = "auto";
      el.paste.style.height = `${Math.min(el.paste.scrollHeight, 96)}px`;
    };
    el.pasteForm.addEventListener("submit", (e) => {
      e.preventDefault();
      submit(el.paste.value);
      el.paste.value = "";
      growPaste();
    });
    el.paste.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        el.pasteForm.requestSubmit();
      }
    });
    el.paste.addEventListener("input", growPaste);
    el.msgMore.addEventListener("click", () => fitMessage(!el.msg.classList.contains("expanded")));
    new ResizeObserver(() => fitMessage(el.msg.classList.contains("expanded"))).observe(el.msg);
  }

  return { onFrame, render, submit, flushOutbox, wirePaste };
}
