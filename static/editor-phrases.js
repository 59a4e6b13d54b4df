// 话术: the phrase list (search and filters), the edit form with live lint, shortcut clash check,
// save with version (409 → side-by-side chooser), a body the rules block (422 phrase_blocked → the
// problems and a 仍然保存 for leads), enable/disable, delete with undo, history.

import { $, GROUPS, INTENT_LABELS, h } from "./common.js";
import { ApiError, api, canWrite, clearErrors, openHistory, same, showConflict, showErrors, toast } from "./editor-core.js";
import { LintedField } from "./editor-lint.js";

export const PHRASE_FIELDS = [
  ["title", "标题"],
  ["body", "短语内容"],
  ["intent", "意图", (v) => INTENT_LABELS[v] || String(v)],
  ["group", "分组"],
  ["shortcut", "快捷编码"],
  ["keywords", "关键词"],
  ["examples", "示例问题"],
  ["enabled", "启用"],
];
const NEW = "__new__";
const UNDO_MS = 8000;

const el = {};
const state = {
  phrases: [], // as the server last listed them
  loadedAt: 0,
  openId: null, // the phrase in the form (NEW for an unsaved new one), or null
  base: null, // the stored phrase the form started from (null for a new one)
  drafts: new Map(), // id → form values not yet saved (switching phrases never loses an edit)
  onCreated: null, // runs once the new phrase in the form is saved (学习's 缺口 dismisses its gap then)
};
let lint = null;

/** The group and intent selects, from the server's names (again after a login: they may have come only then). */
export function fillChoices() {
  const options = (select, all, pairs) => {
    const chosen = select.value;
    select.replaceChildren(...all, ...pairs.map(([value, name]) => h("option", { value }, name)));
    if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  };
  const groups = GROUPS.map((g) => [g, g]);
  const intents = Object.entries(INTENT_LABELS);
  options(el.pGroup, [...el.pGroup.options].filter((o) => o.value === ""), groups);
  options(el.fGroup, [], groups);
  options(el.pIntent, [...el.pIntent.options].filter((o) => o.value === ""), intents);
  options(el.fIntent, [], intents);
}

