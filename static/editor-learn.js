// 学习: what the team's own conversations teach. 候选问法 are customer messages agents answered with a
// phrase (in the sidebar, or in an imported chat log), grouped by phrase, to accept into its example
// questions, reject for good or move to another phrase; 缺口 are questions no phrase answers, each one
// click from a new phrase; 聊天记录导入 uploads past chats and follows each mining job's progress.
// Every piece of data reaches the DOM as text, never as HTML.

import { $, INTENT_LABELS, h } from "./common.js";
import { ApiError, api, toast, when } from "./editor-core.js";
import { loadPhrases, phraseList } from "./editor-phrases.js";

const STATUS_NAMES = { queued: "排队中", running: "挖掘中", done: "已完成", failed: "失败", cancelled: "已取消" };
const ACTIVE = new Set(["queued", "running"]);
const POLL_MS = 1000;
const MOVE_SHOWN = 200; // phrases listed in 移到… at once; the search narrows the rest

const state = {
  visible: () => false, // whether the 学习 tab is on screen (set by initLearn)
  newPhrase: null, // (values, onCreated, note) => opens the new-phrase form (set by initLearn)
  groups: [],
  uploads: new Map(), // id → {upload, row, cells}
  pollTimer: null,
  moving: null, // the candidate whose 移到… panel is open
  unshown: false, // a background reload came while 移到… was open: render once it closes
  asked: { candidates: 0, gaps: 0, uploads: 0 }, // the newest request of each list: an older answer is dropped
};
const CANDIDATES_SHOWN = 500;

/** GET `path` for list `name`; null when a newer request for the same list was made meanwhile. */
async function newest(name, path) {
  const mine = ++state.asked[name];
  const answer = await api("GET", path);
  return mine === state.asked[name] ? answer : null;
}

/**
 * Wire the tab. `visible()` says whether the tab is showing (polling stops when it is not);
 * `newPhrase(values, onCreated, note)` opens the phrase form with `values` (and `note` saying where they
 * came from) and calls `onCreated(phrase)` after that phrase is saved.
 */
export function initLearn({ visible, newPhrase }) {
  state.visible = visible;
  state.newPhrase = newPhrase;
  $("l-candidates-reload").addEventListener("click", () => loadCandidates());
  $("l-file").addEventListener("change", () => {
    $("l-upload").disabled = !$("l-file").files.length;
    $("l-upload-error").textContent = "";
    $("l-upload-status").textContent = "";
  });
  $("l-upload-form").addEventListener("submit", (e) => {
    e.preventDefault();
    upload();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") resumePolling();
  });
}

/** Load all three sections (the tab was opened). */
export function loadLearn() {
  loadCandidates();
  loadGaps();
  loadUploads();
}

/** The tab was left: stop polling the uploads. */
export function leaveLearn() {
  clearTimeout(state.pollTimer);
  state.pollTimer = null;
}

function resumePolling() {
  if (state.visible() && !state.pollTimer && [...state.uploads.values()].some((u) => ACTIVE.has(u.upload.status))) {
    state.pollTimer = setTimeout(poll, POLL_MS);
  }
}

// ---------------------------------------------------------------- keeping the lead's place

/**
 * Re-render a list without losing the lead's place: the view keeps its scroll position, and focus goes
 * to the element `focusSelector` finds (a neighbour of the item just handled), else back to the same
 * button of the same item when the re-rendered list held focus, else to `fallback`.
 */
function keepPlace(container, render, focusSelector, fallback) {
  const view = $("view-learn");
  const top = view.scrollTop;
  const active = container.contains(document.activeElement) ? document.activeElement : null;
  const item = active?.closest("[id]");
  const again = item && item !== container && active.dataset.act ? `#${CSS.escape(item.id)} [data-act="${active.dataset.act}"]` : null;
  render();
  view.scrollTop = top;
  const target = (focusSelector && document.querySelector(focusSelector)) || (again && document.querySelector(again))
    || (focusSelector || again ? fallback : null);
  target?.focus({ preventScroll: true });
}

/** The candidate (or gap) after `item` in document order, else the one before it: where focus goes next. */
function neighbour(item, selector) {
  const all = Array.from(document.querySelectorAll(selector));
  const at = all.indexOf(item);
  return all[at + 1] || all[at - 1] || null;
}

