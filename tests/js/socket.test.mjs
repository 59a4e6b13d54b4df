// socket.js's back-off: 0.5 s doubling to 10 s, each wait drawn from the upper half.
import assert from "node:assert/strict";
import { test } from "node:test";

import { backoffDelay } from "../../static/socket.js";

test("the ceiling doubles from 0.5 s and stops at 10 s", () => {
  const top = () => 1;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, top)), [500, 1000, 2000, 4000, 8000, 10000, 10000]);
  assert.equal(backoffDelay(1000, top), 10000); // a huge attempt count does not overflow
});

test("each wait lies in the upper half of its ceiling", () => {
  assert.equal(backoffDelay(0, () => 0), 250);
  assert.equal(backoffDelay(3, () => 0), 2000);
  assert.equal(backoffDelay(3, () => 0.5), 3000);
  for (let n = 0; n < 12; n++) {
    const d = backoffDelay(n);
    const ceiling = Math.min(10000, 500 * 2 ** n);
    assert.ok(d >= ceiling / 2 && d <= ceiling, `attempt ${n}: ${d}`);
  }
});
