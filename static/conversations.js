// The conversations one sidebar holds (routed to its agent, watched through ?c=, or pasted by hand): for
// each, the last customer message and its suggestions, since when the customer has waited, how many of
// their messages are unanswered, and the agent's draft. Kept in localStorage so a reload shows the same
// list at once; the server's `conversations` frame then corrects what changed meanwhile.

import { storage } from "./storage.js";

// the seeds' response-time rules: answer within 20 s, and never leave a customer waiting 2 minutes
export const WAIT_AMBER_S = 20;
export const WAIT_RED_S = 120;
const KEEP_AT_MOST = 40;
const FORGET_ANSWERED_AFTER_MS = 4 * 3_600_000;

const KEY_LIST = "kefu.conversations";
const KEY_ACTIVE = "kefu.active";
const draftKey = (id) => `kefu.draft.${id}`;

/** green / amber / red for a wait of that many seconds. */
export function waitLevel(seconds) {
  return seconds >= WAIT_RED_S ? "red" : seconds >= WAIT_AMBER_S ? "amber" : "green";
}

/** m:ss, or >1小时 once nobody needs the exact figure. */
export function waitText(seconds) {
  const m = Math.floor(seconds / 60);
  return m >= 60 ? ">1小时" : `${m}:${String(seconds % 60).padStart(2, "0")}`;
}

/** A server time (ms epoch) on this browser's clock: now, when the clocks plainly disagree. */
export function localTime(ms, now = Date.now()) {
  const t = Number(ms);
  if (!Number.isFinite(t) || t <= 0 || t > now + 5_000 || now - t > 12 * 3_600_000) return now;
  return Math.min(t, now);
}

function customerOf(frame) {
  return {
    message: String(frame.message ?? ""),
    received_at: frame.received_at ?? null,
    intents: Array.isArray(frame.intents) ? frame.intents : [],
    complaint_type: frame.complaint_type || null,
    hints: Array.isArray(frame.hints) ? frame.hints.map(String) : [],
    suggestions: Array.isArray(frame.suggestions) ? frame.suggestions : [],
  };
}

export class ConversationBook {
  constructor() {
    /** @type {Map<string, {id: string, customer: object|null, waitingSince: number|null, unread: number,
     *   lastAt: number, watched: boolean}>} */
    this.items = new Map();
    this.activeId = null;
    for (const saved of storage.getJSON(KEY_LIST, [])) {
      if (saved && typeof saved.id === "string" && saved.id) {
        this.items.set(saved.id, {
          id: saved.id,
          customer: saved.customer && typeof saved.customer.message === "string" ? customerOf(saved.customer) : null,
          waitingSince: Number.isFinite(saved.waitingSince) ? saved.waitingSince : null,
          unread: Number.isInteger(saved.unread) ? saved.unread : 0,
          lastAt: Number.isFinite(saved.lastAt) ? saved.lastAt : Date.now(),
          watched: saved.watched === true,
        });
      }
    }
    const active = storage.get(KEY_ACTIVE);
    if (active && this.items.has(active)) this.activeId = active;
  }

  get active() {
    return this.activeId === null ? null : this.items.get(this.activeId) ?? null;
  }

  get(id) {
    return this.items.get(id) ?? null;
  }

  ensure(id, { watched = false } = {}) {
    let conv = this.items.get(id);
    if (!conv) {
      conv = { id, customer: null, waitingSince: null, unread: 0, lastAt: Date.now(), watched };
      this.items.set(id, conv);
    } else if (watched) conv.watched = true;
    return conv;
  }

  activate(id) {
    this.ensure(id);
    this.activeId = id;
    storage.set(KEY_ACTIVE, id);
    this.save();
  }

  /** A suggestions frame: the conversation's newest customer message. Returns it, and whether it is new
   * (a frame delivered twice, e.g. watched and routed, counts once). */
  customerFrame(frame) {
    const conv = this.ensure(String(frame.conversation));
    const previous = conv.customer;
    const fresh = !(previous && previous.message === String(frame.message ?? "") &&
      previous.received_at === (frame.received_at ?? null));
    conv.customer = customerOf(frame);
    if (fresh) {
      const at = localTime(frame.received_at);
      if (conv.waitingSince === null) conv.waitingSince = at; // the oldest unanswered message sets the wait
      conv.unread += 1;
      conv.lastAt = at;
    }
    this.save();
    return { conv, fresh };
  }

  /** The agent answered (in the chat window, or by copying from here): the customer waits no more. */
  replied(id) {
    const conv = this.items.get(id);
    if (!conv) return;
    conv.waitingSince = null;
    conv.unread = 0;
    conv.lastAt = Date.now();
    this.save();
  }

  /** The server's list of the conversations routed to this agent (the `conversations` frame). */
  merge(list) {
    for (const item of list) {
      if (!item || typeof item.conversation !== "string" || !item.conversation) continue;
      const conv = this.ensure(item.conversation);
      if (typeof item.message === "string" && conv.customer?.message !== item.message) {
        // the suggestions of a message this page never saw are not kept by the server
        conv.customer = { ...customerOf({ message: item.message, received_at: item.received_at }), lost: true };
      }
      conv.waitingSince = item.waiting_since === null || item.waiting_since === undefined
        ? null : localTime(item.waiting_since);
      conv.unread = Number.isInteger(item.unread) ? item.unread : conv.unread;
      if (item.received_at) conv.lastAt = Math.max(conv.lastAt, localTime(item.received_at));
    }
    this.save();
  }

  /** Longest waiting first; then the most recently active. */
  sorted() {
    return [...this.items.values()].sort((a, b) => {
      if ((a.waitingSince === null) !== (b.waitingSince === null)) return a.waitingSince === null ? 1 : -1;
      if (a.waitingSince !== null && a.waitingSince !== b.waitingSince) return a.waitingSince - b.waitingSince;
      return b.lastAt - a.lastAt || a.id.localeCompare(b.id);
    });
  }

  draft(id) {
    return storage.get(draftKey(id), "");
  }

  setDraft(id, text) {
    storage.set(draftKey(id), text || null);
  }

  /** The sent text of a conversation (what 恢复草稿 brings back after a reload). */
  setSent(id, text) {
    storage.set(`${draftKey(id)}.sent`, text);
  }

  save() {
    this.prune();
    storage.setJSON(KEY_LIST, [...this.items.values()]);
  }

  /** Forget answered conversations long quiet (or beyond a bound), unless shown or holding a draft. */
  prune() {
    const now = Date.now();
    const answered = [...this.items.values()]
      .filter((c) => c.waitingSince === null && c.id !== this.activeId && !this.draft(c.id))
      .sort((a, b) => a.lastAt - b.lastAt);
    let excess = this.items.size - KEEP_AT_MOST;
    for (const conv of answered) {
      if (excess > 0 || now - conv.lastAt > FORGET_ANSWERED_AFTER_MS) {
        this.items.delete(conv.id);
        excess--;
      }
    }
  }
}