// ---------------------------------------------------------------- 候选问法

export async function loadCandidates({ focus = null } = {}) {
  const error = $("l-candidates-error");
  try {
    const groups = await newest("candidates", `/v1/learn/candidates?status=pending&limit=${CANDIDATES_SHOWN}`);
    if (groups === null) return;
    state.groups = groups;
  } catch (e) {
    error.textContent = e.message;
    return;
  }
  error.textContent = "";
  if (state.moving && !focus) {
    state.unshown = true; // a lead choosing where to move a candidate keeps the panel they are typing in
    return;
  }
  keepPlace($("l-candidates"), renderCandidates, focus, $("l-candidates-title"));
}

function agentsText(c) {
  const names = Array.isArray(c.agents) ? c.agents.map(String) : [];
  const total = Number(c.agent_count ?? names.length);
  if (!names.length) return total ? `${total} 位` : "—";
  return total > names.length ? `${names.join("、")} 等 ${total} 位` : names.join("、");
}

function renderCandidates() {
  const groups = Array.isArray(state.groups) ? state.groups : [];
  const total = groups.reduce((n, g) => n + (g.candidates?.length || 0), 0);
  $("l-candidates-count").textContent = !total ? ""
    : total >= CANDIDATES_SHOWN ? `${groups.length} 条话术，最常见的 ${total} 个候选问法（处理后显示更多）`
      : `${groups.length} 条话术，${total} 个候选问法`;
  const box = $("l-candidates");
  state.moving = null;
  state.unshown = false;
  if (!groups.length) {
    box.replaceChildren(h("p", { class: "muted pane-empty" },
      "暂时没有候选问法。客服在侧栏选用话术回答顾客、或导入聊天记录后，这里会列出可以加入示例问题的顾客问法。"));
    return;
  }
  box.replaceChildren(...groups.map((g) => {
    const phrase = g.phrase || {};
    const headId = `l-group-${phrase.id}`;
    return h("section", { class: "l-group", dataset: { phrase: String(phrase.id ?? "") }, "aria-labelledby": headId },
      h("h3", { class: "l-group-head", id: headId },
        h("span", { class: "l-group-title" }, String(phrase.title ?? phrase.id ?? "")),
        h("span", { class: "chip", dataset: { intent: String(phrase.intent ?? "") } }, INTENT_LABELS[phrase.intent] || String(phrase.intent ?? "")),
        h("span", { class: "muted small" }, `共 ${Number(g.count ?? 0)} 次`)),
      h("ul", { class: "l-cands" }, (g.candidates || []).map((c) => candidateRow(c, phrase))));
  }));
}

function candidateRow(c, phrase) {
  const id = String(c.id);
  const message = String(c.message ?? "");
  const label = (verb) => `${verb}：${message}`;
  return h("li", { class: "l-cand", id: `l-cand-${id}`, dataset: { id, phrase: String(phrase.id ?? "") } },
    h("div", { class: "l-cand-line" },
      h("span", { class: "l-msg" }, message),
      h("span", { class: "l-meta" },
        h("span", { class: "l-count", title: "这句话被选用这条话术的次数" }, `次数 ${Number(c.count ?? 0)}`),
        h("span", { class: "l-agents" }, `坐席：${agentsText(c)}`)),
      h("span", { class: "l-actions" },
        h("button", { type: "button", class: "btn small-btn primary", dataset: { act: "accept" }, "aria-label": label("采纳"),
          onclick: (e) => decide(c, "accept", e.currentTarget) }, "采纳"),
        h("button", { type: "button", class: "btn small-btn", dataset: { act: "reject" }, "aria-label": label("拒绝"),
          onclick: (e) => decide(c, "reject", e.currentTarget) }, "拒绝"),
        h("button", { type: "button", class: "btn small-btn", dataset: { act: "move" }, "aria-label": label("移到其他话术"),
          "aria-expanded": "false", "aria-controls": `l-move-${id}`,
          onclick: (e) => toggleMove(c, phrase, e.currentTarget) }, "移到…"))),
    h("p", { class: "form-error l-cand-error", role: "alert" }));
}

