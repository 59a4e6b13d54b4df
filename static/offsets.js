// Lint offsets are code points; the DOM (textarea selection, String#slice) counts UTF-16 units.
// Everything that crosses that border goes through CodePointText, so an emoji (two units, one code
// point) before a diagnostic never shifts its underline.

export class CodePointText {
  constructor(text) {
    this.text = text;
    this.points = Array.from(text);
    // units[i] = UTF-16 offset of code point i; one entry past the end
    this.units = new Array(this.points.length + 1);
    let unit = 0;
    for (let i = 0; i < this.points.length; i++) {
      this.units[i] = unit;
      unit += this.points[i].length;
    }
    this.units[this.points.length] = unit;
  }

  get length() {
    return this.points.length;
  }

  /** UTF-16 offset of code-point offset cp (clamped to the text). */
  unit(cp) {
    return this.units[Math.max(0, Math.min(cp, this.points.length))];
  }

  /** Code-point offset of UTF-16 offset u; a u inside a surrogate pair rounds down. */
  point(u) {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.units[mid] <= u) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The code points [start, end) as a string. */
  slice(start, end) {
    return this.points.slice(start, end).join("");
  }
}

/**
 * Carry diagnostics computed for oldText over to newText: the edit is taken as the span between the
 * longest common prefix and suffix (in code points); diagnostics before it stay, those after it
 * shift, and any it touches are dropped (the next lint will judge them).
 */
export function remapDiagnostics(diagnostics, oldText, newText) {
  if (oldText === newText) return diagnostics.slice();
  const a = Array.from(oldText);
  const b = Array.from(newText);
  const limit = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < limit && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const editEnd = a.length - suffix;
  const delta = b.length - a.length;
  const out = [];
  for (const d of diagnostics) {
    if (d.end <= prefix) out.push(d);
    else if (d.start >= editEnd) out.push({ ...d, start: d.start + delta, end: d.end + delta });
  }
  return out;
}

/**
 * Diagnostics that really fit text: in range, matching their own `text`, not overlapping an earlier
 * one (the server resolves overlaps; this guards the drawing code against a surprise).
 */
export function placeable(diagnostics, cpText) {
  const sorted = diagnostics
    .filter((d) => Number.isInteger(d.start) && Number.isInteger(d.end) && d.start < d.end && d.end <= cpText.length)
    .filter((d) => typeof d.text !== "string" || cpText.slice(d.start, d.end) === d.text)
    .sort((x, y) => x.start - y.start || y.end - x.end);
  const out = [];
  let reach = 0;
  for (const d of sorted) {
    if (d.start >= reach) {
      out.push(d);
      reach = d.end;
    }
  }
  return out;
}
