// The page's one toast (#toast): a short message, with `action` a button (撤销, 去登录) that runs `onAction`.
// Shared by the sidebar and the editor; each page sets its own timing once with toastTiming().

import { $, h } from "./common.js";

const timing = { ms: 4000, actionGraceMs: 0 };
let toastTimer = null;

/** The page's defaults: how long a toast stays, and how much longer one with an action button stays. */
export function toastTiming({ ms = timing.ms, actionGraceMs = timing.actionGraceMs } = {}) {
  Object.assign(timing, { ms, actionGraceMs });
}

export function toast(message, { kind = "info", action = null, onAction = null, ms = timing.ms } = {}) {
  const el = $("toast");
  clearTimeout(toastTimer);
  el.className = `toast ${kind}`;
  const parts = [h("span", { class: "toast-msg" }, message)];
  if (action) {
    parts.push(h("button", {
      type: "button", class: "btn link toast-action",
      onclick: () => {
        el.hidden = true;
        onAction();
      },
    }, action));
  }
  parts.push(h("button", { type: "button", class: "toast-close", "aria-label": "关闭", onclick: () => (el.hidden = true) }, "×"));
  el.replaceChildren(...parts);
  el.hidden = false;
  toastTimer = setTimeout(() => (el.hidden = true), action ? ms + timing.actionGraceMs : ms);
}
