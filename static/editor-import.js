// 导入话术: preview an uploaded file (what it adds, a field-by-field diff of each phrase it changes, the
// rows the rules block), then confirm. Keywords and example questions merge unless 整列替换 is ticked;
// rows with a body the rules block need an explicit 仍然导入. A refused file lists one line per row.

import { $, INTENT_LABELS, h } from "./common.js";
import { api, canWrite, toast } from "./editor-core.js";
import { PHRASE_FIELDS, loadPhrases, phraseList } from "./editor-phrases.js";

const state = { file: null, report: null };
const GENERATED = /^p-[0-9a-f]{8}$/;

export function initImport() {
  $("i-file").addEventListener("change", () => {
    state.file = $("i-file").files[0] || null;
    preview();
  });
  // the diff depends on merge or replace: preview again
  $("i-replace").addEventListener("change", () => preview());
  $("i-apply").addEventListener("click", () => apply({ force: false }));
  $("i-force").addEventListener("click", () => apply({ force: true }));
}

function formFor(file, { force = false } = {}) {
  const form = new FormData();
  form.append("file", file, file.name);
  form.append("replace", $("i-replace").checked ? "true" : "false");
  if (force) form.append("force", "true");
  return form;
}

function setButtons({ apply = false, force = false, why = "" } = {}) {
  const button = $("i-apply");
  button.disabled = !apply || !canWrite();
  button.title = why;
  $("i-force").hidden = !force || !canWrite();
}

async function preview() {
  const file = state.file;
  state.report = null;
  setButtons();
  const out = $("i-preview");
  if (!file) {
    out.replaceChildren();
    return;
  }
  out.replaceChildren(h("p", { class: "muted" }, `正在检查 ${file.name}…`));
  try {
    const report = await api("POST", "/v1/phrases/import?dry_run=true", formFor(file));
    if (state.file !== file) return; // another file was chosen meanwhile
    state.report = report;
    out.replaceChildren(...importReport(report, file.name, true));
    const changes = report.added.length + report.updated.length;
    const blocked = (report.blocked || []).length;
    if (!changes) out.append(h("p", { class: "muted" }, "文件中的话术与现在完全相同，无需导入。"));
    setButtons({
      apply: changes > 0 && !blocked,
      force: changes > 0 && blocked > 0,
      why: blocked ? `有 ${blocked} 行含禁止发送的内容：请改好文件后重新选择，或点「仍然导入」` : "",
    });
  } catch (error) {
    if (state.file === file) out.replaceChildren(...refused(error, file.name));
  }
}

const titleOf = (id) => phraseList().find((p) => p.id === id)?.title;

function importReport(report, name, dryRun) {
  const group = (cls, label, ids, show) => h("section", { class: `imp ${cls}`, dataset: { kind: cls } },
    h("h3", {}, label, h("span", { class: "count" }, String(ids.length))),
    show && ids.length ? h("ul", {}, ids.slice(0, 100).map((id) => h("li", {}, titleOf(id) || "", h("span", { class: "muted small mono" }, GENERATED.test(id) ? "" : ` ${id}`)))) : null,
    show && ids.length > 100 ? h("p", { class: "muted small" }, `… 共 ${ids.length} 条`) : null);
  const blocked = report.blocked || [];
  return [
    h("p", { class: "imp-summary" }, dryRun ? `预览 ${name}（尚未导入）：` : `已导入 ${name}：`,
      String(report.summary || "").replace(/^预览[:：]/, ""),
      report.replace ? "（关键词和示例问题整列替换）" : "（关键词和示例问题与已有的合并）"),
    h("div", { class: "imp-groups" },
      group("added", "新增", report.added || [], report.added?.some((id) => !GENERATED.test(id))),
      group("updated", "修改", report.updated || [], true),
      group("unchanged", "不变", report.unchanged || [], false),
      group("refused", "含违规", blocked.map((b) => b.id), false)),
    blocked.length ? blockedList(blocked, dryRun) : null,
    (report.changes || []).length ? diffList(report.changes) : null,
  ].filter(Boolean);
}

function blockedList(blocked, dryRun) {
  return h("section", { class: "imp-blocked", id: "i-blocked" },
    h("h3", {}, dryRun ? `${blocked.length} 行含禁止发送的内容（客服侧栏会标为「含违规」）：` : `${blocked.length} 行含禁止发送的内容，已按「仍然导入」导入并记入历史：`),
    h("ul", {}, blocked.map((b) => h("li", {},
      h("span", { class: "mono" }, `第 ${b.row} 行`), ` 「${b.title}」：`,
      (b.problems || []).flatMap((p, i) => [i ? "；" : "", p.text ? h("mark", { class: "blocked-text" }, p.text) : null,
        p.text ? "：" : "", String(p.message ?? "")])))));
}