const DONE_TEXT = { accept: "已采纳，加入示例问题", reject: "已拒绝，不会再提出", move: "已移到" };

/**
 * Accept, reject or move one candidate. On success the list reloads (another lead may have decided
 * others meanwhile) and focus goes to the same button of the next candidate; on failure the API's own
 * message shows under the candidate (e.g. 示例问题已满) and the candidate stays.
 */
async function decide(c, act, button, body = undefined) {
  const row = $(`l-cand-${c.id}`);
  const next = neighbour(row, ".l-cand");
  const error = row?.querySelector(".l-cand-error");
  if (error) error.textContent = "";
  for (const b of row?.querySelectorAll("button") || []) b.disabled = true;
  let answer;
  try {
    answer = await api("POST", `/v1/learn/candidates/${encodeURIComponent(c.id)}/${act}`, body);
  } catch (e) {
    for (const b of row?.querySelectorAll("button") || []) b.disabled = false;
    if (e instanceof ApiError && (e.code === "candidate_decided" || e.code === "candidate_not_found")) {
      // decided by another lead meanwhile: say so, and show the list as it is now
      toast(e.message, { kind: "error", ms: 8000 });
      loadCandidates({ focus: next ? `#${next.id} [data-act="${act === "move" ? "accept" : act}"]` : "#l-candidates-title" });
      return;
    }
    if (error) error.textContent = e.message;
    button?.focus();
    return;
  }
  const target = act === "move" ? phraseList().find((p) => p.id === answer?.phrase_id) : null;
  toast(act === "move" ? `${DONE_TEXT.move}「${target?.title ?? answer?.phrase_id ?? ""}」` : `${DONE_TEXT[act]}：${c.message}`, { kind: "ok" });
  if (act === "accept") loadPhrases({ quiet: true }); // the phrase's examples changed
  await loadCandidates({ focus: next ? `#${next.id} [data-act="${act === "move" ? "accept" : act}"]` : "#l-candidates-title" });
}

// ---------------------------------------------------------------- 移到…

/** The 移到… panel under a candidate: a search box narrowing a list of the other phrases. */
function toggleMove(c, phrase, button) {
  const row = $(`l-cand-${c.id}`);
  const open = row.querySelector(".l-move");
  closeMove();
  if (open) return;
  const id = `l-move-${c.id}`;
  const choices = phraseList().filter((p) => p.id !== phrase.id);
  const search = h("input", { type: "search", id: `${id}-q`, placeholder: "搜索标题、内容或编码", autocomplete: "off",
    "aria-label": "搜索要移到的话术" });
  const select = h("select", { id: `${id}-to`, size: "6", "aria-label": "移到哪条话术" });
  const ok = h("button", { type: "submit", class: "btn small-btn primary" }, "移过去");
  const cancel = h("button", { type: "button", class: "btn small-btn", onclick: () => closeMove(true) }, "取消");
  const note = h("span", { class: "muted small", role: "status" });
  const fill = () => {
    const q = search.value.trim().toLowerCase();
    const hits = choices.filter((p) => !q || [p.title, p.id, p.shortcut || "", p.body].join("\n").toLowerCase().includes(q));
    select.replaceChildren(...hits.slice(0, MOVE_SHOWN).map((p) => h("option", { value: p.id },
      `${p.title}（${INTENT_LABELS[p.intent] || p.intent}${p.shortcut ? `，/${p.shortcut}` : ""}）`)));
    if (hits.length) select.selectedIndex = 0;
    note.textContent = hits.length > MOVE_SHOWN ? `显示前 ${MOVE_SHOWN} 条，共 ${hits.length} 条：请输入更多字缩小范围` : hits.length ? "" : "没有符合的话术";
  };
  search.addEventListener("input", fill);
  search.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && select.options.length) {
      e.preventDefault();
      select.focus();
    }
  });
  const panel = h("form", { class: "l-move", id, "aria-label": `把“${c.message}”移到其他话术`,
    onsubmit: (e) => {
      e.preventDefault();
      if (!select.value) {
        note.textContent = "请先选择一条话术";
        return;
      }
      decide(c, "move", button, { phrase_id: select.value });
    },
    onkeydown: (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        closeMove(true);
      }
    } },
  search, select, h("div", { class: "l-move-actions" }, ok, cancel, note));
  select.addEventListener("dblclick", () => panel.requestSubmit());
  row.append(panel);
  button.setAttribute("aria-expanded", "true");
  state.moving = { button, panel };
  fill();
  search.focus();
}

