// 店铺规则: the shop's own rules (add / edit / delete with undo, history) and the default rules
// (switched on or off for this shop). Server refusals (bad regex, duplicates) show at the field.

import { $, SEVERITY_NAMES, h } from "./common.js";
import { ApiError, api, canWrite, clearErrors, openHistory, same, showConflict, showErrors, toast } from "./editor-core.js";
import { KIND_NAMES, SCOPE_NAMES, SHOP_KINDS } from "./meta.js";

/** What the server says about adding a rule of this kind (GET /v1/meta): its form's labels, hints, defaults. */
const shopForm = (kind) => SHOP_KINDS.find((k) => k.id === kind)?.shop ?? null;

export const RULE_FIELDS = [
  ["kind", "类型", (v) => KIND_NAMES[v] || String(v)],
  ["term", "词条"],
  ["replacements", "替换为"],
  ["severity", "级别", (v) => SEVERITY_NAMES[v] || String(v)],
  ["message", "提示语"],
  ["scope", "适用", (v) => SCOPE_NAMES[v] || String(v)],
  ["enabled", "启用"],
];
const DEFAULT_FIELDS = [["enabled", "本店启用"]];
const UNDO_MS = 8000;

const el = {};
const state = { rules: [], editing: null, loaded: false };

export function initRules() {
  for (const id of ["r-new", "r-form", "r-form-title", "r-conflict", "r-kind", "r-term", "r-term-label", "r-replacements",
    "r-severity", "r-scope", "r-message", "r-enabled", "r-cancel", "r-save", "r-shop", "r-shop-empty", "r-default",
    "r-default-search"]) {
    el[id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = $(id);
  }
  el.rNew.addEventListener("click", () => openRule(null));
  el.rCancel.addEventListener("click", closeForm);
  el.rKind.addEventListener("change", kindChanged);
  el.rForm.addEventListener("submit", (e) => {
    e.preventDefault();
    saveRule();
  });
  el.rForm.addEventListener("keydown", (e) => {
    if (e.key === "Escape") closeForm();
  });
  el.rDefaultSearch.addEventListener("input", render);
}

export async function loadRules() {
  try {
    state.rules = await api("GET", "/v1/rules");
    state.loaded = true;
  } catch (error) {
    toast(error.message, { kind: "error" });
    return;
  }
  render();
}

const shopRules = () => state.rules.filter((r) => r.source === "shop");
const defaultRules = () => state.rules.filter((r) => r.source !== "shop");

function sevChip(severity) {
  return h("span", { class: `sev-chip sev-${severity}` }, SEVERITY_NAMES[severity] || severity);
}

function switchBox(rule, label, onchange) {
  return h("label", { class: "switch", title: label },
    h("input", { type: "checkbox", checked: rule.enabled, disabled: !canWrite(), "aria-label": `${label} ${rule.id}`, onchange }),
    h("span", { class: "switch-ui", "aria-hidden": "true" }));
}

function render() {
  const shop = shopRules();
  el.rShopEmpty.hidden = shop.length > 0;
  el.rShop.replaceChildren(...shop.map((r) => h("tr", { dataset: { id: r.id }, class: r.enabled ? "" : "off" },
    h("td", { class: "mono" }, r.id),
    h("td", {}, KIND_NAMES[r.kind] || r.kind),
    h("td", { class: "term" }, r.term),
    h("td", {}, (r.replacements || []).join("、")),
    h("td", {}, shopForm(r.kind)?.silent ? "—" : sevChip(r.severity)),
    h("td", { class: "msg-cell" }, r.message),
    h("td", {}, SCOPE_NAMES[r.scope] || r.scope),
    h("td", {}, switchBox(r, "启用", (e) => toggleShop(r, e.target))),
    h("td", { class: "actions" },
      canWrite() ? h("button", { type: "button", class: "btn small-btn", onclick: () => openRule(r) }, "编辑") : null,
      h("button", { type: "button", class: "btn small-btn", onclick: () => history(r) }, "历史"),
      canWrite() ? h("button", { type: "button", class: "btn small-btn danger-outline", onclick: () => removeRule(r) }, "删除") : null))));

  const q = el.rDefaultSearch.value.trim().toLowerCase();
  const defaults = defaultRules().filter((r) => !q || [r.id, r.message, ...(r.terms || [])].join(" ").toLowerCase().includes(q));
  el.rDefault.replaceChildren(...defaults.map((r) => {
    const more = r.term_count > (r.terms || []).length ? ` 等 ${r.term_count} 项` : "";
    return h("tr", { dataset: { id: r.id }, class: r.enabled ? "" : "off" },
      h("td", {}, h("span", { class: "chip" }, r.pack)),
      h("td", { class: "mono" }, r.id),
      h("td", {}, KIND_NAMES[r.kind] || r.kind),
      h("td", {}, sevChip(r.severity)),
      h("td", { class: "msg-cell" }, r.message),
      h("td", { class: "summary" }, `${(r.terms || []).join("、")}${more}`),
      h("td", {}, r.pack_enabled === false ? h("span", { class: "muted small" }, "规则包已停用")
        : switchBox(r, "本店启用", (e) => toggleDefault(r, e.target))),
      h("td", { class: "actions" }, h("button", { type: "button", class: "btn small-btn", onclick: () => history(r) }, "历史")));
  }));
}

function replace(rule) {
  const at = state.rules.findIndex((r) => r.id === rule.id);
  if (at >= 0) state.rules[at] = { ...state.rules[at], ...rule };
  else state.rules.push(rule);
}

async function toggleDefault(rule, box) {
  try {
    const saved = await api("PUT", `/v1/rules/${encodeURIComponent(rule.id)}`, { enabled: box.checked, version: rule.version });
    replace(saved);
    toast(saved.enabled ? `已为本店启用 ${rule.id}` : `已为本店停用 ${rule.id}`, { kind: "ok" });
  } catch (error) {
    toast(error.message, { kind: "error", ms: 8000 });
    if (error.code === "version_conflict") await loadRules();
    else box.checked = !box.checked;
    return;
  }
  render();
}

async function toggleShop(rule, box) {
  try {
    replace(await api("PUT", `/v1/rules/${encodeURIComponent(rule.id)}`, { version: rule.version, enabled: box.checked }));
  } catch (error) {
    toast(error.message, { kind: "error", ms: 8000 });
    box.checked = !box.checked;
    if (error.code === "version_conflict") await loadRules();
    return;
  }
  render();
}

// ---------------------------------------------------------------- form

/** The kinds a shop may add and the scopes, as the form's choices (after a login: the names may have come only then). */
export function fillKinds() {
  const chosen = el.rKind.value;
  el.rKind.replaceChildren(...SHOP_KINDS.map((k) => h("option", { value: k.id }, `${k.label} (${k.id})`)));
  if (SHOP_KINDS.some((k) => k.id === chosen)) el.rKind.value = chosen;
  const scope = el.rScope.value;
  el.rScope.replaceChildren(...Object.entries(SCOPE_NAMES).map(([id, name]) => h("option", { value: id }, name)));
  if (scope in SCOPE_NAMES) el.rScope.value = scope;
}

function kindChanged() {
  const kind = el.rKind.value;
  const form = shopForm(kind);
  el.rForm.dataset.kind = kind;
  el.rForm.dataset.replacements = form?.replacements ?? "optional";
  el.rTermLabel.textContent = form?.term ?? "词条";
  el.rTerm.placeholder = form ? `如 ${form.example}` : "";
  el.rMessage.placeholder = form && !form.silent ? form.message : "";
  el.rReplacements.placeholder = form?.replacements_hint ?? "";
}

function readRule() {
  return {
    kind: el.rKind.value,
    term: el.rTerm.value.trim(),
    replacements: el.rReplacements.value.split(/[,，、\n]+/).map((s) => s.trim()).filter(Boolean),
    severity: el.rSeverity.value || null,
    message: el.rMessage.value.trim() || null,
    scope: el.rScope.value,
    enabled: el.rEnabled.checked,
  };
}

function fillRule(rule) {
  el.rKind.value = rule.kind;
  el.rTerm.value = rule.term ?? "";
  el.rReplacements.value = (rule.replacements || []).join(",");
  el.rSeverity.value = rule.severity ?? "";
  el.rMessage.value = rule.message ?? "";
  el.rScope.value = rule.scope ?? "all";
  el.rEnabled.checked = rule.enabled !== false;
  kindChanged();
}

export function openRule(rule) {
  if (!canWrite()) return;
  state.editing = rule ? structuredClone(rule) : null;
  clearErrors(el.rForm);
  el.rConflict.hidden = true;
  el.rFormTitle.textContent = rule ? `修改规则 ${rule.id}（版本 ${rule.version}）` : "新增店铺规则";
  fillRule(rule ?? { kind: SHOP_KINDS[0]?.id, term: "", replacements: [], severity: null, message: null, scope: "all", enabled: true });
  el.rKind.disabled = Boolean(rule); // the server keeps a rule's kind: delete and add to change it
  el.rForm.hidden = false;
  el.rTerm.focus();
}

function closeForm() {
  el.rForm.hidden = true;
  state.editing = null;
}

function changes(values, base) {
  const out = {};
  for (const [name] of RULE_FIELDS) {
    if (name === "kind") continue;
    if (values[name] === null && (name === "severity" || name === "message")) continue; // left to the default
    if (!same(values[name], base[name])) out[name] = values[name];
  }
  return out;
}

async function saveRule() {
  clearErrors(el.rForm);
  const values = readRule();
  const base = state.editing;
  try {
    let saved;
    if (!base) {
      const body = { ...values };
      if (body.severity === null) delete body.severity;
      if (body.message === null) delete body.message;
      saved = await api("POST", "/v1/rules", body);
      toast(`已新增规则 ${saved.id}：「${saved.term}」，2 秒内对所有客服生效`, { kind: "ok" });
    } else {
      const diff = changes(values, base);
      if (!Object.keys(diff).length) {
        closeForm();
        return;
      }
      saved = await api("PUT", `/v1/rules/${encodeURIComponent(base.id)}`, { version: base.version, ...diff });
      toast(`已保存规则 ${saved.id}（版本 ${saved.version}）`, { kind: "ok" });
    }
    replace(saved);
    closeForm();
    render();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === "version_conflict" && error.details?.current) conflict(values, error.details.current, error.message);
    else showErrors(el.rForm, error);
  }
}

