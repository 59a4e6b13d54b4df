// A textarea linted live, shared by the sidebar's draft and the editor's phrase body: underlines drawn in a
// backdrop behind the text (severity classes), a list of the problems with one-click fixes, 修正全部 and the
// verdict. How a text reaches the linter is the page's (the sidebar's WebSocket, the editor's POST /v1/lint);
// what the field shows is decided here, once. Lint offsets are code points and cross into the DOM through
// offsets.js, so an emoji never shifts an underline.
//
// The functions at the top are pure (no DOM): tests/js/lint-field.test.mjs runs them under `node --test`.

import { CATEGORY_NAMES, SEVERITY_NAMES, VERDICTS, h } from "./common.js";
import { CodePointText, placeable, remapDiagnostics } from "./offsets.js";

// ---------------------------------------------------------------- pure parts

/** A linter's answer (a `lint` frame or a POST /v1/lint body) as the lint of `text` sent as `seq`. */
export function lintFromAnswer(seq, text, answer) {
  return {
    seq,
    text,
    verdict: answer.verdict,
    diagnostics: Array.isArray(answer.diagnostics) ? answer.diagnostics : [],
    fixed: typeof answer.fixed === "string" ? answer.fixed : null,
    fixedVerdict: VERDICTS[answer.fixed_verdict] ? answer.fixed_verdict : answer.verdict,
  };
}

/** The lint of a text with nothing to check: no round trip needed. */
export function blankLint(seq, text) {
  return { seq, text, verdict: "ok", diagnostics: [], fixed: text, fixedVerdict: "ok" };
}

/**
 * The lint's diagnostics placed on `text` (which may have moved on since the lint): {d, start, end} in code
 * points, {u0, u1} in UTF-16 units, sorted and without overlaps.
 */
export function placeDiagnostics(lint, text) {
  const carried = lint ? remapDiagnostics(lint.diagnostics, lint.text, text) : [];
  const cp = new CodePointText(text);
  return placeable(carried, cp).map((d) => ({ d, start: d.start, end: d.end, u0: cp.unit(d.start), u1: cp.unit(d.end) }));
}

/**
 * What the verdict badge and 修正全部 show. `blank`: the text counts as empty; `current`: the lint answers
 * exactly this text; `problems`: how many diagnostics are placed. `after` is the verdict 修正全部 leads to,
 * said before the click (a fix cannot mend an attitude: the text then stays 禁止发送).
 */
export function fieldStatus({ lint, text, current, blank, problems, disabled = false }) {
  let verdict = "pending";
  if (blank) verdict = "empty";
  else if (current && lint.verdict === "error") verdict = "error";
  else if (current && VERDICTS[lint.verdict]) verdict = lint.verdict;
  const shown = current ? problems : 0;
  const label = verdict === "error" ? "无法检查"
    : shown && verdict !== "ok" ? `${VERDICTS[verdict]} · ${shown}` : VERDICTS[verdict];
  const canFix = !disabled && current && lint.fixed !== null && lint.fixed !== text;
  const after = canFix ? lint.fixedVerdict : null;
  const fixLabel = after && after !== "ok" ? `修正全部（修正后${VERDICTS[after]}）` : "修正全部";
  return { verdict, label, canFix, after, fixLabel };
}

/**
 * The backdrop's runs: plain text, and each placed diagnostic as {text, i}. A trailing newline only gets a
 * line box when something follows it, hence the closing space.
 */
export function backdropRuns(text, view) {
  const runs = [];
  let at = 0;
  view.forEach((v, i) => {
    if (v.u0 > at) runs.push({ text: text.slice(at, v.u0) });
    runs.push({ text: text.slice(v.u0, v.u1), i });
    at = v.u1;
  });
  runs.push({ text: text.slice(at) });
  if (text.endsWith("\n") || text === "") runs.push({ text: " " });
  return runs;
}

/** The diagnostic the selection [selStart, selEnd] sits in, or -1. */
export function diagnosticAt(view, selStart, selEnd) {
  return view.findIndex((v) => selStart >= v.u0 && selStart <= v.u1 && selEnd <= v.u1);
}

/** The next (step 1) or previous (step -1) diagnostic from the selection, wrapping around; -1 when none. */
export function stepDiagnostic(view, selStart, selEnd, step) {
  if (!view.length) return -1;
  let i;
  if (step > 0) {
    i = view.findIndex((v) => v.u0 > selStart || (v.u0 === selStart && selEnd === selStart));
    if (i < 0) i = 0;
  } else {
    i = view.findLastIndex((v) => v.u0 < selStart);
    if (i < 0) i = view.length - 1;
  }
  return i;
}

/** How a replacement reads on its button: deleting says so. */
export const fixText = (replacement) => replacement || "（删除）";