function closeMove(refocus = false) {
  if (!state.moving) return;
  const { button, panel } = state.moving;
  state.moving = null;
  panel.remove();
  button.setAttribute("aria-expanded", "false");
  if (refocus) button.focus();
  if (state.unshown) {
    state.unshown = false;
    keepPlace($("l-candidates"), renderCandidates, null, null);
  }
}

// ---------------------------------------------------------------- 缺口

export async function loadGaps({ focus = null } = {}) {
  const error = $("l-gaps-error");
  let gaps;
  try {
    gaps = await newest("gaps", "/v1/learn/gaps?limit=100");
    if (gaps === null) return;
  } catch (e) {
    error.textContent = e.message;
    return;
  }
  error.textContent = "";
  keepPlace($("l-gaps"), () => renderGaps(Array.isArray(gaps) ? gaps : []), focus, $("l-gaps-title"));
}

function renderGaps(gaps) {
  $("l-gaps-count").textContent = gaps.length ? `${gaps.length} 个` : "";
  const list = $("l-gaps");
  if (!gaps.length) {
    list.replaceChildren(h("li", { class: "muted pane-empty" }, "暂时没有缺口。导入聊天记录后，没有话术能回答的常见问题会列在这里。"));
    return;
  }
  list.replaceChildren(...gaps.map((g) => {
    const id = String(g.id);
    const questions = (Array.isArray(g.questions) ? g.questions : []).slice(0, 5).map(String);
    const reply = String(g.reply ?? "");
    const name = questions[0] || `缺口 ${id}`;
    return h("li", { class: "l-gap", id: `l-gap-${id}`, dataset: { id } },
      h("div", { class: "l-gap-head" },
        h("span", { class: "l-count" }, `${Number(g.count ?? 0)} 次`),
        h("span", { class: "l-gap-name" }, name),
        h("span", { class: "spacer" }),
        h("button", { type: "button", class: "btn small-btn primary", dataset: { act: "new" }, "aria-label": `新建短语：${name}`,
          onclick: () => fromGap(g, questions, reply) }, "新建短语"),
        h("button", { type: "button", class: "btn small-btn", dataset: { act: "dismiss" }, "aria-label": `忽略这个缺口：${name}`,
          onclick: (e) => dismiss(g, e.currentTarget) }, "忽略")),
      h("div", { class: "l-gap-body" },
        h("div", {}, h("h4", {}, "顾客的问法"), h("ul", { class: "l-questions" }, questions.map((q) => h("li", {}, q)))),
        h("div", {}, h("h4", {}, "客服的常用回复"), reply ? h("p", { class: "l-reply" }, reply) : h("p", { class: "muted" }, "（没有共同的回复）"))),
      h("p", { class: "form-error l-gap-error", role: "alert" }));
  }));
}

/** 新建短语: the phrase form, filled with the reply as its body (linted live there) and the questions as
 * its example questions; the gap is dismissed once that phrase is saved. */
async function fromGap(gap, questions, reply) {
  let intent = "other";
  if (questions.length) {
    try { // the intent the model reads in the questions, for the lead to check
      const answer = await api("POST", "/v1/suggest", { message: questions[0], limit: 1 });
      const top = answer?.intents?.[0]?.id;
      if (top && INTENT_LABELS[top]) intent = top;
    } catch {
      // the lead picks the intent then
    }
  }
  state.newPhrase({ body: reply, examples: questions, intent }, async (phrase) => {
    try {
      await api("POST", `/v1/learn/gaps/${encodeURIComponent(gap.id)}/dismiss`);
      toast(`已新建「${phrase.title}」，这个缺口已移出列表`, { kind: "ok" });
    } catch (e) {
      toast(`已新建「${phrase.title}」，但缺口未能移出列表：${e.message}`, { kind: "error", ms: 8000 });
    }
    loadGaps();
  }, `来自缺口（顾客问过 ${Number(gap.count ?? 0)} 次）：保存后这个缺口移出列表`);
}

