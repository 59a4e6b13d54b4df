// 统计: the per-agent table and the by-day chart (everyone: an agent sees only their own row), and for leads
// what agents trip on and how replies went out, drawn as small SVG charts by our own code.

import { $, h, s } from "./common.js";
import { api, canWrite } from "./editor-core.js";

// Every colour a chart draws data with is at least 3:1 against white, and every bar is labelled with its value.
const VERDICT_COLOURS = { ok: "#1a7f43", warn: "#b26a00", block: "#c0262d" };
const VERDICT_NAMES = { ok: "可发送", warn: "建议修改", block: "禁止发送" };
const SERIES = [
  { key: "answered", name: "回复数", colour: "#1459c7" },
  { key: "rule_hits", name: "规则触发", colour: "#7c3aed" },
];
const LABELLED_DAYS = 31; // up to a month every bar carries its number; beyond, the table below the chart does
let openPhrase = () => {};

export function initStats(open) {
  openPhrase = open;
  // Both dates start empty: the server fills in the last 7 days of the shop's time zone (which may already
  // be tomorrow compared with this browser's clock) and the answer writes "from" back into the form.
  $("s-to").title = "留空表示到今天为止（按店铺时区）";
  $("s-form").addEventListener("submit", (e) => {
    e.preventDefault();
    loadStats();
  });
  for (const id of ["s-from", "s-to", "s-agent"]) $(id).addEventListener("change", updateCsvLink);
  updateCsvLink();
}

function query({ agent = true } = {}) {
  const params = new URLSearchParams();
  const from = $("s-from").value;
  const to = $("s-to").value;
  const who = canWrite() && agent ? $("s-agent").value.trim() : "";
  if (from) params.set("from", from);
  if (to) params.set("to", to);
  if (who) params.set("agent", who);
  const text = params.toString();
  return text ? `?${text}` : "";
}

function updateCsvLink() {
  $("s-csv").href = `/v1/stats/export.csv${query()}`;
  for (const what of ["agents", "days"]) {
    const link = $(`s-${what}-csv`);
    if (link) link.href = `/v1/stats/${what}/export.csv${query()}`;
  }
}

function dateError(e) {
  const field = e.details?.[0]?.field;
  for (const id of ["s-from", "s-to"]) $(id).removeAttribute("aria-invalid");
  if (field === "from" || field === "to") $(`s-${field}`).setAttribute("aria-invalid", "true");
}

export async function loadStats() {
  const out = $("s-out");
  const error = $("s-error");
  const lead = canWrite();
  error.textContent = "";
  // An agent reads only their own figures and exports nothing (the server refuses them the CSV too).
  $("s-csv").hidden = !lead;
  $("s-agent").hidden = !lead;
  $("s-agent-label").hidden = !lead;
  let team;
  let stats = null;
  try {
    team = await api("GET", `/v1/stats/agents${query()}`);
    if (!$("s-from").value) $("s-from").value = team.from;
    updateCsvLink();
    if (lead) stats = await api("GET", `/v1/stats${query()}`);
  } catch (e) {
    error.textContent = e.message;
    dateError(e);
    out.replaceChildren(); // figures of the previous range must not pass for this one
    return;
  }
  dateError({});
  out.replaceChildren(...(stats ? [renderSummary(stats)] : []), ...renderTeam(team, lead), ...(stats ? renderLead(stats) : []));
}

function card(label, value, note, cls = "") {
  return h("div", { class: `kpi ${cls}` }, h("div", { class: "kpi-label" }, label), h("div", { class: "kpi-value" }, value),
    note ? h("div", { class: "kpi-note muted small" }, note) : null);
}

const pct = (n, total) => (total ? `${Math.round((n / total) * 1000) / 10}%` : "—");

function renderSummary(stats) {
  const sent = stats.sent || { total: 0, ok: 0, warn: 0, block: 0 };
  const reply = stats.reply_time || { median_s: null, count: 0 };
  const median = reply.median_s === null || reply.median_s === undefined ? "—" : `${Math.round(reply.median_s * 10) / 10} 秒`;
  return h("div", { class: "kpis" },
      card("发出的回复", String(sent.total), stats.agent ? `客服 ${stats.agent}` : "全部客服"),
      card("可发送", String(sent.ok), pct(sent.ok, sent.total), "k-ok"),
      card("建议修改", String(sent.warn), pct(sent.warn, sent.total), "k-warn"),
      card("禁止发送（仍发出）", String(sent.block), pct(sent.block, sent.total), "k-block"),
      card("回复时间中位数", median, `${reply.count || 0} 次回复`));
}

