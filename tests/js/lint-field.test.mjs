// lint-field.js's pure parts: what a live-linted field shows for a lint and a text.
import assert from "node:assert/strict";
import { test } from "node:test";

import "./with-meta.mjs"; // first: the names lint-field.js shows come from /v1/meta

import {
  backdropRuns, blankLint, diagnosticAt, fieldStatus, fixText, lintFromAnswer, placeDiagnostics, stepDiagnostic,
} from "../../static/lint-field.js";
import { sentenceAround } from "../../static/slash-search.js";

const d = (start, end, text, extra = {}) => ({ start, end, text, severity: "error", message: "m", ...extra });

test("an answer becomes the lint of the text sent", () => {
  const lint = lintFromAnswer(3, "亲", { verdict: "warn", diagnostics: [d(0, 1, "亲")], fixed: "您", fixed_verdict: "ok" });
  assert.deepEqual(lint, { seq: 3, text: "亲", verdict: "warn", diagnostics: [d(0, 1, "亲")], fixed: "您", fixedVerdict: "ok" });
});

test("a malformed answer is read safely", () => {
  const lint = lintFromAnswer(1, "x", { verdict: "block", diagnostics: "no", fixed: 5, fixed_verdict: "nonsense" });
  assert.deepEqual(lint.diagnostics, []);
  assert.equal(lint.fixed, null);
  assert.equal(lint.fixedVerdict, "block");
});

test("diagnostics are placed in UTF-16 units after an emoji", () => {
  const view = placeDiagnostics({ text: "😀不好意思", diagnostics: [d(1, 5, "不好意思")] }, "😀不好意思");
  assert.deepEqual(view.map((v) => [v.start, v.end, v.u0, v.u1]), [[1, 5, 2, 6]]);
  assert.deepEqual(placeDiagnostics(null, "abc"), []);
});

test("diagnostics follow the text typed since the lint", () => {
  const view = placeDiagnostics({ text: "不好意思", diagnostics: [d(0, 4, "不好意思")] }, "亲，不好意思");
  assert.deepEqual(view.map((v) => [v.u0, v.u1]), [[2, 6]]);
});

test("the verdict: empty, checking, the lint's own, or 无法检查", () => {
  const lint = { ...lintFromAnswer(1, "t", { verdict: "block", diagnostics: [], fixed: "t2", fixed_verdict: "warn" }) };
  const base = { lint, text: "t", current: true, blank: false, problems: 2 };
  assert.equal(fieldStatus({ ...base, blank: true }).verdict, "empty");
  assert.equal(fieldStatus({ ...base, current: false }).verdict, "pending");
  assert.equal(fieldStatus({ ...base, current: false }).label, "检查中…");
  const shown = fieldStatus(base);
  assert.equal(shown.label, "禁止发送 · 2");
  assert.equal(shown.canFix, true);
  assert.equal(shown.after, "warn");
  assert.equal(shown.fixLabel, "修正全部（修正后建议修改）");
  const failed = fieldStatus({ ...base, lint: { ...lint, verdict: "error", fixed: null } });
  assert.equal(failed.verdict, "error");
  assert.equal(failed.label, "无法检查");
  assert.equal(failed.canFix, false);
});

test("修正全部 only when the lint is current, has a different fixed text and the field is enabled", () => {
  const lint = lintFromAnswer(1, "t", { verdict: "warn", diagnostics: [], fixed: "t2", fixed_verdict: "ok" });
  const base = { lint, text: "t", current: true, blank: false, problems: 1 };
  assert.equal(fieldStatus(base).fixLabel, "修正全部"); // leads to 可发送: nothing to warn about
  assert.equal(fieldStatus(base).after, "ok");
  assert.equal(fieldStatus({ ...base, current: false }).canFix, false);
  assert.equal(fieldStatus({ ...base, disabled: true }).canFix, false);
  assert.equal(fieldStatus({ ...base, lint: { ...lint, fixed: "t" } }).canFix, false);
  assert.equal(fieldStatus({ ...base, lint: blankLint(1, "t") }).canFix, false);
  assert.equal(fieldStatus({ ...base, lint: blankLint(1, "t"), problems: 0 }).label, "可发送");
});

test("the backdrop's runs cover the text, with a line box after a final newline", () => {
  const text = "亲不好意思\n";
  const view = placeDiagnostics({ text, diagnostics: [d(1, 5, "不好意思")] }, text);
  assert.deepEqual(backdropRuns(text, view), [{ text: "亲" }, { text: "不好意思", i: 0 }, { text: "\n" }, { text: " " }]);
  assert.deepEqual(backdropRuns("", []), [{ text: "" }, { text: " " }]);
});

test("the problem at the caret, and stepping between problems", () => {
  const view = [{ u0: 2, u1: 4 }, { u0: 6, u1: 8 }];
  assert.equal(diagnosticAt(view, 3, 3), 0);
  assert.equal(diagnosticAt(view, 4, 4), 0);
  assert.equal(diagnosticAt(view, 5, 5), -1);
  assert.equal(diagnosticAt(view, 6, 9), -1); // a selection past the problem is not in it
  assert.equal(stepDiagnostic(view, 0, 0, 1), 0);
  assert.equal(stepDiagnostic(view, 2, 2, 1), 0);
  assert.equal(stepDiagnostic(view, 2, 4, 1), 1);
  assert.equal(stepDiagnostic(view, 7, 7, 1), 0); // wraps
  assert.equal(stepDiagnostic(view, 7, 7, -1), 1);
  assert.equal(stepDiagnostic(view, 0, 0, -1), 1); // wraps
  assert.equal(stepDiagnostic([], 0, 0, 1), -1);
});

test("a deleting fix says so", () => {
  assert.equal(fixText(""), "（删除）");
  assert.equal(fixText("您"), "您");
});

test("the sentence around a problem, its closing punctuation included", () => {
  const text = "您好。我们保证明天发货！谢谢";
  assert.deepEqual(sentenceAround(text, 5, 7), { start: 3, end: 12 });
  assert.deepEqual(sentenceAround(text, 0, 2), { start: 0, end: 3 });
  assert.deepEqual(sentenceAround(text, 12, 14), { start: 12, end: 14 });
});
