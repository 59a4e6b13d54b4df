// Which conversation the sidebar has in front: switching (its draft comes along), the header's name, the
// reply timer, and a conversation the agent answered.

import { waitLevel, waitText } from "./conversations.js";

export function conversationView(app) {
  const { el, book } = app;

  /**
   * Put a conversation in front: its customer message, suggestions, timer and draft. Only a `focus` frame
   * (the chat window) or the agent (a click, Alt+digit) switches; the sidebar never sends a `focus` frame
   * of its own, so a click here cannot pull the agent's other sidebars away from what the chat window shows.
   */
  function switchTo(id) {
    if (id === book.activeId) return;
    app.slash.close();
    app.tip.hide();
    const before = book.activeId;
    book.setDraft(before ?? "", el.draft.value);
    book.ensure(id);
    book.activate(id);
    // a plain assignment: Ctrl+Z never reaches into another conversation. What was typed before the
    // first conversation arrived is meant for it.
    const carried = before === null ? book.draft("") : "";
    if (carried) book.setDraft("", "");
    const text = book.draft(id) || carried;
    if (carried) book.setDraft(id, carried);
    app.draft.set(text);
    app.customer.render();
    app.list.render();
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
    el.timer.textContent = `待回复 ${waitText(seconds)}`;
  }

  /** The agent answered conversation `id` (here or in the chat window): the customer is no longer waiting. */
  function markReplied(id) {
    const known = book.get(id);
    if (known && known.waitingSince === null && known.unread === 0) return;
    book.ensure(id); // an agent reply routed here names a conversation of this agent's, even a new one
    book.replied(id);
    if (id === book.activeId) renderTimer();
    app.list.render();
  }

  /** A `conversations` frame: the agent's conversations as the server knows them. */
  function merge(conversations) {
    book.merge(conversations);
    if (!book.active && book.items.size) switchTo(book.sorted()[0].id);
    app.customer.render();
    app.list.render();
  }

  /** A `focus` frame: the chat window put this conversation in front, follow it (after an IME composition). */
  let focusAfterComposing = null;
  function follow(id) {
    if (app.draft.composing) focusAfterComposing = id;
    else switchTo(id);
  }
  function compositionEnded() {
    const id = focusAfterComposing;
    focusAfterComposing = null;
    if (id) switchTo(id);
  }

  return { switchTo, activeOrNew, showActiveName, renderTimer, markReplied, merge, follow, compositionEnded };
}