function renderLead(stats) {
  const sent = stats.sent || { total: 0, ok: 0, warn: 0, block: 0 };
  const rules = stats.rules || [];
  const used = stats.phrases?.used || [];
  const never = stats.phrases?.never_used || [];
  return [
    h("div", { class: "stats-grid" },
      h("section", { class: "box chart-box" },
        h("h2", {}, "客服最常触发的规则"),
        h("p", { class: "muted small" }, "发出的回复中触发每条规则的次数，多的在前"),
        rules.length
          ? barChart(rules.slice(0, 12).map((r) => ({ label: r.message || r.rule, sub: r.rule, value: r.count,
            title: `${r.rule}：${r.message}\n${Object.entries(r.by_agent || {}).map(([a, n]) => `客服 ${a}：${n}`).join("\n")}` })), "#c0262d", "rules")
          : h("p", { class: "muted pane-empty" }, "这段时间没有触发任何规则。")),
      h("section", { class: "box chart-box" },
        h("h2", {}, "发出的回复 · 按检查结果"),
        verdictBar(sent),
        h("h2", { class: "mt" }, "最常用的话术"),
        used.length
          ? barChart(used.slice(0, 10).map((p) => ({ label: p.title, sub: p.id, value: p.count, title: `${p.title}（${p.id}）`, onclick: () => openPhrase(p.id) })), "#1459c7", "phrases")
          : h("p", { class: "muted pane-empty" }, "这段时间没有使用话术的记录。")),
      h("section", { class: "box never" },
        h("h2", {}, `从未使用的话术 · ${never.length} 条`),
        h("p", { class: "muted small" }, "启用中但这段时间没人用过：考虑改写示例问题，或停用"),
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
    "aria-label": items.map((i) => `${i.label} ${i.value}`).join("；") });
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
    "aria-label": `可发送 ${sent.ok}，建议修改 ${sent.warn}，禁止发送 ${sent.block}` });
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
      s("text", { x: lx + 14, y: 47, class: "bar-sub" }, `${VERDICT_NAMES[key]} ${n}（${pct(n, total)}）`));
    lx += 190;
  }
  return svg;
}

// ---------------------------------------------------------------- per agent, by day

const seconds = (ms) => (ms === null || ms === undefined ? "—" : `${(ms / 1000).toFixed(1)} 秒`);

function renderTeam(team, lead) {
  const names = Object.fromEntries((team.classes || []).map((c) => [c.id, c.name]));
  const hitClasses = (team.classes || []).map((c) => c.id)
    .filter((id) => team.agents.some((a) => a.rule_hits.by_class[id]));
  const range = `${team.from} 至 ${team.to}（${team.timezone}）`;
  const exportLink = (what, label) => (lead
    ? h("a", { class: "btn small-btn", id: `s-${what}-csv`, href: `/v1/stats/${what}/export.csv${query()}`, download: "" }, label)
    : null);
  const pick = (agent) => {
    $("s-agent").value = agent;
    loadStats();
  };
  const table = team.agents.length
    ? h("div", { class: "table-scroll" }, h("table", { class: "tbl agent-table", id: "s-agents" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, "客服"), h("th", { scope: "col", class: "num" }, "回复数"),
        h("th", { scope: "col", class: "num" }, "回复时间中位数"), h("th", { scope: "col", class: "num" }, "回复时间 P90"),
        h("th", { scope: "col", class: "num" }, "规则触发"),
        hitClasses.map((id) => h("th", { scope: "col", class: "num" }, names[id] || id)),
        h("th", { scope: "col", class: "num" }, "使用话术"))),
      h("tbody", {}, team.agents.map((a) => h("tr", { dataset: { agent: a.agent } },
        h("th", { scope: "row" }, lead && !team.agent
          ? h("button", { type: "button", class: "btn link-dark", title: "只看这位客服", onclick: () => pick(a.agent) }, a.agent)
          : a.agent),
        h("td", { class: "num" }, String(a.answered)),
        h("td", { class: "num", title: `${a.reply_time.count} 次计时回复` }, seconds(a.reply_time.median_ms)),
        h("td", { class: "num" }, seconds(a.reply_time.p90_ms)),
        h("td", { class: "num" }, String(a.rule_hits.total)),
        hitClasses.map((id) => h("td", { class: "num" }, String(a.rule_hits.by_class[id] || 0))),
        h("td", { class: "num" }, String(a.used)))))))
    : h("p", { class: "muted pane-empty" }, "这段时间没有客服回复或使用话术的记录。");
  return [
    h("section", { class: "box team-box" },
      h("div", { class: "box-head" },
        h("h2", {}, team.agent && !lead ? "我的统计" : "客服明细"),
        h("span", { class: "muted small" }, range),
        h("span", { class: "spacer" }),
        exportLink("agents", "导出客服明细 CSV")),
      h("p", { class: "muted small" },
        "回复时间：从顾客第一条未回复的消息到客服发出回复；P90 表示 90% 的回复在此时间内发出。规则触发按规则类别统计。"),
      table),
    h("section", { class: "box team-box" },
      h("div", { class: "box-head" },
        h("h2", {}, "每日趋势"),
        h("span", { class: "muted small" }, team.agent ? `客服 ${team.agent}` : "全部客服"),
        h("span", { class: "spacer" }),
        exportLink("days", "导出每日 CSV")),
      dayChart(team.days),
      dayTable(team.days)),
  ];
}

