// A textarea linted live through POST /v1/lint, drawn like the sidebar's draft: the same backdrop
// underlines (severity classes), the same problem list with one-click fixes. Offsets are code points
// and cross into the DOM through offsets.js, so an emoji never shifts an underline.

import { CATEGORY_NAMES, SEVERITY_NAMES, VERDICTS, h } from "./common.js";
import { api } from "./editor-core.js";
import { CodePointText, placeable, remapDiagnostics } from "./offsets.js";

const DEBOUNCE_MS = 120;
// How often a field with text asks whether the rules changed (a lead saving a rule in another tab or
// on another worker): the verdict shown must never be older than the rules in force by much.
const RULES_POLL_MS = 1000;

export class LintedField {
  constructor({ textarea, backdrop, backdropText, diags, verdict, fixAll, editor }) {
    Object.assign(this, { textarea, backdrop, backdropText, diags, verdict, fixAll, editor });
    this.seq = 0;
    this.sent = { seq: 0, text: null };
    this.lint = null; // {seq, text, verdict, diagnostics, fixed}
    this.view = [];
    this.timer = null;
    this.composing = false;
    textarea.addEventListener("input", () => this.onInput());
    textarea.addEventListener("compositionstart", () => (this.composing = true));
    textarea.addEventListener("compositionend", () => {
      this.composing = false;
      this.schedule();
    });
    textarea.addEventListener("scroll", () => this.syncScroll());
    fixAll.addEventListener("click", () => this.applyAll());
    new ResizeObserver(() => this.autoGrow()).observe(editor);
    this.polling = false;
    setInterval(() => this.pollRules(), RULES_POLL_MS);
  }

  /**
   * Re-lint when the rules moved past the version the shown verdict was linted under. /healthz is
   * cheap (no database); versions are one counter shared by every worker, so a lint answered by a
   * worker still on the old rules is simply re-linted at the next poll.
   */
  async pollRules() {
    if (this.polling || this.composing || this.textarea.value.trim() === "" || !this.textarea.offsetParent) return;
    if (!this.current || !Number.isFinite(this.lint.rulesVersion)) return;
    this.polling = true;
    try {
      const health = await api("GET", "/healthz", undefined, { quiet401: true });
      const version = Number(health?.rules_version);
      if (this.current && Number.isFinite(version) && version > this.lint.rulesVersion) this.send();
    } catch {
      // the server is away: the verdict stays as it was, the next poll tries again
    } finally {
      this.polling = false;
    }
  }

  /** Set the text from outside (opening a phrase): lint at once, no debounce. */
  set(text) {
    this.textarea.value = text;
    this.lint = null;
    this.autoGrow();
    this.send();
  }

