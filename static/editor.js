// The team lead's editor at /editor: log in, then curate phrases and shop rules, try messages on the
// test bench, import/export the phrasebank, read the stats and learn from the team's conversations. Every piece of data reaches the DOM
// as text (textContent / text nodes), never as HTML.

import { $, INTENT_LABELS, h, isTextField } from "./common.js";
import { ApiError, api, canWrite, session, toast } from "./editor-core.js";
import { ROLE_NAMES, loadMeta } from "./meta.js";
import { fillChoices, hasUnsaved, initPhrases, loadPhrases, maybeReload, openNewPhrase, openPhrase, save as savePhrase } from "./editor-phrases.js";
import { initLearn, leaveLearn, loadLearn } from "./editor-learn.js";
import { initImport } from "./editor-import.js";
import { fillKinds, initRules, loadRules, openRule } from "./editor-rules.js";
import { initStats, loadStats } from "./editor-stats.js";
import { initTrash } from "./editor-trash.js";

const TABS = ["phrases", "bench", "rules", "io", "stats", "learn"];
const LEAD_TABS = new Set(["learn"]); // the learning routes are for leads and admins only
let currentTab = null;

/** The tabs this user may open, in order. */
const openTabs = () => TABS.filter((name) => canWrite() || !LEAD_TABS.has(name));

// ---------------------------------------------------------------- login

function showLogin(message = "") {
  session.user = null;
  session.csrf = null;
  document.body.dataset.auth = "out";
  for (const id of ["tabs", "who", "logout", "help-btn", "readonly-note"]) $(id).hidden = true;
  for (const view of document.querySelectorAll(".view")) view.hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = message;
  $("login-password").value = "";
  ($("login-name").value ? $("login-password") : $("login-name")).focus();
}

async function login(e) {
  e.preventDefault();
  const name = $("login-name").value.trim();
  const password = $("login-password").value;
  const error = $("login-error");
  if (!name || !password) {
    error.textContent = "请输入用户名和密码";
    return;
  }
  error.textContent = "";
  $("login-submit").disabled = true;
  try {
    const answer = await api("POST", "/v1/auth/login", { name, password }, { quiet401: true });
    await loggedIn(answer.user, answer.csrf_token);
  } catch (err) {
    // the server words 401 (wrong password), 429 (too many attempts) and 403 (disabled) in Chinese
    error.textContent = err.message;
    $("login-password").select();
  } finally {
    $("login-submit").disabled = false;
  }
}

async function loggedIn(user, csrf) {
  // the login form (or nothing) held focus: after it hides, focus goes to the page's first field
  // rather than being lost on <body>, so a keyboard user can start at once
  const fromLogin = $("login-view").contains(document.activeElement) || document.activeElement === document.body;
  // the names of intents, groups, kinds and roles: with COPILOT_REQUIRE_LOGIN only readable from now on
  if (!(await loadMeta())) toast("无法读取意图、分组等名称，部分内容将显示为英文代码；请刷新页面重试", { kind: "error", ms: 8000 });
  fillChoices();
  fillKinds();
  session.user = user;
  session.csrf = csrf;
  document.body.dataset.auth = "in";
  document.body.classList.toggle("readonly", !canWrite());
  $("login-view").hidden = true;
  $("tabs").hidden = false;
  $("help-btn").hidden = false;
  $("logout").hidden = false;
  const who = $("who");
  who.hidden = false;
  who.replaceChildren(h("span", { class: "who-name" }, user.name), h("span", { class: "chip role" }, ROLE_NAMES[user.role] || user.role));
  $("readonly-note").hidden = canWrite();
  loadPhrases();
  loadRules();
  showTab(openTabs().includes(location.hash.slice(1)) ? location.hash.slice(1) : "phrases");
  if (fromLogin) focusFirstField();
}

/** Focus the first visible, usable field of the open tab. */
function focusFirstField() {
  const view = $(`view-${currentTab}`);
  const fields = view ? view.querySelectorAll("input:not([type=hidden]), textarea, select") : [];
  Array.from(fields).find((f) => !f.disabled && f.offsetParent !== null)?.focus();
}

async function logout() {
  if (hasUnsaved() && !$("logout").dataset.confirm) {
    $("logout").dataset.confirm = "1";
    toast("有未保存的修改，退出会丢失。再点一次“退出”确认。", { kind: "error", ms: 6000 });
    setTimeout(() => delete $("logout").dataset.confirm, 6000);
    return;
  }
  try {
    await api("POST", "/v1/auth/logout");
  } catch {
    // the session may already be gone: the login form is what the user wants either way
  }
  location.hash = "";
  location.reload();
}

