// The editor's live-linted phrase body: lint-field.js's field, linted through POST /v1/lint, and linted
// again when a lead changes the rules elsewhere.

import { api } from "./editor-core.js";
import { LintField } from "./lint-field.js";

// How often a field with text asks whether the rules changed (a lead saving a rule in another tab or
// on another worker): the verdict shown must never be older than the rules in force by much.
const RULES_POLL_MS = 1000;

export class LintedField extends LintField {
  constructor(parts) {
    super(parts, {
      request: (text) => this.request(text),
      blank: (text) => text.trim() === "",
      debounceMs: 120,
      grow: { min: 110, max: () => 320 },
      fixes: 3,
      details: true,
      markTitles: true,
    });
    this.polling = false;
    setInterval(() => this.pollRules(), RULES_POLL_MS);
  }

  /** POST /v1/lint; the answer carries the rules version it was linted under. */
  async request(text) {
    const meta = {};
    const result = await api("POST", "/v1/lint", { text }, { meta });
    return { ...result, rulesVersion: Number(meta.headers?.get("X-Rules-Version") ?? NaN) };
  }

  answer(seq, answer) {
    super.answer(seq, answer, { rulesVersion: answer.rulesVersion });
  }

  /**
   * Re-lint when the rules moved past the version the shown verdict was linted under. /healthz is
   * cheap (no database); versions are one counter shared by every worker, so a lint answered by a
   * worker still on the old rules is simply re-linted at the next poll.
   */
  async pollRules() {
    if (this.polling || this.composing || this.textarea.value.trim() === "" || !this.textarea.offsetParent) return;
    if (!this.current || !Number.isFinite(this.lint.rulesVersion)) return;
    this.polling = true;
    try {
      const health = await api("GET", "/healthz", undefined, { quiet401: true });
      const version = Number(health?.rules_version);
      if (this.current && Number.isFinite(version) && version > this.lint.rulesVersion) this.send();
    } catch {
      // the server is away: the verdict stays as it was, the next poll tries again
    } finally {
      this.polling = false;
    }
  }
}
