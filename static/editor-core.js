// The editor's plumbing: the HTTP client (session cookie + CSRF header), toasts, field errors,
// the side-by-side conflict chooser and the history dialog. Data reaches the DOM as text only.

import { $, h } from "./common.js";
import { toast } from "./toast.js";

export const session = {
  user: null, // {name, role}
  csrf: null,
  onLoggedOut: null, // set by editor.js: show the login form again
};

export const canWrite = () => session.user && (session.user.role === "lead" || session.user.role === "admin");

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * Call the API. `body` is JSON unless it is FormData. Writes carry the CSRF token of the session.
 * Answers that are not 2xx become an ApiError with the server's own (Chinese) message.
 * With `meta` (an object), `meta.headers` receives the answer's headers.
 */
export async function api(method, path, body = undefined, { quiet401 = false, meta = null } = {}) {
  const headers = {};
  const init = { method, headers, credentials: "same-origin" };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (method !== "GET" && session.csrf) headers["X-CSRF-Token"] = session.csrf;
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "无法连接服务，请检查网络后重试", null);
  }
  if (meta) meta.headers = response.headers;
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.ok) return data;
  const err = data && data.error ? data.error : {};
  const error = new ApiError(response.status, err.code || `http_${response.status}`,
    err.message || `请求失败 (${response.status})`, err.details ?? null);
  if (response.status === 401 && !quiet401 && session.user && session.onLoggedOut) {
    session.onLoggedOut(error.message);
  }
  throw error;
}

// ---------------------------------------------------------------- toasts

export { toast }; // the editor modules import it from here

// ---------------------------------------------------------------- field errors

/** Clear every `.field-error` and the form-level message inside `form`. */
export function clearErrors(form) {
  for (const p of form.querySelectorAll(".field-error")) p.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const general = form.querySelector(".form-error");
  if (general) general.textContent = "";
}

/**
 * Put a server refusal next to the fields it names (details: [{field, reason}] or {field}),
 * and the whole message in the form's error line when no field takes it.
 */
export function showErrors(form, error) {
  clearErrors(form);
  const items = [];
  if (Array.isArray(error.details)) {
    for (const d of error.details) if (d && d.field) items.push({ field: String(d.field).split(".")[0], reason: d.reason || error.message });
  } else if (error.details && error.details.field) {
    items.push({ field: String(error.details.field), reason: error.message });
  }
  let placed = false;
  for (const item of items) {
    const slot = form.querySelector(`.field-error[data-for="${CSS.escape(item.field)}"]`);
    if (!slot) continue;
    slot.textContent = slot.textContent ? `${slot.textContent};${item.reason}` : item.reason;
    form.querySelector(`[name="${CSS.escape(item.field)}"]`)?.setAttribute("aria-invalid", "true");
    placed = true;
  }
  const general = form.querySelector(".form-error");
  if (general && !placed) general.textContent = error.message;
  return placed;
}

// ---------------------------------------------------------------- values, diffs, times

export function same(a, b) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export function display(value, fmt = null) {
  if (fmt && value !== null && value !== undefined) return fmt(value);
  if (value === null || value === undefined || value === "") return "（空）";
  if (typeof value === "boolean") return value ? "是" : "否";
  if (Array.isArray(value)) return value.length ? value.join("\n") : "（空）";
  return String(value);
}

/**
 * `before` and `after` as text nodes with the part that changed marked (common prefix and suffix
 * left plain), so a one-word edit in a long reply stands out.
 */
export function diffPair(before, after, fmt = null) {
  const a = Array.from(display(before, fmt));
  const b = Array.from(display(after, fmt));
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  const piece = (chars, cls) => {
    const mid = chars.slice(p, chars.length - s).join("");
    return [chars.slice(0, p).join(""), mid ? h("mark", { class: cls }, mid) : null, chars.slice(chars.length - s).join("")];
  };
  return [piece(a, "del"), piece(b, "ins")];
}

const timeFormat = new Intl.DateTimeFormat("zh-CN", {
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
});

export function when(iso) {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? timeFormat.format(new Date(t)) : String(iso ?? "");
}

// ---------------------------------------------------------------- conflicts

/**
 * Show a 409 version conflict side by side in `box`: for each field where mine and the current
 * version differ, both values and a choice. Calls back with the lead's decision:
 *   keepMine()         re-save my changes on top of the current version
 *   takeTheirs()       load the current version into the form
 *   merge(values)      load the chosen mix into the form to review and save
 */