/** Grouped columns per day (回复数 left, 规则触发 right), each labelled with its value while they fit. */
function dayChart(days) {
  const width = 1100; // about the width it is drawn at, so its text keeps its size
  const top = 22;
  const plotH = 160;
  const height = top + plotH + 48;
  const left = 8;
  const groupW = (width - left * 2) / Math.max(1, days.length);
  const barW = Math.max(1, Math.min(26, groupW * 0.38));
  const max = Math.max(1, ...days.flatMap((d) => SERIES.map((series) => d[series.key])));
  const labelled = days.length <= LABELLED_DAYS;
  const every = Math.ceil(days.length / 12);
  const svg = s("svg", { class: "chart day-chart", viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img",
    "data-chart": "days",
    "aria-label": `每日回复数与规则触发：${days.map((d) => `${d.day} 回复 ${d.answered}，触发 ${d.rule_hits}`).join("；")}` });
  svg.append(s("line", { x1: left, x2: width - left, y1: top + plotH, y2: top + plotH, class: "axis" }));
  days.forEach((d, k) => {
    const x0 = left + k * groupW + (groupW - barW * 2 - 2) / 2;
    const g = s("g", { class: "day", "data-day": d.day },
      s("title", {}, `${d.day}：回复 ${d.answered}，规则触发 ${d.rule_hits}`));
    SERIES.forEach((series, i) => {
      const value = d[series.key];
      const barH = value ? Math.max(2, Math.round((value / max) * plotH)) : 0;
      const x = x0 + i * (barW + 2);
      g.append(s("rect", { x, y: top + plotH - barH, width: barW, height: barH, fill: series.colour, "data-series": series.key }));
      if (labelled) {
        g.append(s("text", { x: x + barW / 2, y: top + plotH - barH - 4, "text-anchor": "middle", class: "bar-value small-value" },
          String(value)));
      }
    });
    if (k % every === 0) {
      g.append(s("text", { x: left + k * groupW + groupW / 2, y: top + plotH + 16, "text-anchor": "middle", class: "bar-sub" },
        d.day.slice(5)));
    }
    svg.append(g);
  });
  let lx = left;
  for (const series of SERIES) {
    svg.append(s("rect", { x: lx, y: height - 14, width: 10, height: 10, rx: 2, fill: series.colour }),
      s("text", { x: lx + 14, y: height - 5, class: "bar-sub" }, series.name));
    lx += 90;
  }
  svg.append(s("text", { x: lx, y: height - 5, class: "bar-sub" }, "（每天左列为回复数，右列为规则触发）"));
  return svg;
}

/** The chart's figures as a table, for reading exact numbers and for screen readers. */
function dayTable(days) {
  return h("details", { class: "day-data" },
    h("summary", {}, "按日数据"),
    h("table", { class: "tbl" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "日期"),
        SERIES.map((series) => h("th", { scope: "col", class: "num" }, series.name)))),
      h("tbody", {}, days.map((d) => h("tr", {}, h("th", { scope: "row" }, d.day),
        SERIES.map((series) => h("td", { class: "num" }, String(d[series.key]))))))));
}