// ---------------------------------------------------------------- tabs

/** The tabs and their panels as a WAI-ARIA tab list: each tab controls its view, each view is its tabpanel. */
function wireTabs() {
  for (const tab of document.querySelectorAll(".tab")) {
    const view = $(`view-${tab.dataset.tab}`);
    tab.id = `tab-${tab.dataset.tab}`;
    tab.setAttribute("aria-controls", view.id);
    view.setAttribute("role", "tabpanel");
    view.setAttribute("aria-labelledby", tab.id);
    tab.addEventListener("click", () => showTab(tab.dataset.tab));
  }
  // ←/→ (Home/End) move between tabs; only the selected tab is in the Tab order (a roving tabindex)
  $("tabs").addEventListener("keydown", (e) => {
    const tabs = openTabs();
    const at = tabs.indexOf(currentTab);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    showTab(tabs[(to + tabs.length) % tabs.length]);
    $(`tab-${currentTab}`).focus();
  });
}

function showTab(name) {
  if (!openTabs().includes(name)) return;
  currentTab = name;
  for (const tab of document.querySelectorAll(".tab")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
    tab.tabIndex = tab.dataset.tab === name ? 0 : -1;
  }
  for (const view of document.querySelectorAll(".view")) view.hidden = view.dataset.view !== name;
  history.replaceState(null, "", `#${name}`);
  if (name === "phrases") maybeReload();
  if (name === "rules") loadRules();
  if (name === "stats") loadStats();
  if (name === "bench") $("b-message").focus();
  if (name === "learn") loadLearn();
  else leaveLearn();
}

// ---------------------------------------------------------------- test bench

async function runBench(e) {
  e?.preventDefault();
  const message = $("b-message").value.trim();
  const error = $("b-error");
  error.textContent = "";
  if (!message) {
    error.textContent = "请输入一条顾客消息";
    return;
  }
  const history = $("b-history").value.split("\n").map((t) => t.trim()).filter(Boolean).map((text) => ({ role: "customer", text }));
  let answer;
  try {
    answer = await api("POST", "/v1/suggest", { message, history, limit: Number($("b-limit").value) });
  } catch (err) {
    error.textContent = err.message;
    return;
  }
  renderBench(message, answer);
}

function renderBench(message, a) {
  const intents = Array.isArray(a.intents) ? a.intents : [];
  const suggestions = Array.isArray(a.suggestions) ? a.suggestions : [];
  const hints = Array.isArray(a.hints) ? a.hints : [];
  const parts = [
    h("section", { class: "box" },
      h("h3", {}, "顾客消息"),
      h("p", { class: "bench-msg" }, message),
      h("h3", {}, "识别的意图"),
      h("div", { class: "bench-intents", id: "b-intents" }, intents.length ? intents.map((i) =>
        h("span", { class: "chip", dataset: { intent: i.id } }, INTENT_LABELS[i.id] || i.id,
          h("span", { class: "score" }, ` ${Math.round((i.score ?? 0) * 100)}%`))) : h("span", { class: "muted" }, "无"))),
  ];
  if (a.complaint_type || hints.length) {
    parts.push(h("section", { class: "hints bench-hints", id: "b-complaint" },
      h("h3", {}, h("span", { class: "hint-badge" }, "情绪"), " ", a.complaint_type || "处理提示"),
      h("ol", {}, hints.map((step) => h("li", {}, step)))));
  }
  parts.push(h("section", { class: "box" },
    h("h3", {}, `推荐话术（客服侧栏按此顺序显示，按 1–${Math.min(9, suggestions.length || 1)} 插入）`),
    suggestions.length
      ? h("ol", { class: "bench-list", id: "b-suggestions" }, suggestions.map((sug, i) => h("li", { class: "card bench-card", dataset: { phrase: String(sug.id ?? "") } },
        h("div", { class: "card-head" },
          h("kbd", { class: "key" }, String(i + 1)),
          h("span", { class: "card-title" }, String(sug.title ?? "")),
          h("span", { class: "chip", dataset: { intent: String(sug.intent ?? "") } }, INTENT_LABELS[sug.intent] || String(sug.intent ?? "")),
          h("span", { class: "chip group" }, String(sug.group ?? "")),
          sug.shortcut ? h("span", { class: "shortcut" }, `/${sug.shortcut}`) : null,
          h("span", { class: "score-badge", title: "匹配分数" }, `分数 ${Number(sug.score ?? 0).toFixed(2)}`)),
        h("p", { class: "card-text" }, String(sug.text ?? "")),
        h("div", { class: "bench-foot" },
          h("span", { class: "muted small" }, "命中："),
          (Array.isArray(sug.matched) && sug.matched.length ? sug.matched : ["（按意图推荐）"]).map((m) => h("span", { class: "matched" }, String(m))),
          h("span", { class: "spacer" }),
          sug.id ? h("button", { type: "button", class: "btn small-btn", onclick: () => {
            showTab("phrases");
            openPhrase(String(sug.id));
          } }, "打开这条话术") : null))))
      : h("p", { class: "muted" }, "没有合适的话术：客服侧栏会提示手动回复。可以新建一条话术，把这句话加进示例问题。")));
  $("b-out").replaceChildren(...parts);
}

