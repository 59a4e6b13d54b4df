// Where a phrase-code search starts in the draft. "/" is the key, but with a Chinese IME on, that key types
// 、 (most pinyin IMEs) or the full-width ／: both start a code too. 、 is also the enumeration comma
// (红色、蓝色), so it starts one only where a list cannot be going on — at the start of the draft or after
// a space or a sentence's punctuation — and only for a code (letters and digits), never for words.

const SLASHES = new Set(["/", "／"]);
const IME_SLASH = "、";
const BREAKS = /[\s,，。.!！?？;；:：]/;
const AFTER_WORD = /[A-Za-z0-9/／:._-]/; // "http://" or "a/b" is not a code
const CODE = /^[A-Za-z0-9]*$/;
const MAX_TOKEN = 24;

/** The code token ending at the caret ({start, end, q} in UTF-16 units), or null. */
export function slashToken(text, caret) {
  for (let i = caret - 1; i >= 0 && caret - i <= MAX_TOKEN; i--) {
    const ch = text[i];
    const before = i > 0 ? text[i - 1] : "";
    const q = text.slice(i + 1, caret);
    if (SLASHES.has(ch)) {
      if (before && AFTER_WORD.test(before)) return null;
      return { start: i, end: caret, q };
    }
    if (ch === IME_SLASH) {
      if (before && !BREAKS.test(before)) return null;
      return CODE.test(q) ? { start: i, end: caret, q } : null;
    }
    if (BREAKS.test(ch)) return null;
  }
  return null;
}
