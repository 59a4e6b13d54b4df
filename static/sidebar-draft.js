// The reply draft: lint-field.js's field, linted over the WebSocket (`draft` frames out, `lint` frames in),
// kept per conversation, and phrases put into it (a suggestion, a / search pick).

import { LintField } from "./lint-field.js";

const DRAFT_DEBOUNCE_MS = 30;

export class DraftField extends LintField {
  constructor(app) {
    const { el, book } = app;
    super({
      textarea: el.draft, backdrop: el.backdrop, backdropText: el.backdropText, diags: el.diags,
      verdict: el.verdict, fixAll: el.fixAll, editor: el.editor,
    }, {
      request: (text, seq) => app.socket.send({ type: "draft", conversation: book.activeId ?? undefined, seq, text }),
      debounceMs: DRAFT_DEBOUNCE_MS,
      grow: { min: 0, max: () => Math.max(96, Math.round(window.innerHeight * 0.32)) },
      pendingTitle: () => (app.socket.isOpen ? "" : "连接恢复后自动检查"),
      fixAllTitle: (after) => (after ? `修正全部 (Alt+F):修正后${after}` : "修正全部 (Alt+F)"),
      onInput() {
        book.setDraft(book.activeId ?? "", el.draft.value); // "": typed before any conversation arrived
        app.slash.update();
        app.tip.hide();
      },
      onCompositionEnd() {
        app.slash.update();
        app.conv.compositionEnded();
      },
      onSelect: (i) => {
        this.scrollIntoView(this.view[i].u0);
        app.tip.show(i, "caret");
      },
      beforeEdit: () => app.tip.hide(),
      onRefresh: () => {
        if (this.current) for (const resolve of this.waiters.splice(0)) resolve(true);
      },
    });
    this.app = app;
    this.waiters = []; // resolve() calls waiting for a current lint (copy waits briefly)
  }

  /** A `lint` frame; a `relint: true` one answers the same seq again under rules changed since. */
  onLint(frame) {
    this.answer(frame.seq, frame);
  }

  /** Resolves true once the lint answers the current text, false after `ms`. */
  waitForLint(ms) {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      setTimeout(() => resolve(false), ms);
    });
  }

  /** Suggestion n (1-based) of the front conversation into the draft, at the caret; false when there is none. */
  insertSuggestion(n) {
    const s = this.app.book.active?.customer?.suggestions?.[n - 1];
    if (!s) return false;
    this.insertPhrase(s, this.textarea.selectionStart, this.textarea.selectionEnd);
    return true;
  }

  /** A phrase over UTF-16 range [u0, u1) of the draft; the server hears which phrase was used. */
  insertPhrase(phrase, u0, u1) {
    this.replace(u0, u1, String(phrase.text ?? ""));
    // the conversation: its waiting customer message becomes a candidate example question of the phrase
    const { book, socket } = this.app;
    if (phrase.id) socket.send({ type: "used", phrase: String(phrase.id), conversation: book.activeId ?? undefined });
  }

  /** The draft's extra wiring: the / list and the tooltip follow the caret; what was typed before a reload comes back. */
  wire() {
    const { app, textarea: ta } = this;
    ta.addEventListener("keyup", (e) => {
      if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"].includes(e.key)) {
        if (!app.slash.isOpen() || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) app.slash.update();
        app.tip.forCaret();
      }
    });
    ta.addEventListener("click", () => {
      app.slash.update();
      app.tip.forCaret();
    });
    ta.addEventListener("blur", () => {
      setTimeout(() => {
        if (document.activeElement !== ta) app.slash.close();
      }, 150);
    });
    ta.value = app.book.draft(app.book.activeId ?? "");
    this.autoGrow();
    this.refresh();
  }
}
