// The names of things as users read them, from GET /v1/meta (copilot/api/routes/meta.py): the pages show
// the server's tables instead of keeping copies. The tables start empty and are filled in place when the
// answer arrives, so a module may import them at load and read them when it renders (a missing name
// falls back to the id everywhere they are read).
//
// Importing this module waits for the first fetch. Where it fails (the editor before its login, with
// COPILOT_REQUIRE_LOGIN=true) the page calls loadMeta() again once it can read.

/** Short intent names, for chips where room is tight (the sidebar). */
export const INTENT_NAMES = {};
/** Full intent names (the editor's filters and selects). */
export const INTENT_LABELS = {};
export const GROUPS = [];
export const SEVERITY_NAMES = {};
/** What kind of problem a lint diagnostic is (its `category`); agents see these, never rule ids. */
export const CATEGORY_NAMES = {};
/** A draft's verdict, and the two states of a page's own that are not verdicts (checking, nothing typed). */
export const VERDICTS = { pending: "检查中…", empty: "待输入" };
export const ROLE_NAMES = {};
export const SCOPE_NAMES = {};
/** Every rule kind's name, default packs' kinds too. */
export const KIND_NAMES = {};
/** The kinds a shop may add, in the editor's order: {id, label, shop: {term, replacements, example, …}}. */
export const SHOP_KINDS = [];

const TIMEOUT_MS = 5000;
const RETRY_MS = [1000, 2000, 5000, 10000, 30000]; // after a failure other than a refused login, ask again
let loading = null;
let retries = 0;

function fill(meta) {
  const names = (items, key = "label") => Object.fromEntries(items.map((item) => [item.id, item[key]]));
  Object.assign(INTENT_NAMES, names(meta.intents, "short"));
  Object.assign(INTENT_LABELS, names(meta.intents));
  GROUPS.splice(0, GROUPS.length, ...meta.groups);
  Object.assign(SEVERITY_NAMES, names(meta.severities));
  Object.assign(CATEGORY_NAMES, names(meta.categories));
  Object.assign(VERDICTS, names(meta.verdicts));
  Object.assign(ROLE_NAMES, names(meta.roles));
  Object.assign(SCOPE_NAMES, names(meta.scopes));
  Object.assign(KIND_NAMES, names(meta.kinds));
  SHOP_KINDS.splice(0, SHOP_KINDS.length, ...meta.kinds.filter((kind) => kind.shop));
}

/**
 * Fetch /v1/meta (once) and fill the tables. Resolves true when they hold the server's names; a failure
 * resolves false, and the next call asks again. Without a connection it asks again by itself, a little
 * later each time (what renders next shows the names); a refused login waits for the page's next call.
 */
export function loadMeta() {
  loading ??= fetch("/v1/meta", { credentials: "same-origin", signal: AbortSignal.timeout(TIMEOUT_MS) })
    .then((response) => {
      if (response.ok) return response.json();
      throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
    })
    .then((meta) => {
      fill(meta);
      return true;
    })
    .catch((error) => {
      loading = null;
      if (error.status !== 401 && error.status !== 403) {
        const timer = setTimeout(loadMeta, RETRY_MS[Math.min(retries++, RETRY_MS.length - 1)]);
        timer?.unref?.(); // under node (the unit tests) a pending retry does not keep the process alive
      }
      return false;
    });
  return loading;
}

await loadMeta();
