// The compact list of the conversations a sidebar holds: the customer who has waited longest on top,
// each row with its last customer message, unanswered count and waiting timer; a click or Alt+digit switches.

import { h } from "./common.js";
import { waitLevel, waitText } from "./conversations.js";

const MAX_KEYED = 9;
const NAME_CHARS = 10;

/** Platform ids share long prefixes (tb-20261125-0927, tb-20261125-0931): a row shows the end that differs. */
export function shortName(id) {
  return id.length <= NAME_CHARS ? id : `…${id.slice(-(NAME_CHARS - 1))}`;
}

export class ConversationList {
  /**
   * @param {HTMLElement} nav the list's landmark (hidden while the sidebar holds one conversation or none)
   * @param {HTMLOListElement} list
   * @param {import("./conversations.js").ConversationBook} book
   * @param {(id: string) => void} onPick
   */
  constructor(nav, list, book, onPick) {
    this.nav = nav;
    this.list = list;
    this.book = book;
    this.onPick = onPick;
    this.order = [];
  }

  /** The id of the row numbered n (1-based), as Alt+n picks it. */
  idAt(n) {
    return this.order[n - 1] ?? null;
  }

  render() {
    const rows = this.book.sorted();
    this.order = rows.map((c) => c.id);
    this.nav.hidden = rows.length < 2;
    this.list.replaceChildren(
      ...rows.map((conv, i) => {
        const n = i + 1;
        const keyed = n <= MAX_KEYED;
        const active = conv.id === this.book.activeId;
        return h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "conv-row",
              dataset: { id: conv.id },
              "aria-current": active ? "true" : null,
              "aria-keyshortcuts": keyed ? `Alt+${n}` : null,
              title: keyed ? `切换到会话 ${conv.id}（Alt+${n}）` : `切换到会话 ${conv.id}`,
              onclick: () => this.onPick(conv.id),
            },
            keyed ? h("kbd", { class: "key" }, String(n)) : h("span", { class: "key-gap" }),
            h("span", { class: "conv-name" }, shortName(conv.id)),
            h("span", { class: "conv-last" }, conv.customer ? conv.customer.message : "还没有顾客消息"),
            conv.unread > 0
              ? h("span", { class: "conv-unread" }, String(conv.unread), h("span", { class: "sr-only" }, " 条未回复"))
              : null,
            h("span", { class: "conv-wait", role: "timer" }),
          ),
        );
      }),
    );
    this.tick();
  }

  /** Bring the waiting timers up to date (called a few times a second; touches only their text). */
  tick(now = Date.now()) {
    for (const row of this.list.querySelectorAll(".conv-row")) {
      const conv = this.book.get(row.dataset.id);
      const wait = row.querySelector(".conv-wait");
      if (!conv || !wait) continue;
      let level;
      let text;
      if (conv.waitingSince === null) {
        level = conv.customer ? "done" : "idle";
        text = conv.customer ? "已回复" : "";
      } else {
        const seconds = Math.max(0, Math.floor((now - conv.waitingSince) / 1000));
        level = waitLevel(seconds);
        text = waitText(seconds);
      }
      if (wait.dataset.level !== level) wait.dataset.level = level;
      if (wait.textContent !== text) wait.textContent = text;
    }
  }
}
