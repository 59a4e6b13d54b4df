"""The rules a running service lints with: the default packs on disk, layered with the shop's own rules."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from copilot.lint import Linter, load_rules
from copilot.lint.engine import MAX_DIAGNOSTICS
from copilot.lint.kinds import Rule
from copilot.lint.shop import build_shop_rule
from copilot.live import Live
from copilot.store import Store
from copilot.store.rules import load_shop_layer, rules_version

log = logging.getLogger(__name__)


def layer(defaults: Sequence[Rule], shop: Sequence[dict[str, Any]], overrides: dict[str, bool]) -> list[Rule]:
    """Default rules with the shop's switches applied, then the shop's rules; a shop rule that fails
    to build is logged and skipped (one bad row must not take lint down)."""
    rules = [
        rule.model_copy(update={"enabled": overrides[rule.id]}) if rule.id in overrides else rule for rule in defaults
    ]
    taken = {rule.id for rule in defaults}
    for fields in shop:
        try:
            rule = build_shop_rule(fields)
        except (ValueError, KeyError) as exc:
            log.error("shop rule %s skipped: %s", fields.get("id"), exc)
            continue
        if rule.id in taken:
            log.error("shop rule %s skipped: a default rule has that id", rule.id)
            continue
        rules.append(rule)
    return rules


def assemble_linter(
    defaults: Sequence[Rule], store: Store, max_diagnostics: int = MAX_DIAGNOSTICS
) -> tuple[int, Linter]:
    """What a running service lints with: the default packs layered with the shop's rules in the store,
    and the shop rules' version. The service (RuleBook) and `kefu-copilot lint` both build it here."""
    with store.sessions() as session:
        version, shop, overrides = load_shop_layer(session)
    return version, Linter(layer(defaults, shop, overrides), max_diagnostics=max_diagnostics)


class RuleBook(Live[Linter]):
    """Holds the current Linter; a rebuild swaps in a new one atomically (requests in flight keep the old).

    The default packs are read once, at start-up, and refuse to start when broken; the shop's layer
    comes from the database and is re-read whenever its version counter moves.
    """

    what = "rule book"

    def __init__(
        self, rules_dir: Path, store: Store, max_diagnostics: int = MAX_DIAGNOSTICS, packs: Sequence[Rule] | None = None
    ) -> None:
        """`packs`: the default rules of `rules_dir` when already loaded (Services loads them before the store)."""
        self.rules_dir = rules_dir
        self.max_diagnostics = max_diagnostics
        loaded = load_rules([rules_dir]) if packs is None else packs
        self.defaults: dict[str, Rule] = {rule.id: rule for rule in loaded}
        super().__init__(store)

    @property
    def linter(self) -> Linter:
        return self.current

    def stored_version(self) -> int:
        with self.store.sessions() as session:
            return rules_version(session)

    def load(self) -> tuple[int, Linter]:
        return assemble_linter(list(self.defaults.values()), self.store, self.max_diagnostics)