const LABELS = Object.fromEntries(PHRASE_FIELDS.map(([name, label]) => [name, label]));

function shown(field, value) {
  if (field === "intent") return INTENT_LABELS[value] || String(value);
  if (field === "enabled") return value ? "启用" : "停用";
  if (value === null || value === undefined || value === "") return "（空）";
  return String(value);
}

/** A list field's change: items kept, added (marked) and dropped (struck through). */
function listChange(before, after) {
  const old = new Set(before);
  const now = new Set(after);
  const items = [
    ...after.map((item) => old.has(item) ? h("span", { class: "li-kept" }, item) : h("ins", {}, item)),
    ...before.filter((item) => !now.has(item)).map((item) => h("del", {}, item)),
  ];
  return items.length ? items.flatMap((item, i) => (i ? ["、", item] : [item])) : ["（空）"];
}

function diffList(changes) {
  return h("section", { class: "imp-diff", id: "i-diff" },
    h("h3", {}, `将修改的 ${changes.length} 条话术（原来 → 导入后）：`),
    changes.slice(0, 200).map((c) => h("article", { class: "diff-item", dataset: { id: c.id } },
      h("h4", {}, c.title, h("span", { class: "muted small mono" }, GENERATED.test(c.id) ? "" : ` ${c.id}`),
        h("span", { class: "muted small" }, ` 第 ${c.row} 行`)),
      h("table", { class: "tbl diff" },
        h("thead", {}, h("tr", {}, h("th", {}, "字段"), h("th", {}, "原来"), h("th", {}, "导入后"))),
        h("tbody", {}, c.fields.map((f) => Array.isArray(f.after)
          ? h("tr", { dataset: { field: f.field } }, h("th", {}, LABELS[f.field] || f.label),
            h("td", { class: "before" }, (f.before || []).join("、") || "（空）"),
            h("td", { class: "after" }, listChange(f.before || [], f.after)))
          : h("tr", { dataset: { field: f.field } }, h("th", {}, LABELS[f.field] || f.label),
            h("td", { class: "before" }, h("del", {}, shown(f.field, f.before))),
            h("td", { class: "after" }, h("ins", {}, shown(f.field, f.after))))))))),
    changes.length > 200 ? h("p", { class: "muted small" }, `… 共 ${changes.length} 条`) : null);
}

/** A refused file: one line per row (the server's message says the same, so it is not repeated). */
function refused(error, name) {
  const rows = Array.isArray(error.details?.errors) ? error.details.errors : [];
  const blocked = error.code === "phrase_blocked";
  const heading = rows.length
    ? blocked
      ? `${name} 未导入：${rows.length} 行含禁止发送的内容。`
      : `${name} 未导入：${rows.some((r) => !r.row) ? "文件无法读取" : `${rows.length} 行有问题`}，整份文件未做任何修改。`
    : `${name} 未导入：${error.message}`;
  return [
    h("p", { class: "form-error", id: "i-error" }, heading),
    rows.length
      ? h("table", { class: "tbl refused", id: "i-refused" },
        h("thead", {}, h("tr", {}, h("th", {}, "行号"), h("th", {}, "列"), h("th", {}, "原因"))),
        h("tbody", {}, rows.map((r) => h("tr", {},
          h("td", { class: "mono" }, r.row ? `第 ${r.row} 行` : "整个文件"),
          h("td", {}, String(r.column ?? "")),
          h("td", {}, String(r.reason ?? r.message ?? ""))))))
      : null,
    h("p", { class: "muted small" }, blocked
      ? "请在表格中改好这些行再重新选择文件；确需原样导入，请点「仍然导入」。"
      : "导入是整份文件一起生效的：请在表格中改好这些行，再重新选择文件。"),
  ].filter(Boolean);
}

async function apply({ force }) {
  const file = state.file;
  if (!file) return;
  setButtons();
  try {
    const report = await api("POST", "/v1/phrases/import", formFor(file, { force }));
    await loadPhrases();
    $("i-preview").replaceChildren(...importReport(report, file.name, false));
    toast(`导入完成：${report.summary}`, { kind: "ok" });
    $("i-file").value = "";
    state.file = null;
  } catch (error) {
    $("i-preview").replaceChildren(...refused(error, file.name));
    setButtons({ force: error.code === "phrase_blocked" });
  }
}
