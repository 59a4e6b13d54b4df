// The sidebar's keyboard: digits insert suggestions, Alt+digit switches conversation, Ctrl+Enter copies,
// Alt+F fixes all, Alt+↑/↓ and Alt+Enter walk and fix the draft's problems, / e m ? jump to places.
// The help panel (?) lists them.

import { digitOf, isTextField } from "./common.js";

/** Open or close a header panel (help, settings) and say so on its button. */
export function togglePanel(panel, button, open = panel.hidden) {
  panel.hidden = !open;
  button.setAttribute("aria-expanded", String(open));
}

export function keyboard(app) {
  const { el } = app;

  function onKeydown(e) {
    if (e.isComposing || e.keyCode === 229) return; // the IME owns this key
    if (el.confirm.open) return;
    const field = app.draft;
    const target = e.target;
    const inText = isTextField(target);
    const inDraft = target === el.draft;

    if (inDraft && app.slash.key(e)) {
      e.preventDefault();
      return;
    }
    const n = digitOf(e);
    if (n !== null && e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      if (e.shiftKey) field.insertSuggestion(n); // Alt+Shift+N: suggestion N, even while typing
      else if (app.list.idAt(n)) app.conv.switchTo(app.list.idAt(n)); // Alt+N: the N-th conversation of the list
      return;
    }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      app.copy.copyDraft();
      return;
    }
    if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === "KeyF") {
      e.preventDefault();
      field.applyAll();
      return;
    }
    if (inDraft && e.altKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      field.jump(e.key === "ArrowDown" ? 1 : -1);
      return;
    }
    if (inDraft && e.altKey && e.key === "Enter") {
      const i = field.atCaret();
      const first = field.view[i]?.d.replacements?.[0];
      if (first !== undefined) {
        e.preventDefault();
        field.apply(i, first);
      }
      return;
    }
    if (e.key === "Escape") {
      if (app.tip.isOpen()) app.tip.hide();
      else if (inText) target.blur();
      else if (!el.help.hidden) togglePanel(el.help, el.helpBtn, false);
      else if (!el.settings.hidden) togglePanel(el.settings, el.settingsBtn, false);
      return;
    }
    if (inText || e.ctrlKey || e.metaKey || e.altKey) return;
    if (n !== null) {
      if (field.insertSuggestion(n)) e.preventDefault();
    } else if (e.key === "/") {
      e.preventDefault();
      el.draft.focus();
      field.replace(el.draft.selectionStart, el.draft.selectionEnd, "/");
    } else if (e.key === "e" || e.key === "E") {
      e.preventDefault();
      el.draft.focus();
    } else if (e.key === "m" || e.key === "M") {
      e.preventDefault();
      el.paste.focus();
    } else if (e.key === "?") {
      e.preventDefault();
      togglePanel(el.help, el.helpBtn);
    }
  }

  return { wire: () => document.addEventListener("keydown", onKeydown) };
}
