"""Shop rule models: Create (a new rule), Update (fields + the version it was based on), Toggle (a default
rule switched for the shop) and Public (a shop rule as the API shows it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from copilot.lint.kinds import SHOP_KINDS
from copilot.store.schemas import MAX_INT, _clean, _fail

TERM_MAX, MESSAGE_MAX, REPLACEMENTS_MAX = 100, 200, 10
RULE_FIELDS = ("kind", "term", "replacements", "severity", "message", "scope", "enabled")
FIELD_ZH = {
    "kind": "规则类型",
    "term": "词条",
    "replacements": "替换词",
    "severity": "级别",
    "message": "提示语",
    "scope": "适用范围",
    "enabled": "启用",
    "version": "版本",
}


def _replacements(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for index, value in enumerate(values, 1):
        seen.setdefault(_clean(value, f"替换词第 {index} 项", TERM_MAX))
    if len(seen) > REPLACEMENTS_MAX:
        raise _fail(f"替换词最多 {REPLACEMENTS_MAX} 个,现在 {len(seen)} 个")
    return list(seen)


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str) else value


# The kinds a shop may add, as each kind's class says (copilot.lint.kinds), in the editor's order; a
# Literal built at run time, so the 422 and OpenAPI list them (a type checker just sees a string).
if TYPE_CHECKING:
    Kind = str
else:
    Kind = Literal[tuple(SHOP_KINDS)]
Severity = Literal["error", "warning", "info"]
Scope = Literal["all", "presale", "aftersale"]
Term = Annotated[str, AfterValidator(lambda v: _clean(v, "词条", TERM_MAX))]
Message = Annotated[str, AfterValidator(lambda v: _clean(v, "提示语", MESSAGE_MAX))]
Replacements = Annotated[list[str], BeforeValidator(_one_or_many), AfterValidator(_replacements)]


class RuleCreate(BaseModel):
    """POST body; severity and message default per kind when left out."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    term: Term
    replacements: Replacements = Field(default_factory=list)
    severity: Severity | None = None
    message: Message | None = None
    scope: Scope = "all"
    enabled: bool = True


class RuleUpdate(BaseModel):
    """PUT body for a shop rule: the version it was based on and the fields to change (kind stays)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=MAX_INT)
    kind: Kind | None = None
    term: Term | None = None
    replacements: Replacements | None = None
    severity: Severity | None = None
    message: Message | None = None
    scope: Scope | None = None
    enabled: bool | None = None


class DefaultRuleToggle(BaseModel):
    """PUT body for a default rule: only switching it off or on; `version` guards against a stale page."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool
    version: int | None = Field(default=None, ge=0, le=MAX_INT)


class RulePublic(BaseModel):
    """A shop rule as every interface shows it: its own fields (what history keeps) and the server-set ones."""

    id: str
    kind: Kind
    term: str
    replacements: list[str]
    severity: Severity
    message: str
    scope: Scope
    enabled: bool
    version: int
    source: Literal["shop"] = "shop"
    created_at: str  # ISO 8601 with its offset (copilot.store.clock.iso)
    updated_at: str
    updated_by: str | None = None