// ---------------------------------------------------------------- the field

/**
 * @param {object} parts the elements: textarea, backdrop, backdropText, diags, verdict, fixAll, editor
 *   (the box whose size changes re-fit the backdrop)
 * @param {object} options
 *   request(text, seq): hand the text to the linter; a promise resolves to the answer, anything else means
 *     the answer arrives later through answer(seq, frame)
 *   blank(text): the text needs no lint (default: empty)
 *   debounceMs; grow: {min, max()} heights in px; fixes: fix buttons per problem; details: the list names
 *   severity and rule; markTitles: underlines carry their message; fixAllTitle(after): 修正全部's title;
 *   pendingTitle(): the badge's title while checking
 *   hooks, each optional: onInput, onCompositionEnd, onSelect(i) (after a problem was selected),
 *   beforeEdit (before a fix changes the text), onRefresh (after every redraw)
 */
export class LintField {
  constructor(parts, options) {
    Object.assign(this, parts);
    this.options = { blank: (text) => text === "", debounceMs: 120, grow: { min: 0, max: () => 320 }, fixes: 1, ...options };
    this.seq = 0;
    this.sent = { seq: 0, text: null }; // the newest text sent for lint
    this.lint = null; // {seq, text, verdict, diagnostics, fixed, fixedVerdict} for sent.seq or older
    this.view = []; // diagnostics placed on the current text (placeDiagnostics)
    this.composing = false;
    this.timer = null;
    const ta = this.textarea;
    ta.addEventListener("input", () => this.onInput());
    ta.addEventListener("compositionstart", () => (this.composing = true));
    ta.addEventListener("compositionend", () => {
      this.composing = false;
      this.schedule();
      this.options.onCompositionEnd?.();
    });
    ta.addEventListener("scroll", () => this.syncScroll());
    this.fixAll.addEventListener("click", () => this.applyAll());
    new ResizeObserver(() => this.autoGrow()).observe(this.editor);
  }

  onInput() {
    this.autoGrow();
    this.refresh();
    this.options.onInput?.();
    if (!this.composing) this.schedule();
  }

