// 统计: what agents trip on and how replies went out, drawn as small SVG charts by our own code.

import { $, h, s } from "./common.js";
import { api, canWrite } from "./editor-core.js";

const VERDICT_COLOURS = { ok: "#22a355", warn: "#c27400", block: "#c0262d" };
const VERDICT_NAMES = { ok: "可发送", warn: "建议修改", block: "禁止发送" };
let openPhrase = () => {};

function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function initStats(open) {
  openPhrase = open;
  // "to" stays empty (= up to now): the server counts days in the shop's time zone, which may
  // already be tomorrow compared with this browser's clock
  const today = new Date();
  $("s-from").value = isoDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 30));
  $("s-to").title = "留空表示到今天为止";
  $("s-form").addEventListener("submit", (e) => {
    e.preventDefault();
    loadStats();
  });
  for (const id of ["s-from", "s-to", "s-agent"]) $(id).addEventListener("change", updateCsvLink);
  updateCsvLink();
}

function query() {
  const params = new URLSearchParams();
  const from = $("s-from").value;
  const to = $("s-to").value;
  const agent = $("s-agent").value.trim();
  if (from) params.set("from", from);
  if (to) params.set("to", to);
  if (agent) params.set("agent", agent);
  const text = params.toString();
  return text ? `?${text}` : "";
}

function updateCsvLink() {
  $("s-csv").href = `/v1/stats/export.csv${query()}`;
}

export async function loadStats() {
  const out = $("s-out");
  const error = $("s-error");
  error.textContent = "";
  updateCsvLink();
  if (!canWrite()) {
    out.replaceChildren(h("p", { class: "muted pane-empty" }, "统计仅主管/管理员可见。"));
    return;
  }
  let stats;
  try {
    stats = await api("GET", `/v1/stats${query()}`);
  } catch (e) {
    error.textContent = e.message;
    return;
  }
  out.replaceChildren(...render(stats));
}

function card(label, value, note, cls = "") {
  return h("div", { class: `kpi ${cls}` }, h("div", { class: "kpi-label" }, label), h("div", { class: "kpi-value" }, value),
    note ? h("div", { class: "kpi-note muted small" }, note) : null);
}

const pct = (n, total) => (total ? `${Math.round((n / total) * 1000) / 10}%` : "—");

function render(stats) {
  const sent = stats.sent || { total: 0, ok: 0, warn: 0, block: 0 };
  const reply = stats.reply_time || { median_s: null, count: 0 };
  const median = reply.median_s === null || reply.median_s === undefined ? "—" : `${Math.round(reply.median_s * 10) / 10} 秒`;
  const rules = stats.rules || [];
  const used = stats.phrases?.used || [];
  const never = stats.phrases?.never_used || [];
  return [
    h("div", { class: "kpis" },
      card("发出的回复", String(sent.total), stats.agent ? `客服 ${stats.agent}` : "全部客服"),
      card("可发送", String(sent.ok), pct(sent.ok, sent.total), "k-ok"),
      card("建议修改", String(sent.warn), pct(sent.warn, sent.total), "k-warn"),
      card("禁止发送(仍发出)", String(sent.block), pct(sent.block, sent.total), "k-block"),
      card("回复时间中位数", median, `${reply.count || 0} 次回复`)),
    h("div", { class: "stats-grid" },
      h("section", { class: "box chart-box" },
        h("h2", {}, "客服最常触发的规则"),
        h("p", { class: "muted small" }, "发出的回复中触发每条规则的次数,多的在前"),
        rules.length
          ? barChart(rules.slice(0, 12).map((r) => ({ label: r.message || r.rule, sub: r.rule, value: r.count,
            title: `${r.rule}:${r.message}\n${Object.entries(r.by_agent || {}).map(([a, n]) => `客服 ${a}: ${n}`).join("\n")}` })), "#c0262d", "rules")
          : h("p", { class: "muted pane-empty" }, "这段时间没有触发任何规则。")),
      h("section", { class: "box chart-box" },
        h("h2", {}, "发出的回复 · 按检查结果"),
        verdictBar(sent),
        h("h2", { class: "mt" }, "最常用的话术"),
        used.length
          ? barChart(used.slice(0, 10).map((p) => ({ label: p.title, sub: p.id, value: p.count, title: `${p.title}(${p.id})`, onclick: () => openPhrase(p.id) })), "#1459c7", "phrases")
          : h("p", { class: "muted pane-empty" }, "这段时间没有使用话术的记录。")),
      h("section", { class: "box never" },
        h("h2", {}, `从未使用的话术 · ${never.length} 条`),
        h("p", { class: "muted small" }, "启用中但这段时间没人用过:考虑改写示例问题,或停用"),
        h("ul", { class: "never-list" }, never.slice(0, 200).map((p) =>
          h("li", {}, h("button", { type: "button", class: "btn link-dark", onclick: () => openPhrase(p.id) }, p.title),
            h("span", { class: "muted small mono" }, p.id)))))),
  ];
}

