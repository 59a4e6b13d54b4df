"""A shop's own rules (stored in the database) as pack rules, built by the same build_rule as rules/*.yaml."""

from __future__ import annotations

from typing import Any

from copilot.lint.kinds import SHOP_KINDS, Rule, shop_form
from copilot.lint.linear_regex import LinearPattern, LinearPatternError
from copilot.lint.loader import build_rule

SHOP_PACK = "shop"  # shop rule ids read shop.<n>; no file in rules/ may take this name
# What a shop rule gets when the lead leaves severity or message out: each kind's shop form says.
DEFAULT_SEVERITY = {kind: shop_form(kind).severity.value for kind in SHOP_KINDS}
DEFAULT_MESSAGE = {kind: shop_form(kind).message for kind in SHOP_KINDS}


def pack_rule(fields: dict[str, Any]) -> dict[str, Any]:
    """The rules/*.yaml mapping a stored shop rule stands for (id already carries the shop. prefix)."""
    kind, term = fields["kind"], fields["term"]
    replacements = list(fields.get("replacements") or [])
    data: dict[str, Any] = {
        "id": fields["id"],
        "kind": kind,
        "severity": fields.get("severity") or DEFAULT_SEVERITY.get(kind, "warning"),
        "message": fields.get("message") or DEFAULT_MESSAGE.get(kind, "本店规则"),
        "scope": fields.get("scope") or "all",
        "enabled": fields.get("enabled", True),
    }
    if kind in SHOP_KINDS:
        data.update(SHOP_KINDS[kind].shop_fields(term, replacements))
    else:  # not a kind a shop may add: build_rule says why
        data.update(terms=[term], replacements=replacements)
    return data


def build_shop_rule(fields: dict[str, Any]) -> Rule:
    """The Rule for a stored shop rule; ValueError with Chinese reasons when it cannot be one."""
    if fields.get("kind") == "regex":
        check_pattern_is_safe(fields["term"])
    return build_rule(pack_rule(fields))


def check_pattern_is_safe(pattern: str) -> None:
    """Refuse what RE2 cannot run (backreferences, lookarounds but a one-character one at an edge)
    and what matches empty text: every other pattern runs in time linear in the draft, so none a lead
    can save slows lint (on Python's engine `.*.*.*坏` took seconds on a 600-character draft)."""
    try:
        compiled = LinearPattern(pattern)
    except LinearPatternError as exc:
        raise ValueError(str(exc)) from None
    if compiled.matches_empty():
        raise ValueError(
            f"正则表达式 {pattern!r} 能匹配空文本，规则不会标出任何内容；请让它至少匹配一个字符（例如把 * 换成 +）"
        )
