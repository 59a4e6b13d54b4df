"""The rule kinds, one module each, registered in KINDS; a pack's `kind:` picks one.

Everything known about a kind lives on its class: its fields and check, its Chinese `label`, its
`summary()` of what it looks for, and (for the kinds a shop may add) its `shop` form and `shop_fields`.
The API (/v1/rules, /v1/meta), the shop rules and the editor read them from here.
"""

from copilot.lint.kinds.allow import AllowRule
from copilot.lint.kinds.base import Rule, ShopForm
from copilot.lint.kinds.clause import ClauseRule
from copilot.lint.kinds.contact import ContactRule
from copilot.lint.kinds.curt import CurtRule
from copilot.lint.kinds.forbid import ForbidRule
from copilot.lint.kinds.no_bu import NoBuRule
from copilot.lint.kinds.promise import PromiseRule
from copilot.lint.kinds.pronoun import PronounRule
from copilot.lint.kinds.regex import RegexRule
from copilot.lint.kinds.substitute import SubstituteRule

KINDS: dict[str, type[Rule]] = {
    "forbid": ForbidRule,
    "substitute": SubstituteRule,
    "no_bu": NoBuRule,
    "pronoun": PronounRule,
    "promise": PromiseRule,
    "curt": CurtRule,
    "contact": ContactRule,
    "regex": RegexRule,
    "clause": ClauseRule,
    "allow": AllowRule,
}


def _shop_form(kind: type[Rule]) -> ShopForm:
    assert kind.shop is not None
    return kind.shop


# The kinds a shop may add (their class sets `shop`), in the editor's order.
SHOP_KINDS: dict[str, type[Rule]] = dict(
    sorted(
        ((name, kind) for name, kind in KINDS.items() if kind.shop is not None),
        key=lambda item: _shop_form(item[1]).order,
    )
)


def shop_form(kind: str) -> ShopForm:
    """The shop form of a kind a shop may add (KeyError for any other kind)."""
    return _shop_form(SHOP_KINDS[kind])


__all__ = ["KINDS", "SHOP_KINDS", "Rule", "ShopForm", "shop_form"]
