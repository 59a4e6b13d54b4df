// The unit tests run without a server: static/meta.js's GET /v1/meta is answered with meta.json, the
// server's own answer (tests/api/test_meta.py keeps the two equal). Import it before the module under test.
import { readFileSync } from "node:fs";

const META = readFileSync(new URL("./meta.json", import.meta.url), "utf8");

globalThis.fetch = async (url) => {
  if (String(url) !== "/v1/meta") throw new TypeError(`no server in unit tests: ${url}`);
  return new Response(META, { status: 200, headers: { "content-type": "application/json" } });
};
