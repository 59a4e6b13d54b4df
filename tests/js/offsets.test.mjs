// offsets.js: code points (lint offsets) against UTF-16 units (the DOM), and diagnostics carried across edits.
import assert from "node:assert/strict";
import { test } from "node:test";

import { CodePointText, placeable, remapDiagnostics } from "../../static/offsets.js";

const diag = (start, end, extra = {}) => ({ start, end, ...extra });

test("an emoji is one code point and two units", () => {
  const t = new CodePointText("a😀b");
  assert.equal(t.length, 3);
  assert.deepEqual([0, 1, 2, 3].map((cp) => t.unit(cp)), [0, 1, 3, 4]);
  assert.equal(t.point(3), 2);
  assert.equal(t.point(2), 1); // inside the surrogate pair: rounds down
  assert.equal(t.slice(1, 2), "😀");
});

test("unit() clamps to the text", () => {
  const t = new CodePointText("亲😀");
  assert.equal(t.unit(-5), 0);
  assert.equal(t.unit(99), 3);
});

test("diagnostics before an edit stay, after it shift, inside it go", () => {
  const ds = [diag(0, 2, { id: "before" }), diag(3, 5, { id: "inside" }), diag(6, 8, { id: "after" })];
  const out = remapDiagnostics(ds, "亲爱的顾客您好呀朋友", "亲爱的😀😀顾客您好呀朋友".replace("顾客", "X"));
  assert.deepEqual(out.map((d) => d.id), ["before", "after"]);
  assert.deepEqual(out.find((d) => d.id === "after"), diag(7, 9, { id: "after" }));
});

test("an unchanged text keeps every diagnostic, as a copy", () => {
  const ds = [diag(0, 1)];
  const out = remapDiagnostics(ds, "ab", "ab");
  assert.deepEqual(out, ds);
  assert.notEqual(out, ds);
});

test("placeable drops what does not fit the text and overlaps", () => {
  const t = new CodePointText("不好意思😀亲");
  const ds = [
    diag(0, 4, { text: "不好意思", id: "ok" }),
    diag(2, 3, { id: "overlap" }),
    diag(4, 9, { id: "past end" }),
    diag(5, 6, { text: "哦", id: "wrong text" }),
    diag(5, 6, { text: "亲", id: "after emoji" }),
    diag(1.5, 2, { id: "not integer" }),
    diag(3, 3, { id: "empty" }),
  ];
  assert.deepEqual(placeable(ds, t).map((d) => d.id), ["ok", "after emoji"]);
});