export function showConflict(box, { what, message, fields, base, mine, theirs, keepMine, takeTheirs, merge }) {
  const rows = [];
  const choice = {};
  for (const [name, label, fmt] of fields) {
    if (same(mine[name], theirs[name])) continue;
    const iChanged = !same(mine[name], base[name]);
    const theyChanged = !same(theirs[name], base[name]);
    // a field only the other lead touched keeps their value; what I touched keeps mine
    choice[name] = iChanged ? "mine" : "theirs";
    const radio = (side) => h("input", {
      type: "radio", name: `pick-${box.id}-${name}`, value: side, checked: choice[name] === side,
      onchange: () => (choice[name] = side),
    });
    const [mineText, theirsText] = diffPair(theirs[name], mine[name], fmt).reverse();
    rows.push(h("tr", { dataset: { field: name } },
      h("th", { scope: "row" }, label,
        h("span", { class: "muted small block" }, iChanged && theyChanged ? "双方都改了" : iChanged ? "您改了" : "对方改了")),
      h("td", { class: "cmp-mine" }, h("div", { class: "cmp-val" }, mineText),
        h("label", { class: "pick" }, radio("mine"), " 用我的")),
      h("td", { class: "cmp-theirs" }, h("div", { class: "cmp-val" }, theirsText),
        h("label", { class: "pick" }, radio("theirs"), " 用当前的")),
    ));
  }
  box.replaceChildren(
    h("h3", {}, `保存冲突：这条${what}已被他人修改`),
    h("p", { class: "small" }, message, " 您的修改还在，尚未保存。请对照两边选择；文字可以直接选中复制。"),
    h("table", { class: "cmp" },
      h("thead", {}, h("tr", {}, h("th", {}, "字段"),
        h("th", {}, `我的版本（基于版本 ${base.version ?? "?"}）`),
        h("th", {}, `当前版本（版本 ${theirs.version ?? "?"}${theirs.updated_by ? `，${theirs.updated_by} 修改` : ""}）`))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: "3", class: "muted" }, "两边内容相同，只是版本号不同。")))),
    h("div", { class: "conflict-actions" },
      h("button", { type: "button", class: "btn primary", dataset: { act: "keep-mine" }, onclick: keepMine,
        title: "在当前版本的基础上保存您改过的字段；您没改的字段保留对方的修改" }, "保留我的"),
      h("button", { type: "button", class: "btn", dataset: { act: "take-theirs" }, onclick: takeTheirs }, "采用当前版本"),
      h("button", { type: "button", class: "btn", dataset: { act: "merge" }, onclick: () => {
        const values = {};
        for (const [name] of fields) values[name] = choice[name] === "mine" ? mine[name] : theirs[name];
        merge(values);
      } }, "按所选合并到表单"),
      h("span", { class: "muted small" }, "合并后请检查再保存")),
  );
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

// ---------------------------------------------------------------- history

const ACTIONS = { create: "新建", update: "修改", delete: "删除", restore: "恢复" };

/**
 * Open the history dialog for a phrase or rule. `fields` lists [name, label] to compare;
 * `onRestored(item)` runs after 恢复此版本 succeeded.
 */
export async function openHistory({ kind, id, title, fields, currentVersion, onRestored }) {
  const dialog = $("history");
  const list = $("history-list");
  $("history-title").textContent = `修改历史 · ${title}`;
  list.replaceChildren(h("li", { class: "muted" }, "加载中…"));
  if (!dialog.open) dialog.showModal();
  let changes;
  try {
    changes = await api("GET", `/v1/${kind}/${encodeURIComponent(id)}/history`);
  } catch (error) {
    list.replaceChildren(h("li", { class: "form-error" }, error.message));
    return;
  }
  if (!changes.length) {
    list.replaceChildren(h("li", { class: "muted" }, "还没有修改记录。"));
    return;
  }
  const newestVersion = currentVersion ?? null;
  list.replaceChildren(...changes.slice().reverse().map((c) => historyEntry(c, { kind, id, fields, newestVersion, onRestored })));
}

function historyEntry(change, { kind, id, fields, newestVersion, onRestored }) {
  const before = change.before || {};
  const after = change.after || {};
  const changed = fields.filter(([name]) => !same(before[name], after[name]));
  const version = change.after ? change.after.version : null;
  const isCurrent = version !== null && version === newestVersion;
  const rows = (change.action === "delete" ? fields.filter(([n]) => before[n] !== undefined) : changed).map(([name, label, fmt]) => {
    const [b, a] = diffPair(change.before ? before[name] : undefined, change.after ? after[name] : undefined, fmt);
    return h("tr", { class: "changed" }, h("th", { scope: "row" }, label),
      h("td", { class: "h-before" }, change.before ? b : h("span", { class: "muted" }, "—")),
      h("td", { class: "h-after" }, change.after ? a : h("span", { class: "muted" }, "（已删除）")));
  });
  const restoreBtn = version !== null && !isCurrent && canWrite()
    ? h("button", {
      type: "button", class: "btn restore", dataset: { version: String(version) },
      onclick: async (e) => {
        e.target.disabled = true;
        try {
          const item = await api("POST", `/v1/${kind}/${encodeURIComponent(id)}/restore`, { version });
          toast(`已恢复到版本 ${version}（保存为版本 ${item.version}）`, { kind: "ok" });
          $("history").close();
          onRestored?.(item);
        } catch (error) {
          e.target.disabled = false;
          toast(error.message, { kind: "error", ms: 8000 });
        }
      },
    }, "恢复此版本")
    : null;
  return h("li", { class: `h-entry act-${change.action}`, dataset: { version: String(change.version) } },
    h("div", { class: "h-line" },
      h("span", { class: "h-ver" }, `版本 ${change.version}`),
      h("span", { class: `h-act` }, ACTIONS[change.action] || change.action),
      h("span", { class: "h-who" }, change.changed_by || (change.source === "seed" ? "初始话术库" : change.source === "import" ? "导入" : "未知")),
      h("span", { class: "muted small" }, when(change.changed_at)),
      change.source === "import" ? h("span", { class: "chip" }, "导入") : null,
      isCurrent ? h("span", { class: "chip current" }, "当前版本") : null,
      change.overridden?.length ? h("span", { class: "chip forced" }, "仍然保存") : null,
      h("span", { class: "spacer" }),
      restoreBtn),
    // a lead saved this version over the rules' objection: say which problems were overridden
    change.overridden?.length
      ? h("p", { class: "h-forced small" },
        `保存时含有禁止发送的问题：${change.overridden.map((p) => `「${p.text}」${p.message}`).join("；")}`)
      : null,
    rows.length
      ? h("table", { class: "h-diff" },
        h("thead", {}, h("tr", {}, h("th", {}, "字段"), h("th", {}, "修改前"), h("th", {}, "修改后"))),
        h("tbody", {}, rows))
      : h("p", { class: "muted small" }, change.action === "create" ? "" : "内容没有变化"),
  );
}
