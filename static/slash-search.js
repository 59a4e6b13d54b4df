// The / list under the draft: phrases found by code or keyword as the agent types "/fp" (slash-token.js says
// where a token starts), or the phrasebank's phrases for a problem's intent (换用…话术). Searches go out as
// `search` frames; a pick replaces the token (or the problem's sentence).

import { INTENT_NAMES, digitOf, h } from "./common.js";
import { BLOCKED_TITLE, blockedBadge } from "./suggestion-cards.js";
import { slashToken } from "./slash-token.js";

const MAX_KEYED = 9;
const SENTENCE_END = /[。！？!?\n]/g;

/** The sentence of `text` around UTF-16 range [u0, u1): {start, end}, its closing punctuation included. */
export function sentenceAround(text, u0, u1) {
  let start = 0;
  let end = text.length;
  for (const m of text.matchAll(SENTENCE_END)) {
    if (m.index < u0) start = m.index + 1;
    else if (m.index >= u1) {
      end = m.index + 1;
      break;
    }
  }
  return { start, end };
}

export function slashSearch(app) {
  const { el } = app;
  let slash = null; // {start, end, q, items, active, seq, loading, intent?, text?}
  let dismissed = -1; // the token start Esc closed the list for
  let searchSeq = 0;

  function update() {
    const draft = el.draft;
    // the list of an intent's phrases stays open until the draft changes
    if (slash?.intent && slash.text === draft.value) return;
    const caret = draft.selectionStart;
    const token = app.draft.composing || caret !== draft.selectionEnd ? null : slashToken(draft.value, caret);
    if (!token || token.start === dismissed) {
      if (!token) dismissed = -1;
      close();
      return;
    }
    const old = slash;
    slash = { ...token, items: old?.items ?? [], active: old?.active ?? 0, seq: old?.seq ?? 0, loading: false };
    if (!old || old.q !== token.q) {
      slash.active = 0;
      if (token.q) search(token.q);
      else slash.items = [];
    }
    render();
  }

  /** The phrasebank's phrases for problem i's intent, in the list; one replaces its sentence. */
  function phrasesFor(i) {
    const v = app.draft.view[i];
    if (!v) return;
    app.tip.hide();
    const text = el.draft.value;
    const { start, end } = sentenceAround(text, v.u0, v.u1);
    dismissed = -1;
    slash = { start, end, q: "", intent: v.d.intent, text, items: [], active: 0, seq: 0, loading: false };
    const seq = ++searchSeq;
    slash.seq = seq;
    slash.loading = app.socket.send({ type: "search", seq, q: "", intent: v.d.intent });
    render();
  }

  function search(q) {
    const seq = ++searchSeq;
    slash.seq = seq;
    slash.loading = app.socket.send({ type: "search", seq, q });
  }

  /** After a reconnect: the search that may have gone unanswered, again. */
  function rerun() {
    if (slash && slash.q) search(slash.q);
  }

  /** A `search` frame: the answer to the newest search, or an old one to ignore. */
  function onFrame(frame) {
    if (!slash || frame.seq !== slash.seq) return;
    slash.items = Array.isArray(frame.suggestions) ? frame.suggestions : [];
    slash.loading = false;
    slash.active = 0;
    render();
  }

  function render() {
    if (!slash) return;
    const shown = slash;
    let note = "";
    if (shown.intent) {
      const name = INTENT_NAMES[shown.intent] || "";
      note = shown.items.length || shown.loading ? `“${name}”话术` : `没有“${name}”话术`;
    } else if (!shown.q) {
      note = "输入短语编码或关键词，如 /fp";
    } else if (shown.items.length === 0) {
      note = shown.loading ? "搜索中…" : `没有匹配"${shown.q}"的短语`;
    }
    // the note sits outside the listbox: a listbox holds options only
    el.slashNote.textContent = note;
    el.slashNote.hidden = !note;
    const rows = shown.items.map((s, i) => {
      const n = i + 1;
      const blocked = s.blocked === true;
      return h(
        "div",
        {
          class: blocked ? "slash-item blocked" : "slash-item",
          role: "option",
          title: blocked ? BLOCKED_TITLE : null,
          id: `slash-${i}`,
          "aria-selected": String(i === shown.active),
          dataset: { n: String(n) },
          onmousedown: (e) => e.preventDefault(),
          onclick: () => pick(i),
          onmousemove: () => {
            if (shown.active !== i) {
              shown.active = i;
              render();
            }
          },
        },
        h(
          "span",
          { class: "card-head" },
          n <= MAX_KEYED ? h("kbd", { class: "key" }, String(n)) : null,
          h("span", { class: "card-title" }, String(s.title ?? "")),
          blocked ? blockedBadge() : null,
          s.shortcut ? h("span", { class: "shortcut" }, `/${s.shortcut}`) : null,
        ),
        h("span", { class: "slash-text" }, String(s.text ?? "")),
      );
    });
    el.slashList.replaceChildren(...rows);
    el.slashList.hidden = rows.length === 0;
    el.slash.hidden = false;
    el.draft.setAttribute("aria-expanded", String(rows.length > 0));
    if (shown.items.length) el.draft.setAttribute("aria-activedescendant", `slash-${shown.active}`);
    else el.draft.removeAttribute("aria-activedescendant");
    el.slashList.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
  }

  function close() {
    slash = null;
    el.slash.hidden = true;
    el.draft.setAttribute("aria-expanded", "false");
    el.draft.removeAttribute("aria-activedescendant");
  }

  function pick(i) {
    const picked = slash;
    const item = picked?.items[i];
    if (!item) return false;
    close();
    app.draft.insertPhrase(item, picked.start, picked.end);
    return true;
  }

  /** Keys while the list is open; true when the key was used. */
  function key(e) {
    if (!slash) return false;
    const count = slash.items.length;
    if (e.key === "ArrowDown" && count) {
      slash.active = (slash.active + 1) % count;
    } else if (e.key === "ArrowUp" && count) {
      slash.active = (slash.active - 1 + count) % count;
    } else if ((e.key === "Enter" || e.key === "Tab") && !e.shiftKey && count) {
      pick(slash.active);
      return true;
    } else if (e.key === "Escape") {
      dismissed = slash.start;
      close();
      return true;
    } else {
      const n = digitOf(e);
      if (n === null || e.ctrlKey || e.metaKey || n > count) return false;
      // codes carry digits (fp1): a digit that continues a listed code is typed, any other one picks
      const extended = (slash.q + String(n)).toLowerCase();
      const continues = slash.items.some((s) => String(s.shortcut ?? "").toLowerCase().startsWith(extended));
      if (continues && !e.altKey) return false;
      pick(n - 1);
      return true;
    }
    render();
    return true;
  }

  return { update, phrasesFor, rerun, onFrame, close, key, isOpen: () => slash !== null, current: () => slash };
}
