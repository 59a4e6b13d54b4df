"""The rules a running service lints with: the default packs on disk, built into one Linter."""

from __future__ import annotations

from pathlib import Path

from copilot.lint import Linter, load_rules


class RuleBook:
    """Holds the current Linter; a rebuild swaps in a new one atomically (requests in flight keep the old)."""

    def __init__(self, rules_dir: Path) -> None:
        self.rules_dir = rules_dir
        self.linter = Linter(load_rules([rules_dir]))

    def reload(self) -> None:
        self.linter = Linter(load_rules([self.rules_dir]))
