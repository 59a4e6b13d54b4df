// The tooltip of a draft problem: severity, rule, message, its fixes and (for a promise) the phrasebank's
// own wording. It shows for the underline under the mouse or under the caret.

import { CATEGORY_NAMES, INTENT_NAMES, SEVERITY_NAMES, h } from "./common.js";
import { fixText } from "./lint-field.js";

export function problemTip(app) {
  const { el } = app;
  let tipFor = null; // {i, how: "hover"|"caret"}
  let hideTimer = null;

  /** Show problem i's tooltip; `how` says what brought it (the mouse or the caret) and so what hides it. */
  function show(i, how) {
    const field = app.draft;
    const v = field.view[i];
    const mark = el.backdropText.querySelector(`mark[data-i="${i}"]`);
    if (!v || !mark) return hide();
    clearTimeout(hideTimer);
    tipFor = { i, how };
    field.setHot(i);
    const replacements = Array.isArray(v.d.replacements) ? v.d.replacements : [];
    // keep the caret where it is: a click on the tooltip must not blur the draft first
    const keepCaret = (e) => e.preventDefault();
    el.tip.className = `tip sev-${v.d.severity}`;
    el.tip.replaceChildren(
      h(
        "div",
        { class: "tip-head" },
        h("span", { class: "tip-sev" }, SEVERITY_NAMES[v.d.severity] || v.d.severity),
        h("span", { class: "tip-rule" }, CATEGORY_NAMES[v.d.category] || ""),
      ),
      h("div", { class: "tip-msg" }, String(v.d.message ?? "")),
      replacements.length
        ? h("div", { class: "tip-fixes" }, ...replacements.map((r, k) =>
          h("button", {
            type: "button", class: "btn fix", title: k === 0 ? "Alt+Enter" : null,
            onmousedown: keepCaret, onclick: () => field.apply(i, r),
          }, `改为「${fixText(r)}」`)))
        : h("div", { class: "tip-none muted" }, "没有合适的自动修改，请按提示改写"),
      // a promise is best answered by the phrasebank's own wording for that question
      INTENT_NAMES[v.d.intent]
        ? h("div", { class: "tip-fixes" }, h("button", {
          type: "button", class: "btn phrases-for", onmousedown: keepCaret, onclick: () => app.slash.phrasesFor(i),
        }, `换用“${INTENT_NAMES[v.d.intent]}”话术`))
        : null,
    );
    el.tip.hidden = false;
    // above the span when there is room (the suggestions are up there), else below
    const rect = [...mark.getClientRects()][0] || mark.getBoundingClientRect();
    const tipRect = el.tip.getBoundingClientRect();
    const margin = 6;
    let top = rect.top - tipRect.height - margin;
    if (top < margin) top = rect.bottom + margin;
    const left = Math.max(margin, Math.min(rect.left, window.innerWidth - tipRect.width - margin));
    el.tip.style.top = `${Math.round(top)}px`;
    el.tip.style.left = `${Math.round(left)}px`;
  }

  function hide() {
    clearTimeout(hideTimer);
    if (el.tip.hidden) return;
    el.tip.hidden = true;
    tipFor = null;
    app.draft.setHot(null);
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 300);
  }

  /** The tooltip of the problem the caret is in; a caret's tooltip goes when the caret leaves. */
  function forCaret() {
    const i = app.draft.atCaret();
    if (i >= 0) show(i, "caret");
    else if (tipFor?.how === "caret") hide();
  }

  function wire() {
    const ta = el.draft;
    ta.addEventListener("blur", () => {
      if (tipFor?.how === "caret") hideSoon();
    });
    let pending = false;
    ta.addEventListener("mousemove", (e) => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        const mark = app.draft.markAt(e.clientX, e.clientY);
        if (mark) {
          if (tipFor?.i !== Number(mark.dataset.i) || el.tip.hidden) show(Number(mark.dataset.i), "hover");
          else clearTimeout(hideTimer);
        } else if (tipFor?.how === "hover") hideSoon();
      });
    });
    ta.addEventListener("mouseleave", () => {
      if (tipFor?.how === "hover") hideSoon();
    });
    el.tip.addEventListener("mouseenter", () => clearTimeout(hideTimer));
    el.tip.addEventListener("mouseleave", () => {
      if (tipFor?.how === "hover") hideSoon();
    });
  }

  return { show, hide, forCaret, wire, isOpen: () => !el.tip.hidden };
}