  onInput() {
    this.autoGrow();
    this.refresh();
    if (!this.composing) this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.send(), DEBOUNCE_MS);
  }

  async send() {
    clearTimeout(this.timer);
    const text = this.textarea.value;
    const seq = ++this.seq;
    this.sent = { seq, text };
    if (text.trim() === "") {
      this.lint = { seq, text, verdict: "ok", diagnostics: [], fixed: text };
      this.refresh();
      return;
    }
    this.refresh();
    try {
      const meta = {};
      const result = await api("POST", "/v1/lint", { text }, { meta });
      if (seq !== this.sent.seq) return; // an older text's answer
      this.lint = {
        seq, text, verdict: result.verdict,
        rulesVersion: Number(meta.headers?.get("X-Rules-Version") ?? NaN),
        diagnostics: Array.isArray(result.diagnostics) ? result.diagnostics : [],
        fixed: typeof result.fixed === "string" ? result.fixed : null,
        fixedVerdict: VERDICTS[result.fixed_verdict] ? result.fixed_verdict : result.verdict,
      };
    } catch (error) {
      if (seq !== this.sent.seq) return;
      this.lint = { seq, text, verdict: "error", diagnostics: [], fixed: null, error: error.message };
    }
    this.refresh();
  }

  get current() {
    return Boolean(this.lint && this.lint.seq === this.sent.seq && this.lint.text === this.textarea.value);
  }

  refresh() {
    const text = this.textarea.value;
    const lint = this.lint;
    const current = this.current;
    const carried = lint ? remapDiagnostics(lint.diagnostics, lint.text, text) : [];
    const cp = new CodePointText(text);
    this.view = placeable(carried, cp).map((d) => ({ d, u0: cp.unit(d.start), u1: cp.unit(d.end) }));

    let verdict = "pending";
    if (text.trim() === "") verdict = "empty";
    else if (current && lint.verdict === "error") verdict = "error";
    else if (current && VERDICTS[lint.verdict]) verdict = lint.verdict;
    this.verdict.dataset.verdict = verdict;
    const problems = current ? this.view.length : 0;
    this.verdict.textContent = verdict === "error" ? "无法检查"
      : problems && verdict !== "ok" ? `${VERDICTS[verdict]} · ${problems}` : VERDICTS[verdict];
    this.verdict.title = verdict === "error" ? lint.error : "";
    this.fixAll.disabled = this.textarea.disabled || !(current && lint.fixed !== null && lint.fixed !== text);
    // said before the click: fixing cannot mend an attitude, and the text then stays 禁止发送
    const after = !this.fixAll.disabled && lint.fixedVerdict !== "ok" ? VERDICTS[lint.fixedVerdict] : null;
    this.fixAll.textContent = after ? `修正全部（修正后${after}）` : "修正全部";
    this.renderBackdrop(text);
    this.renderList();
  }

  renderBackdrop(text) {
    const parts = [];
    let at = 0;
    this.view.forEach((v, i) => {
      if (v.u0 > at) parts.push(text.slice(at, v.u0));
      parts.push(h("mark", { class: `sev-${v.d.severity}`, dataset: { i: String(i) }, title: String(v.d.message ?? "") }, text.slice(v.u0, v.u1)));
      at = v.u1;
    });
    parts.push(text.slice(at));
    if (text.endsWith("\n") || text === "") parts.push(" ");
    this.backdropText.replaceChildren(...parts);
    this.syncScroll();
  }

  renderList() {
    const readOnly = this.textarea.disabled || this.textarea.readOnly;
    this.diags.replaceChildren(...this.view.map((v, i) => {
      const replacements = Array.isArray(v.d.replacements) ? v.d.replacements : [];
      return h("li", {
        class: `diag sev-${v.d.severity}`,
        tabindex: "0",
        dataset: { i: String(i), rule: String(v.d.rule ?? "") },
        "aria-label": `${SEVERITY_NAMES[v.d.severity] || ""}:${v.d.text ?? ""},${v.d.message ?? ""}`,
        onmouseenter: () => this.setHot(i),
        onmouseleave: () => this.setHot(null),
        onfocus: () => this.setHot(i),
        onblur: () => this.setHot(null),
        onclick: (e) => {
          if (!e.target.closest("button")) this.select(i);
        },
        onkeydown: (e) => {
          if (e.key === "Enter" && !e.target.closest("button")) {
            e.preventDefault();
            if (replacements.length && !readOnly) this.apply(i, replacements[0]);
            else this.select(i);
          }
        },
      },
      h("span", { class: "sev-dot", "aria-hidden": "true" }),
      h("span", { class: "diag-text" }, String(v.d.text ?? "")),
      h("span", { class: "diag-fixes" }, readOnly ? null : replacements.slice(0, 3).map((r) =>
        h("button", { type: "button", class: "fix", title: "按建议修改", onclick: () => this.apply(i, r) }, `→ ${r || "（删除）"}`))),
      h("span", { class: "diag-msg" }, `${SEVERITY_NAMES[v.d.severity] || ""} · ${v.d.message ?? ""}`,
        h("span", { class: "diag-rule", title: String(v.d.rule ?? "") }, CATEGORY_NAMES[v.d.category] || String(v.d.rule ?? ""))),
      );
    }));
  }

  setHot(i) {
    for (const mark of this.backdropText.querySelectorAll("mark.hot")) mark.classList.remove("hot");
    if (i !== null) this.backdropText.querySelector(`mark[data-i="${i}"]`)?.classList.add("hot");
  }

  select(i) {
    const v = this.view[i];
    if (!v) return;
    this.textarea.focus();
    this.textarea.setSelectionRange(v.u0, v.u1);
  }

  /** Replace UTF-16 range [u0, u1) through the editing stack, so Ctrl+Z undoes a fix. */
  replace(u0, u1, replacement) {
    const ta = this.textarea;
    ta.focus();
    ta.setSelectionRange(u0, u1);
    const done = replacement === "" ? document.execCommand("delete") : document.execCommand("insertText", false, replacement);
    if (!done) {
      ta.setRangeText(replacement, u0, u1, "end");
      ta.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  apply(i, replacement) {
    const v = this.view[i];
    if (v) this.replace(v.u0, v.u1, String(replacement));
  }

  applyAll() {
    if (!this.current || this.lint.fixed === null || this.lint.fixed === this.textarea.value) return;
    this.replace(0, this.textarea.value.length, this.lint.fixed);
  }

  autoGrow() {
    const ta = this.textarea;
    ta.style.height = "auto";
    ta.style.height = `${Math.min(Math.max(ta.scrollHeight, 110), 320)}px`;
    this.backdrop.style.right = `${ta.offsetWidth - ta.clientWidth}px`;
    this.syncScroll();
  }

  syncScroll() {
    this.backdrop.scrollTop = this.textarea.scrollTop;
  }
}
