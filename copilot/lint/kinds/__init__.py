"""The rule kinds, one module each, registered in KINDS; a pack's `kind:` picks one."""

from copilot.lint.kinds.allow import AllowRule
from copilot.lint.kinds.base import Rule
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

__all__ = ["KINDS", "Rule"]
