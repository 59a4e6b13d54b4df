"""axe-core, the accessibility checker, run inside a page: scripts/test.sh installs it from npm into
.cache/axe (not committed); without it the check is skipped locally and fails under CI."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from copilot.config import PROJECT_ROOT

AXE = PROJECT_ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
INSTALL = "npm install --no-save --prefix .cache/axe axe-core@4"
BLOCKING = ("serious", "critical")


def axe_script() -> Path:
    """The path of axe.min.js; skips the test when it is missing (fails it under CI=1)."""
    if not AXE.exists():
        message = f"{AXE} is missing: {INSTALL} (scripts/test.sh does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the page as it is now, each with a few offending nodes.

    The script is injected inline, so the page's context needs bypass_csp=True (the pages' CSP allows
    only scripts served by the app itself).
    """
    page.add_script_tag(path=str(axe_script()))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
          }));
        }"""
    )
    return [v for v in found if v["impact"] in BLOCKING]