/** A horizontal bar chart: one row per item, label on the left, bar and count on the right. */
function barChart(items, colour, name) {
  const rowH = 30;
  const labelW = 250;
  const barW = 300;
  const width = labelW + barW + 50;
  const height = items.length * rowH + 4;
  const max = Math.max(1, ...items.map((i) => i.value));
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "data-chart": name,
    "aria-label": items.map((i) => `${i.label} ${i.value}`).join(";") });
  items.forEach((item, k) => {
    const y = k * rowH + 2;
    const w = Math.max(2, Math.round((item.value / max) * barW));
    const label = Array.from(String(item.label));
    const short = label.length > 17 ? `${label.slice(0, 16).join("")}…` : label.join("");
    const g = s("g", { class: `bar${item.onclick ? " clickable" : ""}` },
      s("title", {}, item.title || item.label),
      s("text", { x: labelW - 8, y: y + 13, "text-anchor": "end", class: "bar-label" }, short),
      s("text", { x: labelW - 8, y: y + 25, "text-anchor": "end", class: "bar-sub" }, item.sub || ""),
      s("rect", { x: labelW, y: y + 5, width: w, height: rowH - 12, rx: 3, fill: colour }),
      s("text", { x: labelW + w + 6, y: y + 19, class: "bar-value" }, String(item.value)));
    if (item.onclick) g.addEventListener("click", item.onclick);
    svg.append(g);
  });
  return svg;
}

/** One stacked bar of ok / warn / block with a legend. */
function verdictBar(sent) {
  const width = 600;
  const total = sent.total || 0;
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} 56`, width: "100%", role: "img", "data-chart": "verdicts",
    "aria-label": `可发送 ${sent.ok},建议修改 ${sent.warn},禁止发送 ${sent.block}` });
  if (!total) {
    svg.append(s("rect", { x: 0, y: 4, width, height: 22, rx: 4, fill: "#e5e7eb" }),
      s("text", { x: width / 2, y: 19, "text-anchor": "middle", class: "bar-sub" }, "还没有发出的回复"));
    return svg;
  }
  let x = 0;
  let lx = 0;
  for (const key of ["ok", "warn", "block"]) {
    const n = sent[key] || 0;
    const w = (n / total) * width;
    if (w > 0) svg.append(s("rect", { x, y: 4, width: w, height: 22, fill: VERDICT_COLOURS[key] }, s("title", {}, `${VERDICT_NAMES[key]} ${n}`)));
    x += w;
    svg.append(s("rect", { x: lx, y: 38, width: 10, height: 10, rx: 2, fill: VERDICT_COLOURS[key] }),
      s("text", { x: lx + 14, y: 47, class: "bar-sub" }, `${VERDICT_NAMES[key]} ${n}(${pct(n, total)})`));
    lx += 190;
  }
  return svg;
}