function conflict(mine, theirs, message) {
  const base = state.editing;
  replace(theirs);
  render();
  const full = { ...mine, severity: mine.severity ?? base.severity, message: mine.message ?? base.message };
  showConflict(el.rConflict, {
    what: "规则",
    message,
    fields: RULE_FIELDS,
    base,
    mine: full,
    theirs,
    keepMine: async () => {
      const diff = changes(full, base);
      try {
        const saved = await api("PUT", `/v1/rules/${encodeURIComponent(base.id)}`, { version: theirs.version, ...diff });
        replace(saved);
        closeForm();
        render();
        toast(`已保存规则 ${saved.id}（版本 ${saved.version}）`, { kind: "ok" });
      } catch (error) {
        if (error.code === "version_conflict" && error.details?.current) conflict(mine, error.details.current, error.message);
        else showErrors(el.rForm, error);
      }
    },
    takeTheirs: () => {
      openRule(theirs);
      toast("已采用当前版本，您的修改未保存", { action: "撤销", ms: UNDO_MS, onAction: () => fillRule(full) });
    },
    merge: (values) => {
      openRule(theirs);
      fillRule(values);
    },
  });
}

async function removeRule(rule) {
  try {
    await api("DELETE", `/v1/rules/${encodeURIComponent(rule.id)}?version=${rule.version}`);
  } catch (error) {
    toast(error.message, { kind: "error", ms: 8000 });
    if (error.code === "version_conflict") await loadRules();
    return;
  }
  state.rules = state.rules.filter((r) => r.id !== rule.id);
  if (state.editing?.id === rule.id) closeForm();
  render();
  toast(`已删除规则 ${rule.id}「${rule.term}」`, {
    action: "撤销",
    ms: UNDO_MS,
    onAction: async () => {
      try {
        replace(await api("POST", `/v1/rules/${encodeURIComponent(rule.id)}/restore`, { version: rule.version }));
        render();
        toast(`已恢复规则 ${rule.id}`, { kind: "ok" });
      } catch (error) {
        toast(error.message, { kind: "error", ms: 8000 });
      }
    },
  });
}

function history(rule) {
  const shop = rule.source === "shop";
  openHistory({
    kind: "rules",
    id: rule.id,
    title: shop ? `${rule.id}「${rule.term}」` : rule.id,
    fields: shop ? RULE_FIELDS : DEFAULT_FIELDS,
    currentVersion: rule.version,
    onRestored: () => loadRules(),
  });
}