// ---------------------------------------------------------------- keyboard

function onKeydown(e) {
  if (e.isComposing || e.keyCode === 229 || !session.user) return;
  if ($("history").open || $("trash").open) return; // the dialog handles Esc itself
  const inText = isTextField(e.target);
  if (e.altKey && !e.ctrlKey && !e.metaKey && /^Digit[1-6]$/.test(e.code)) {
    e.preventDefault();
    showTab(TABS[Number(e.code.slice(5)) - 1]);
    return;
  }
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
    e.preventDefault();
    if (currentTab === "phrases") savePhrase();
    else if (currentTab === "rules" && !$("r-form").hidden) $("r-form").requestSubmit();
    return;
  }
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && currentTab === "bench") {
    e.preventDefault();
    runBench();
    return;
  }
  if (e.altKey && e.code === "KeyF" && currentTab === "phrases") {
    e.preventDefault();
    $("f-fix-all").click();
    return;
  }
  if (e.key === "Escape") {
    if (!$("help").hidden) toggleHelp(false);
    else if (inText) e.target.blur();
    return;
  }
  if (inText || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "/") {
    e.preventDefault();
    if (currentTab !== "phrases") showTab("phrases");
    $("p-search").focus();
    $("p-search").select();
  } else if (e.key === "n" || e.key === "N") {
    if (!canWrite()) return;
    e.preventDefault();
    if (currentTab === "rules") openRule(null);
    else {
      if (currentTab !== "phrases") showTab("phrases");
      $("p-new").click();
    }
  } else if (e.key === "?") {
    e.preventDefault();
    toggleHelp();
  } else if ((e.key === "ArrowDown" || e.key === "ArrowUp") && currentTab === "phrases") {
    // the list moves itself when it has focus (its own handler ran before this one): moving it
    // again here made ↓ skip a row
    if ($("p-list").contains(e.target)) return;
    e.preventDefault();
    $("p-list").focus();
    $("p-list").dispatchEvent(new KeyboardEvent("keydown", { key: e.key }));
  }
}

function toggleHelp(open = $("help").hidden) {
  $("help").hidden = !open;
  $("help-btn").setAttribute("aria-expanded", String(open));
}

// ---------------------------------------------------------------- wiring

async function boot() {
  initPhrases();
  initRules();
  initStats((id) => {
    showTab("phrases");
    openPhrase(id);
  });
  initTrash(async (phrase) => {
    showTab("phrases");
    await loadPhrases();
    openPhrase(phrase.id);
  });
  session.onLoggedOut = (message) => showLogin(`${message}（未保存的修改仍保留在本页，重新登录后可以继续保存）`);
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("help-btn").addEventListener("click", () => toggleHelp());
  wireTabs();
  $("b-form").addEventListener("submit", runBench);
  $("b-message").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229 && !e.ctrlKey) {
      e.preventDefault();
      runBench();
    }
  });
  initImport();
  initLearn({
    visible: () => currentTab === "learn" && session.user !== null,
    newPhrase: (values, onCreated, note) => {
      showTab("phrases");
      openNewPhrase(values, onCreated, note);
    },
  });
  $("history-close").addEventListener("click", () => $("history").close());
  document.addEventListener("keydown", onKeydown);
  window.addEventListener("focus", () => {
    if (session.user && currentTab === "phrases") maybeReload();
  });
  try {
    const me = await api("GET", "/v1/auth/me", undefined, { quiet401: true });
    await loggedIn(me.user, me.csrf_token);
  } catch (error) {
    showLogin(error instanceof ApiError && error.code === "session_expired" ? "登录已过期，请重新登录" : "");
  }
}

boot();

// for tests and debugging in the console
window.kefuEditor = { session };