  /** Set the text from outside (opening a phrase, switching conversation): lint at once, no debounce. */
  set(text) {
    this.textarea.value = text;
    this.lint = null;
    this.send();
    this.autoGrow();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.send(), this.options.debounceMs);
  }

  /** Lint the text as it is now. */
  async send() {
    clearTimeout(this.timer);
    const text = this.textarea.value;
    const seq = ++this.seq;
    this.sent = { seq, text };
    if (this.options.blank(text)) {
      this.lint = blankLint(seq, text);
      this.refresh();
      return;
    }
    const pending = this.options.request(text, seq);
    this.refresh();
    if (typeof pending?.then !== "function") return;
    try {
      this.answer(seq, await pending);
    } catch (error) {
      if (seq !== this.sent.seq) return;
      this.lint = { seq, text, verdict: "error", diagnostics: [], fixed: null, error: error.message };
      this.refresh();
    }
  }

  /**
   * The linter's answer for `seq`. An answer to an older text says nothing about the current one; the same
   * seq answered again (rules changed since) simply replaces the verdict. Fields of `extra` ride along.
   */
  answer(seq, answer, extra = {}) {
    if (seq !== this.sent.seq) return;
    this.lint = { ...lintFromAnswer(seq, this.sent.text, answer), ...extra };
    this.refresh();
  }

  /** The lint answers exactly the current text. */
  get current() {
    return Boolean(this.lint && this.lint.seq === this.sent.seq && this.lint.text === this.textarea.value);
  }

  /** Recompute what the field shows from the newest lint and the current text. */
  refresh() {
    const text = this.textarea.value;
    const lint = this.lint;
    this.view = placeDiagnostics(lint, text);
    const status = fieldStatus({
      lint, text, current: this.current, blank: this.options.blank(text), problems: this.view.length,
      disabled: this.textarea.disabled,
    });
    this.verdict.dataset.verdict = status.verdict;
    this.verdict.textContent = status.label;
    this.verdict.title = status.verdict === "error" ? lint.error
      : status.verdict === "pending" ? this.options.pendingTitle?.() ?? "" : "";
    this.fixAll.disabled = !status.canFix;
    this.fixAll.textContent = status.fixLabel;
    if (this.options.fixAllTitle) this.fixAll.title = this.options.fixAllTitle(status.after ? VERDICTS[status.after] : null);
    this.fixAll.dataset.after = status.after ?? "";
    this.renderBackdrop(text);
    this.renderList();
    this.options.onRefresh?.();
  }

  renderBackdrop(text) {
    const titles = this.options.markTitles;
    this.backdropText.replaceChildren(...backdropRuns(text, this.view).map((run) => {
      if (run.i === undefined) return run.text;
      const d = this.view[run.i].d;
      const attrs = { class: `sev-${d.severity}`, dataset: { i: String(run.i) } };
      if (titles) attrs.title = String(d.message ?? "");
      return h("mark", attrs, run.text);
    }));
    this.syncScroll();
  }

  renderList() {
    const readOnly = this.textarea.disabled || this.textarea.readOnly;
    const { fixes, details } = this.options;
    this.diags.replaceChildren(...this.view.map((v, i) => {
      const replacements = Array.isArray(v.d.replacements) ? v.d.replacements : [];
      const buttons = readOnly ? [] : replacements.slice(0, fixes).map((r) =>
        h("button", { type: "button", class: "fix", title: "按建议修改", onclick: () => this.apply(i, r) }, `→ ${fixText(r)}`));
      const severity = SEVERITY_NAMES[v.d.severity] || "";
      return h("li", {
        class: `diag sev-${v.d.severity}`,
        tabindex: "0",
        dataset: { i: String(i), rule: String(v.d.rule ?? "") },
        "aria-label": `${severity}:${v.d.text ?? ""},${v.d.message ?? ""}`,
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
      details ? h("span", { class: "diag-fixes" }, buttons) : buttons,
      details
        ? h("span", { class: "diag-msg" }, `${severity} · ${v.d.message ?? ""}`,
          h("span", { class: "diag-rule", title: String(v.d.rule ?? "") }, CATEGORY_NAMES[v.d.category] || String(v.d.rule ?? "")))
        : h("span", { class: "diag-msg" }, String(v.d.message ?? "")),
      );
    }));
  }

  /** Light up the underline of problem i (null: none). */
  setHot(i) {
    for (const mark of this.backdropText.querySelectorAll("mark.hot")) mark.classList.remove("hot");
    if (i !== null) this.backdropText.querySelector(`mark[data-i="${i}"]`)?.classList.add("hot");
  }

  /** Select problem i's text in the textarea. */
  select(i) {
    const v = this.view[i];
    if (!v) return;
    this.textarea.focus();
    this.textarea.setSelectionRange(v.u0, v.u1);
    this.options.onSelect?.(i);
  }

  /** The problem the caret sits in, or -1. */
  atCaret() {
    return diagnosticAt(this.view, this.textarea.selectionStart, this.textarea.selectionEnd);
  }

  /** Select the next (1) or previous (-1) problem. */
  jump(step) {
    const i = stepDiagnostic(this.view, this.textarea.selectionStart, this.textarea.selectionEnd, step);
    if (i >= 0) this.select(i);
  }

  /** Replace UTF-16 range [u0, u1) through the editing stack, so Ctrl+Z undoes it. */
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

  /** Fix problem i with `replacement`. */
  apply(i, replacement) {
    const v = this.view[i];
    if (!v) return;
    this.options.beforeEdit?.();
    this.replace(v.u0, v.u1, String(replacement));
  }

  /** 修正全部: the linter's fixed text, when it answers the current text. */
  applyAll() {
    if (!this.current || this.lint.fixed === null || this.lint.fixed === this.textarea.value) return;
    this.options.beforeEdit?.();
    this.replace(0, this.textarea.value.length, this.lint.fixed);
  }

  autoGrow() {
    const ta = this.textarea;
    const { min, max } = this.options.grow;
    ta.style.height = "auto";
    ta.style.height = `${Math.min(Math.max(ta.scrollHeight, min), max())}px`;
    // a scrollbar narrows the textarea's text; narrow the backdrop by as much
    this.backdrop.style.right = `${ta.offsetWidth - ta.clientWidth}px`;
    this.syncScroll();
  }

  syncScroll() {
    this.backdrop.scrollTop = this.textarea.scrollTop;
    this.backdrop.scrollLeft = this.textarea.scrollLeft;
  }

  /** The underline drawn at viewport point (x, y), or null. */
  markAt(x, y) {
    for (const mark of this.backdropText.querySelectorAll("mark")) {
      for (const r of mark.getClientRects()) {
        if (x >= r.left && x <= r.right && y >= r.top - 2 && y <= r.bottom + 3) return mark;
      }
    }
    return null;
  }

  /** Scroll the textarea so the underline starting at UTF-16 offset u shows. */
  scrollIntoView(u) {
    const mark = [...this.backdropText.querySelectorAll("mark")].find((m) => this.view[m.dataset.i]?.u0 === u);
    if (!mark) return;
    const top = mark.offsetTop;
    const ta = this.textarea;
    if (top < ta.scrollTop || top > ta.scrollTop + ta.clientHeight - 24) ta.scrollTop = Math.max(0, top - 24);
    this.syncScroll();
  }
}