async function dismiss(gap, button) {
  const item = $(`l-gap-${gap.id}`);
  const next = neighbour(item, ".l-gap");
  const error = item?.querySelector(".l-gap-error");
  if (error) error.textContent = "";
  button.disabled = true;
  try {
    await api("POST", `/v1/learn/gaps/${encodeURIComponent(gap.id)}/dismiss`);
  } catch (e) {
    button.disabled = false;
    if (error) error.textContent = e.message;
    return;
  }
  toast("已忽略这个缺口", { kind: "ok" });
  await loadGaps({ focus: next ? `#${next.id} [data-act="dismiss"]` : "#l-gaps-title" });
}

// ---------------------------------------------------------------- 聊天记录导入

async function upload() {
  const file = $("l-file").files[0];
  const error = $("l-upload-error");
  const status = $("l-upload-status");
  error.textContent = "";
  if (!file) {
    error.textContent = "请先选择一个聊天记录文件（.csv、.xlsx 或 .jsonl）";
    return;
  }
  const form = new FormData();
  form.append("file", file, file.name);
  $("l-upload").disabled = true;
  status.textContent = `正在上传 ${file.name}…`;
  try {
    const created = await api("POST", "/v1/learn/chatlogs", form);
    status.textContent = `已上传 ${file.name}，正在排队挖掘`;
    $("l-file").value = "";
    if (created) showUploads([created, ...[...state.uploads.values()].map((u) => u.upload).filter((u) => u.id !== created.id)]);
    loadUploads();
  } catch (e) {
    status.textContent = "";
    // a refused file: the API names the row and the reason (第 12 行：角色“老板”无法识别…)
    error.textContent = `${file.name} 未导入：${e.message}`;
    $("l-upload").disabled = false;
  }
}

export async function loadUploads() {
  let uploads;
  const error = $("l-uploads-error");
  try {
    uploads = await newest("uploads", "/v1/learn/chatlogs");
    if (uploads === null) return;
  } catch (e) {
    error.textContent = e.message;
    resumePolling(); // a running job is still followed once the service answers again
    return;
  }
  error.textContent = "";
  showUploads(Array.isArray(uploads) ? uploads : []);
}

async function poll() {
  state.pollTimer = null;
  if (!state.visible() || document.visibilityState !== "visible") return;
  await loadUploads();
}

/**
 * Show the uploads, newest first. Rows update in place (a button with focus keeps it while a job runs);
 * a job that just finished brings its new candidates and gaps in. Polls again in a second while one runs.
 */
function showUploads(uploads) {
  const body = $("l-uploads");
  const seen = new Set();
  let finished = false;
  const rows = uploads.map((u) => {
    const id = String(u.id);
    seen.add(id);
    let entry = state.uploads.get(id);
    if (!entry) {
      entry = makeRow(u);
      state.uploads.set(id, entry);
    } else if (ACTIVE.has(entry.upload.status) && u.status === "done") {
      finished = true;
    }
    updateRow(entry, u);
    return entry.row;
  });
  for (const [id, entry] of state.uploads) {
    if (!seen.has(id)) {
      entry.row.remove();
      state.uploads.delete(id);
    }
  }
  // append in order; moving a row that holds focus would blur it, so only rows out of place move
  rows.forEach((row, i) => {
    if (body.children[i] !== row) body.insertBefore(row, body.children[i] || null);
  });
  $("l-uploads-empty").hidden = uploads.length > 0;
  $("l-uploads-table").hidden = uploads.length === 0;
  if (finished) {
    loadCandidates();
    loadGaps();
  }
  clearTimeout(state.pollTimer);
  state.pollTimer = null;
  resumePolling();
}

