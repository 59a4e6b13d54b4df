"""A shop's own rules (stored in the database) as pack rules, built by the same build_rule as rules/*.yaml."""

from __future__ import annotations

import re
from typing import Any

from copilot.lint.kinds import Rule
from copilot.lint.loader import build_rule

SHOP_PACK = "shop"  # shop rule ids read shop.<n>; no file in rules/ may take this name
SHOP_KINDS = ("forbid", "substitute", "allow", "regex")
DEFAULT_SEVERITY = {"forbid": "error", "substitute": "warning", "allow": "info", "regex": "warning"}
DEFAULT_MESSAGE = {
    "forbid": "本店禁用语,请勿发送",
    "substitute": "本店要求换一种说法",
    "allow": "本店允许的说法",
    "regex": "本店规则不允许这样的说法",
}

try:  # the parser behind re.compile; private, so fall back to no nesting check if it moves
    from re import _parser as _sre_parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    _sre_parser = None


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
    if kind == "substitute":
        data["swap"] = {term: replacements}
    elif kind == "regex":
        data["pattern"] = term
        data["replacements"] = replacements
    elif kind == "allow":
        data["terms"] = [term]
    else:
        data["terms"] = [term]
        data["replacements"] = replacements
    return data


def build_shop_rule(fields: dict[str, Any]) -> Rule:
    """The Rule for a stored shop rule; ValueError with Chinese reasons when it cannot be one."""
    if fields.get("kind") == "regex":
        check_pattern_is_safe(fields["term"])
    return build_rule(pack_rule(fields))


_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def check_pattern_is_safe(pattern: str) -> None:
    """Refuse what would not compile, and unbounded repeats nested in unbounded repeats ((a+)+ can
    take minutes on one draft and would stall every worker's lint)."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"正则表达式无效 {pattern!r}: {exc}") from None
    if _sre_parser is None:
        return

    def walk(items: Any, inside_unbounded: bool) -> bool:
        for op, arg in items:
            name = str(op)
            if name in _REPEATS:
                low, high, sub = arg
                unbounded = high == _sre_parser.MAXREPEAT or high > 100
                if unbounded and inside_unbounded:
                    return True
                if walk(sub, inside_unbounded or unbounded):
                    return True
            elif name == "SUBPATTERN":
                if walk(arg[-1], inside_unbounded):
                    return True
            elif name == "BRANCH":
                if any(walk(branch, inside_unbounded) for branch in arg[1]):
                    return True
            elif name in ("ASSERT", "ASSERT_NOT") and walk(arg[1], inside_unbounded):
                return True
        return False

    if walk(_sre_parser.parse(pattern), False):
        raise ValueError(f"正则表达式 {pattern!r} 含嵌套的重复(如 (a+)+),检查长文本时可能卡死,请改写")
