// 回收站: the phrases deleted and not restored since (GET /v1/trash/phrases), each restorable long
// after the 撤销 toast is gone (POST /v1/phrases/{id}/restore with the version it had when deleted).

import { $, INTENT_LABELS, h } from "./common.js";
import { api, canWrite, toast, when } from "./editor-core.js";

let onRestored = null;

/** Wire the 回收站 button and dialog; `restored(phrase)` runs after a phrase came back. */
export function initTrash(restored) {
  onRestored = restored;
  $("p-trash").addEventListener("click", openTrash);
  $("trash-close").addEventListener("click", () => $("trash").close());
}

export async function openTrash() {
  const dialog = $("trash");
  const list = $("trash-list");
  list.replaceChildren(h("li", { class: "muted" }, "加载中…"));
  if (!dialog.open) dialog.showModal();
  let deleted;
  try {
    deleted = await api("GET", "/v1/trash/phrases");
  } catch (error) {
    list.replaceChildren(h("li", { class: "form-error" }, error.message));
    return;
  }
  if (!Array.isArray(deleted) || !deleted.length) {
    list.replaceChildren(h("li", { class: "muted" }, "回收站是空的：删除的话术会出现在这里，可以随时恢复。"));
    return;
  }
  list.replaceChildren(...deleted.map(entry));
  list.querySelector("button.restore")?.focus();
}

function entry(p) {
  return h("li", { class: "trash-entry", dataset: { id: String(p.id) } },
    h("div", { class: "h-line" },
      h("span", { class: "h-who" }, String(p.title ?? p.id)),
      p.shortcut ? h("span", { class: "shortcut" }, `/${p.shortcut}`) : null,
      h("span", { class: "chip group" }, String(p.group ?? "")),
      h("span", { class: "chip", dataset: { intent: String(p.intent ?? "") } }, INTENT_LABELS[p.intent] || String(p.intent ?? "")),
      h("span", { class: "spacer" }),
      h("span", { class: "muted small" }, `${p.deleted_by || "未知"} 删除于 ${when(p.deleted_at)}`),
      canWrite() ? h("button", { type: "button", class: "btn restore", onclick: (e) => restore(p, e.currentTarget) }, "恢复") : null),
    h("p", { class: "trash-body" }, String(p.body ?? "")));
}

async function restore(p, button) {
  button.disabled = true;
  try {
    const phrase = await api("POST", `/v1/phrases/${encodeURIComponent(p.id)}/restore`, { version: p.version });
    $("trash").close();
    toast(`已恢复「${phrase.title}」`, { kind: "ok" });
    await onRestored?.(phrase);
  } catch (error) {
    button.disabled = false;
    // e.g. its shortcut was taken meanwhile: the server says which phrase holds it
    toast(error.message, { kind: "error", ms: 8000 });
  }
}