function makeRow(u) {
  const cells = {
    status: h("td", { class: "l-status" }),
    progress: h("progress", { max: "1" }),
    progressText: h("span", { class: "muted small l-progress-text" }),
    result: h("td", { class: "small" }),
    actions: h("td", { class: "actions" }),
    act: null,
  };
  const row = h("tr", { dataset: { id: String(u.id) } },
    h("th", { scope: "row", class: "l-file" }, String(u.filename ?? "")),
    h("td", { class: "small" }, when(u.created_at), u.created_by ? h("span", { class: "muted block" }, String(u.created_by)) : null),
    cells.status,
    h("td", { class: "l-progress" }, cells.progress, cells.progressText),
    cells.result,
    cells.actions);
  cells.progress.setAttribute("aria-label", `${u.filename ?? ""} 的挖掘进度`);
  return { upload: u, row, cells };
}

function updateRow(entry, u) {
  const { cells, row } = entry;
  entry.upload = u;
  row.dataset.status = u.status;
  const name = STATUS_NAMES[u.status] || String(u.status ?? "");
  cells.status.replaceChildren(h("span", { class: `l-state st-${u.status}` }, name));
  if (u.status === "failed" && u.error) cells.status.append(h("span", { class: "l-upload-error block" }, String(u.error)));
  const total = Number(u.total ?? 0);
  const done = Math.min(Number(u.done ?? 0), total);
  if (total > 0) {
    cells.progress.max = total;
    cells.progress.value = u.status === "done" ? total : done;
    cells.progressText.textContent = `${u.status === "done" ? total : done} / ${total}`;
  } else {
    // no total yet (queued): an indeterminate bar while active, an empty one otherwise
    if (ACTIVE.has(u.status)) cells.progress.removeAttribute("value");
    else cells.progress.value = u.status === "done" ? 1 : 0;
    cells.progressText.textContent = u.status === "queued" ? "等待开始" : "";
  }
  cells.result.textContent = u.status === "done" || u.messages
    ? `消息 ${Number(u.messages ?? 0)} 条，会话 ${Number(u.conversations ?? 0)} 个，候选问法 ${Number(u.candidates ?? 0)} 个，缺口 ${Number(u.gaps ?? 0)} 个`
    : "";
  const act = ACTIVE.has(u.status) ? "cancel" : "delete";
  if (cells.act !== act) {
    const hadFocus = cells.actions.contains(document.activeElement);
    const file = String(u.filename ?? "");
    const button = act === "cancel"
      ? h("button", { type: "button", class: "btn small-btn", dataset: { act }, "aria-label": `取消挖掘 ${file}`,
        onclick: (e) => cancelUpload(entry, e.currentTarget) }, "取消")
      : h("button", { type: "button", class: "btn small-btn danger-outline", dataset: { act }, "aria-label": `删除 ${file}`,
        onclick: (e) => deleteUpload(entry, e.currentTarget) }, "删除");
    cells.actions.replaceChildren(button);
    cells.act = act;
    if (hadFocus) button.focus();
  }
}

async function cancelUpload(entry, button) {
  button.disabled = true;
  try {
    const u = await api("POST", `/v1/learn/chatlogs/${encodeURIComponent(entry.upload.id)}/cancel`);
    if (u) updateRow(entry, u);
    // a running job stops at its next check (about a second), and keeps nothing it found
    toast(u?.status === "running" ? `正在停止挖掘 ${entry.upload.filename}，找到的内容不会保留` : `已取消挖掘 ${entry.upload.filename}`,
      { kind: "ok" });
  } catch (e) {
    button.disabled = false;
    toast(e.message, { kind: "error", ms: 8000 });
  }
  loadUploads();
}

async function deleteUpload(entry, button) {
  const file = entry.upload.filename;
  if (!window.confirm(`删除“${file}”？\n从这份聊天记录挖掘出的候选问法、缺口和对话内容都会一并删除（已采纳进话术的示例问题保留）。此操作不能撤销。`)) return;
  button.disabled = true;
  let answer;
  try {
    answer = await api("DELETE", `/v1/learn/chatlogs/${encodeURIComponent(entry.upload.id)}`);
  } catch (e) {
    button.disabled = false;
    toast(e.message, { kind: "error", ms: 8000 });
    return;
  }
  const next = neighbour(entry.row, "#l-uploads tr");
  toast(`已删除“${file}”${answer?.candidates ? `及其中的 ${answer.candidates} 个候选问法` : ""}`, { kind: "ok" });
  await loadUploads();
  (next?.querySelector("button") || $("l-file")).focus();
  loadCandidates();
  loadGaps();
}