export function initPhrases() {
  for (const id of ["p-search", "p-group", "p-intent", "p-status", "p-count", "p-new", "p-list", "p-empty", "p-form",
    "p-form-title", "p-meta", "p-history", "p-toggle", "p-delete", "p-conflict", "f-title", "f-shortcut", "f-group",
    "f-intent", "f-body", "f-examples", "f-keywords", "f-enabled", "p-dirty", "p-revert", "p-save", "p-form-error"]) {
    el[id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = $(id);
  }
  fillChoices();
  lint = new LintedField({
    textarea: el.fBody, backdrop: $("f-backdrop"), backdropText: $("f-backdrop-text"), diags: $("f-diags"),
    verdict: $("f-verdict"), fixAll: $("f-fix-all"), editor: $("f-editor"),
  });

  el.pSearch.addEventListener("input", renderList);
  for (const select of [el.pGroup, el.pIntent, el.pStatus]) select.addEventListener("change", renderList);
  el.pNew.addEventListener("click", () => openPhrase(NEW));
  el.pList.addEventListener("keydown", onListKey);
  el.pForm.addEventListener("submit", (e) => {
    e.preventDefault();
    save();
  });
  el.pForm.addEventListener("input", onFormInput);
  el.pForm.addEventListener("change", onFormInput);
  el.fShortcut.addEventListener("input", checkShortcut);
  el.pRevert.addEventListener("click", revert);
  el.pToggle.addEventListener("click", toggleEnabled);
  el.pDelete.addEventListener("click", removePhrase);
  el.pHistory.addEventListener("click", showHistory);
  window.addEventListener("beforeunload", (e) => {
    if (hasUnsaved()) e.preventDefault();
  });
}

export function hasUnsaved() {
  return state.drafts.size > 0 || isDirty();
}

export const phraseList = () => state.phrases;

/**
 * Open the new-phrase form filled with `values` (学习's 缺口: the agents' reply and the customers'
 * questions); `onCreated(phrase)` runs once that phrase is saved; `note` says where it came from. An unsaved new phrase already in the
 * form is never overwritten: it is opened instead and the answer is false.
 */
export function openNewPhrase(values, onCreated = null, note = "") {
  const open = state.openId === NEW && !el.pForm.hidden;
  const draft = open ? (isDirty() ? readForm() : null) : state.drafts.get(NEW);
  if (draft && !same(draft, EMPTY)) {
    openPhrase(NEW);
    toast("已有一条未保存的新话术：请先保存或放弃它，再从缺口新建", { kind: "error", ms: 8000 });
    return false;
  }
  stashDraft();
  state.drafts.delete(NEW);
  state.openId = null; // so openPhrase fills the form again even when NEW was open
  state.drafts.set(NEW, { ...EMPTY, ...values });
  state.onCreated = onCreated;
  openPhrase(NEW);
  el.pMeta.textContent = note;
  return true;
}

export async function loadPhrases({ quiet = false } = {}) {
  try {
    state.phrases = await api("GET", "/v1/phrases");
    state.loadedAt = Date.now();
  } catch (error) {
    if (!quiet) toast(error.message, { kind: "error" });
    return;
  }
  renderList();
  if (state.openId && state.openId !== NEW) {
    const fresh = state.phrases.find((p) => p.id === state.openId);
    // someone else saved the open phrase: say so now rather than at save time
    if (fresh && state.base && fresh.version !== state.base.version) {
      el.pMeta.textContent = `版本 ${state.base.version} · 服务器上已有版本 ${fresh.version},保存时会提示对照`;
    }
  }
}

/** The list reloads when the lead comes back to the tab, at most every few seconds. */
export function maybeReload() {
  if (Date.now() - state.loadedAt > 5000) loadPhrases({ quiet: true });
}

// ---------------------------------------------------------------- list

function matches(p, q) {
  if (!q) return true;
  const hay = [p.id, p.title, p.body, p.shortcut || "", ...(p.examples || []), ...(p.keywords || [])].join("\n").toLowerCase();
  return q.split(/\s+/).every((word) => hay.includes(word));
}

function visiblePhrases() {
  const q = el.pSearch.value.trim().toLowerCase();
  const group = el.pGroup.value;
  const intent = el.pIntent.value;
  const status = el.pStatus.value;
  return state.phrases.filter((p) => (!group || p.group === group) && (!intent || p.intent === intent)
    && (!status || (status === "on") === p.enabled) && matches(p, q));
}

function renderList() {
  const shown = visiblePhrases();
  el.pCount.textContent = shown.length === state.phrases.length ? `共 ${shown.length} 条` : `${shown.length} / ${state.phrases.length} 条`;
  const rows = shown.map((p) => h("li", {
    role: "option",
    class: `prow${p.enabled ? "" : " off"}`,
    id: `prow-${p.id}`,
    "aria-selected": String(p.id === state.openId),
    dataset: { id: p.id },
    onclick: () => openPhrase(p.id),
  },
  h("div", { class: "prow-head" },
    h("span", { class: "prow-title" }, p.title),
    state.drafts.has(p.id) ? h("span", { class: "chip unsaved", title: "有未保存的修改" }, "未保存") : null,
    p.enabled ? null : h("span", { class: "chip off" }, "已停用"),
    p.shortcut ? h("span", { class: "shortcut" }, `/${p.shortcut}`) : null),
  h("div", { class: "prow-meta" },
    h("span", { class: "chip group" }, p.group),
    h("span", { class: "chip", dataset: { intent: p.intent } }, INTENT_LABELS[p.intent] || p.intent),
    h("span", { class: "prow-body" }, p.body))));
  if (state.drafts.has(NEW) || state.openId === NEW) {
    rows.unshift(h("li", { role: "option", class: "prow new", "aria-selected": String(state.openId === NEW), onclick: () => openPhrase(NEW) },
      h("div", { class: "prow-head" }, h("span", { class: "prow-title" }, "(新话术)"), h("span", { class: "chip unsaved" }, "未保存"))));
  }
  if (!rows.length) rows.push(h("li", { class: "muted pane-empty" }, state.phrases.length ? "没有符合条件的话术" : "话术库是空的"));
  el.pList.replaceChildren(...rows);
  el.pList.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
}

function onListKey(e) {
  if (e.key !== "ArrowDown" && e.key !== "ArrowUp" && e.key !== "Enter") return;
  const ids = visiblePhrases().map((p) => p.id);
  if (!ids.length) return;
  e.preventDefault();
  if (e.key === "Enter") {
    el.fTitle.focus();
    return;
  }
  const at = ids.indexOf(state.openId);
  const next = at < 0 ? 0 : Math.max(0, Math.min(ids.length - 1, at + (e.key === "ArrowDown" ? 1 : -1)));
  openPhrase(ids[next]);
  el.pList.focus();
}

// ---------------------------------------------------------------- form

const lines = (text, split) => text.split(split).map((s) => s.trim()).filter(Boolean);

function readForm() {
  return {
    title: el.fTitle.value.trim(),
    body: el.fBody.value.trim(),
    intent: el.fIntent.value,
    group: el.fGroup.value,
    shortcut: el.fShortcut.value.trim().toLowerCase() || null,
    keywords: lines(el.fKeywords.value, /[\n,，、|]+/),
    examples: lines(el.fExamples.value, /[\n|]+/),
    enabled: el.fEnabled.checked,
  };
}

function fillForm(values) {
  el.fTitle.value = values.title ?? "";
  el.fIntent.value = values.intent ?? "other";
  el.fGroup.value = values.group ?? GROUPS[0];
  el.fShortcut.value = values.shortcut ?? "";
  el.fKeywords.value = (values.keywords || []).join("\n");
  el.fExamples.value = (values.examples || []).join("\n");
  el.fEnabled.checked = values.enabled !== false;
  lint.set(values.body ?? "");
}

const EMPTY = { title: "", body: "", intent: "other", group: GROUPS[0], shortcut: null, keywords: [], examples: [], enabled: true };

function baseValues() {
  if (!state.base) return EMPTY;
  return Object.fromEntries(PHRASE_FIELDS.map(([name]) => [name, state.base[name] ?? (name === "shortcut" ? null : state.base[name])]));
}

function changedFields(values = readForm()) {
  const base = baseValues();
  return Object.fromEntries(PHRASE_FIELDS.map(([n]) => n).filter((n) => !same(values[n], base[n])).map((n) => [n, values[n]]));
}

function isDirty() {
  return state.openId !== null && !el.pForm.hidden && Object.keys(changedFields()).length > 0;
}

function stashDraft() {
  if (state.openId === null) return;
  if (isDirty()) state.drafts.set(state.openId, readForm());
  else state.drafts.delete(state.openId);
}

/** Open a phrase (or NEW) in the form; an unsaved edit of the one left behind is kept as a draft. */
export function openPhrase(id) {
  if (id === state.openId && !el.pForm.hidden) return;
  stashDraft();
  const phrase = id === NEW ? null : state.phrases.find((p) => p.id === id);
  if (id !== NEW && !phrase) return;
  state.openId = id;
  state.base = phrase ? structuredClone(phrase) : null;
  el.pConflict.hidden = true;
  clearErrors(el.pForm);
  fillForm(state.drafts.get(id) || (phrase ?? EMPTY));
  showFormChrome();
  el.pEmpty.hidden = true;
  el.pForm.hidden = false;
  checkShortcut();
  onFormInput();
  renderList();
  if (id === NEW) el.fTitle.focus();
}

function showFormChrome() {
  const isNew = state.openId === NEW;
  el.pFormTitle.textContent = isNew ? "新建话术" : state.base.title;
  el.pMeta.textContent = isNew ? "" : `ID ${state.base.id} · 版本 ${state.base.version}`;
  el.pHistory.hidden = isNew;
  el.pDelete.hidden = isNew || !canWrite();
  el.pToggle.hidden = isNew || !canWrite();
  if (!isNew) el.pToggle.textContent = state.base.enabled ? "停用" : "启用";
  const readOnly = !canWrite();
  for (const input of [el.fTitle, el.fShortcut, el.fBody, el.fExamples, el.fKeywords]) input.readOnly = readOnly;
  for (const input of [el.fGroup, el.fIntent, el.fEnabled]) input.disabled = readOnly;
}

function onFormInput() {
  if (state.openId === null) return;
  const dirty = isDirty();
  el.pDirty.textContent = dirty ? "有未保存的修改" : state.openId === NEW ? "" : "已保存";
  el.pRevert.disabled = !dirty;
  el.pSave.disabled = !canWrite();
}

/** The shortcut clash, before saving: against the loaded list, case-insensitively. */
function checkShortcut() {
  const slot = el.pForm.querySelector('.field-error[data-for="shortcut"]');
  const code = el.fShortcut.value.trim().toLowerCase();
  const owner = code ? state.phrases.find((p) => p.id !== state.openId && (p.shortcut || "").toLowerCase() === code) : null;
  slot.textContent = owner ? `快捷编码 ${code} 已被「${owner.title}」（${owner.id}）使用，请换一个` : "";
  el.fShortcut.toggleAttribute("aria-invalid", Boolean(owner));
  return owner;
}

function revert() {
  if (state.openId === NEW) state.onCreated = null; // the new phrase from a gap was given up
  state.drafts.delete(state.openId);
  el.pConflict.hidden = true;
  clearErrors(el.pForm);
  fillForm(state.base ?? EMPTY);
  checkShortcut();
  onFormInput();
  renderList();
}

function upsert(phrase) {
  const at = state.phrases.findIndex((p) => p.id === phrase.id);
  if (at >= 0) state.phrases[at] = phrase;
  else state.phrases.unshift(phrase);
}

/** After a successful write: the form shows the stored phrase. */
function settle(phrase) {
  state.drafts.delete(state.openId);
  if (state.openId !== phrase.id) state.drafts.delete(NEW);
  upsert(phrase);
  state.openId = phrase.id;
  state.base = structuredClone(phrase);
  el.pConflict.hidden = true;
  clearErrors(el.pForm);
  showFormChrome();
  onFormInput();
  renderList();
}

export async function save({ force = false } = {}) {
  if (!canWrite() || state.openId === null || el.pForm.hidden) return;
  clearErrors(el.pForm);
  if (checkShortcut()) {
    el.fShortcut.focus();
    return;
  }
  const values = readForm();
  const retry = () => save({ force: true });
  try {
    if (state.openId === NEW) {
      const created = await api("POST", "/v1/phrases", force ? { ...values, force } : values);
      const onCreated = state.onCreated;
      state.onCreated = null;
      fillForm(created);
      settle(created);
      toast(`已新建「${created.title}」，客服侧栏几秒内即可推荐`, { kind: "ok" });
      onCreated?.(created);
    } else {
      const changes = changedFields(values);
      if (!Object.keys(changes).length) {
        toast("没有需要保存的修改");
        return;
      }
      await put(state.base.version, force ? { ...changes, force } : changes);
    }
  } catch (error) {
    handleSaveError(error, values, retry);
  }
}

async function put(version, changes) {
  const saved = await api("PUT", `/v1/phrases/${encodeURIComponent(state.openId)}`, { version, ...changes });
  fillFormKeepingCaret(saved);
  settle(saved);
  const forced = changes.force ? "，含违规内容（已记入历史）" : "";
  toast(`已保存「${saved.title}」（版本 ${saved.version}）${forced}`, { kind: "ok" });
}

/** Refill the form after a save without moving the body's caret when its text did not change. */
function fillFormKeepingCaret(phrase) {
  if (el.fBody.value.trim() === phrase.body) {
    const body = el.fBody.value;
    fillForm({ ...phrase, body });
  } else {
    fillForm(phrase);
  }
}

function handleSaveError(error, mine, retry = null) {
  if (!(error instanceof ApiError)) throw error;
  if (error.code === "phrase_blocked") {
    showBlocked(error, retry);
  } else if (error.code === "version_conflict" && error.details && error.details.current) {
    conflict(mine, error.details.current, error.message);
  } else if (error.status === 404 && state.openId !== NEW) {
    el.pFormError.textContent = "";
    el.pFormError.append(`${error.message}（可能已被他人删除）。您的内容还在表单里：`,
      h("button", { type: "button", class: "btn link-dark", onclick: saveAsNew }, "另存为新话术"));
  } else {
    showErrors(el.pForm, error);
  }
}

/** The problems the rules found in the body (Chinese messages, never rule ids), and for a lead a
 * 仍然保存 that sends the same save again with force (the history then records the problems). */
function showBlocked(error, retry) {
  const problems = Array.isArray(error.details?.problems) ? error.details.problems : [];
  el.pFormError.replaceChildren(
    h("span", {}, `短语内容有 ${problems.length || ""} 处禁止发送的问题，保存后客服侧栏会标为「含违规」：`),
    h("ul", { class: "blocked-list", id: "p-blocked" }, problems.map((p) => h("li", {},
      p.text ? h("mark", { class: "blocked-text" }, p.text) : null, p.text ? "：" : "", String(p.message ?? "")))),
    retry && canWrite()
      ? h("div", { class: "blocked-actions" },
        h("span", { class: "muted small" }, "建议先修改；确需原样保存，请点"),
        h("button", { type: "button", class: "btn danger-outline", id: "p-force", onclick: () => {
          el.pFormError.replaceChildren();
          retry();
        } }, "仍然保存"))
      : null);
  el.fBody.setAttribute("aria-invalid", "true");
  el.pFormError.scrollIntoView({ block: "nearest" });
}

function saveAsNew() {
  const values = readForm();
  state.phrases = state.phrases.filter((p) => p.id !== state.openId);
  state.drafts.delete(state.openId);
  state.openId = NEW;
  state.base = null;
  state.onCreated = null; // not the phrase a gap asked for
  fillForm(values);
  showFormChrome();
  save();
}

function conflict(mine, theirs, message) {
  upsert(theirs);
  renderList();
  const base = state.base;
  showConflict(el.pConflict, {
    what: "话术",
    message,
    fields: PHRASE_FIELDS,
    base,
    mine,
    theirs,
    keepMine: async () => {
      // my edits (against the version I started from), on top of what is stored now: fields I did
      // not touch keep the other lead's values
      const changes = changedFields(mine);
      state.base = structuredClone(theirs);
      try {
        if (Object.keys(changes).length) await put(theirs.version, changes);
        else {
          fillForm(theirs);
          settle(theirs);
        }
      } catch (error) {
        state.base = base;
        handleSaveError(error, mine);
      }
    },
    takeTheirs: () => {
      state.base = structuredClone(theirs);
      fillForm(theirs);
      settle(theirs);
      toast("已采用当前版本，您的修改未保存", {
        action: "撤销",
        ms: UNDO_MS,
        onAction: () => {
          fillForm(mine);
          onFormInput();
        },
      });
    },
    merge: (values) => {
      state.base = structuredClone(theirs);
      el.pConflict.hidden = true;
      fillForm(values);
      showFormChrome();
      onFormInput();
      el.fTitle.focus();
    },
  });
}

// ---------------------------------------------------------------- enable, delete, history

async function toggleEnabled({ force = false } = {}) {
  if (!state.base) return;
  const enabled = !state.base.enabled;
  try {
    const body = { version: state.base.version, enabled, ...(force ? { force } : {}) };
    const saved = await api("PUT", `/v1/phrases/${encodeURIComponent(state.base.id)}`, body);
    const keep = readForm();
    settle(saved);
    fillForm({ ...keep, enabled: saved.enabled });
    onFormInput();
    toast(enabled ? `已启用「${saved.title}」` : `已停用「${saved.title}」，不会再推荐给客服`, {
      kind: "ok",
      action: "撤销",
      ms: UNDO_MS,
      onAction: () => {
        if (state.base?.id === saved.id) toggleEnabled();
      },
    });
  } catch (error) {
    handleSaveError(error, { ...readForm(), enabled }, () => toggleEnabled({ force: true }));
  }
}

async function removePhrase() {
  if (!state.base) return;
  const phrase = state.base;
  try {
    await api("DELETE", `/v1/phrases/${encodeURIComponent(phrase.id)}?version=${phrase.version}`);
  } catch (error) {
    handleSaveError(error, readForm());
    return;
  }
  state.drafts.delete(phrase.id);
  state.phrases = state.phrases.filter((p) => p.id !== phrase.id);
  state.openId = null;
  state.base = null;
  el.pForm.hidden = true;
  el.pEmpty.hidden = false;
  renderList();
  toast(`已删除「${phrase.title}」`, {
    action: "撤销",
    ms: UNDO_MS,
    onAction: async () => {
      try {
        const restored = await api("POST", `/v1/phrases/${encodeURIComponent(phrase.id)}/restore`, { version: phrase.version });
        upsert(restored);
        openPhrase(restored.id);
        toast(`已恢复「${restored.title}」`, { kind: "ok" });
      } catch (error) {
        toast(error.message, { kind: "error", ms: 8000 });
      }
    },
  });
}

function showHistory() {
  if (!state.base) return;
  openHistory({
    kind: "phrases",
    id: state.base.id,
    title: state.base.title,
    fields: PHRASE_FIELDS,
    currentVersion: state.base.version,
    onRestored: (phrase) => {
      state.drafts.delete(phrase.id);
      upsert(phrase);
      state.base = structuredClone(phrase);
      fillForm(phrase);
      settle(phrase);
    },
  });
}
