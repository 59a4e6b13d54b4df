// The cards of suggested phrases (numbered for the keys that insert them), and the mark a phrase the
// rules in force block carries on its card and in the / list.

import { INTENT_NAMES, h } from "./common.js";

const MAX_KEYED = 9;
export const BLOCKED_TITLE = "这条话术含有禁止发送的内容，插入后须先修改再发送";

/** 「含违规」: the phrase may still be used, but only after editing (agents never see rule ids). */
export function blockedBadge() {
  return h("span", { class: "blocked-badge", title: BLOCKED_TITLE }, "含违规");
}

/** One <li> per suggestion; a click calls onPick(n) with its 1-based number. */
export function suggestionCards(items, onPick) {
  return items.map((s, i) => {
    const n = i + 1;
    const keyed = n <= MAX_KEYED;
    const blocked = s.blocked === true;
    const how = keyed ? `按 ${n}（或 Alt+Shift+${n}）插入` : "点击插入";
    return h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          class: blocked ? "card blocked" : "card",
          dataset: { n: String(n), phrase: String(s.id ?? "") },
          "aria-keyshortcuts": keyed ? `${n} Alt+Shift+${n}` : null,
          title: blocked ? `${BLOCKED_TITLE}。${how}` : how,
          onclick: () => onPick(n),
        },
        h(
          "span",
          { class: "card-head" },
          keyed ? h("kbd", { class: "key" }, String(n)) : null,
          h("span", { class: "card-title" }, String(s.title ?? "")),
          blocked ? blockedBadge() : null,
          h("span", { class: "chip", dataset: { intent: String(s.intent ?? "") } }, INTENT_NAMES[s.intent] || String(s.intent ?? "")),
          s.shortcut ? h("span", { class: "shortcut" }, `/${s.shortcut}`) : null,
        ),
        h("span", { class: "card-text" }, String(s.text ?? "")),
      ),
    );
  });
}
