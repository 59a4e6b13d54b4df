"""What every rule kind shares: the YAML fields, the scope filter and building diagnostics."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from copilot.lint.categories import Category
from copilot.lint.diagnostic import Diagnostic, Severity
from copilot.suggest.intents import INTENTS
from copilot.text.normalize import normalize_terms

if TYPE_CHECKING:
    from copilot.lint.draft import Draft

Scope = Literal["all", "presale", "aftersale"]
SCOPE_ZH: dict[str, str] = {"all": "全部", "presale": "售前", "aftersale": "售后"}  # as leads read a rule's scope
_CROSSES_CLAUSE = re.compile(r"[,.!?;:。、，！？；：～\n~\s]")
# what a pack may write for a scope: the id, or its Chinese name (售中 and none mean every conversation)
_SCOPE_ALIASES: dict[str | None, str] = {
    **{label: scope for scope, label in SCOPE_ZH.items()},
    "售中": "all",
    None: "all",
}


@dataclass(frozen=True)
class ShopForm:
    """How a lead adds a rule of this kind to the shop (one term and its replacements per rule): what the
    server fills in when a field is left out, and what the editor's form says (served by GET /v1/meta)."""

    order: int  # where the kind stands in the editor's list
    severity: Severity  # when the lead leaves it out
    message: str  # when the lead leaves it out
    term: str  # what the term field is called
    replacements: Literal["required", "optional", "none"]
    replacements_hint: str  # the replacements field's placeholder
    example: str  # a term of this kind
    silent: bool = False  # it flags nothing (an exception): severity and message never show


class Rule(BaseModel):
    """A rule as written in a pack; each kind adds its own fields and one check method."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    kind: str
    severity: Severity = Severity.WARNING
    message: str = Field(min_length=1)
    replacements: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    scope: Scope = "all"
    enabled: bool = True
    # What kind of problem this is (packs set it for all their rules); agents see its Chinese label.
    category: Category = "custom"
    # The intent whose phrases say this properly (a delivery promise → ship_time); the sidebar links to them.
    intent: str | None = None

    # Overlapping hits keep the more specific kind: a listed phrase beats a token heuristic.
    specificity: ClassVar[int] = 2
    # The kind's name as leads read it (the editor's rule lists); every kind sets one.
    label: ClassVar[str] = ""
    # How a shop adds a rule of this kind, or None: only packs (rules/*.yaml) write rules of this kind.
    shop: ClassVar[ShopForm | None] = None

    @classmethod
    def shop_fields(cls, term: str, replacements: list[str]) -> dict[str, Any]:
        """The kind's own pack fields for a shop rule of one term (for kinds whose `shop` is set)."""
        raise NotImplementedError(f"{cls.__name__} cannot be a shop rule")

    @field_validator("scope", mode="before")
    @classmethod
    def _scope_alias(cls, value: object) -> object:
        return _SCOPE_ALIASES.get(value, value) if isinstance(value, str | None) else value

    @field_validator("intent")
    @classmethod
    def _known_intent(cls, value: str | None) -> str | None:
        if value is not None and value not in INTENTS:
            raise ValueError(f"未知的意图 {value!r}；可用：{', '.join(INTENTS)}")
        return value

    @model_validator(mode="after")
    def _allow_leaves_terms_alive(self) -> Rule:
        if self.allow:
            refuse_swallowed_terms(self.listed_terms(), self.allow)
        return self

    def listed_terms(self) -> list[str]:
        """The literal terms as written in the pack (for checks on the pack itself)."""
        return []

    def literals(self) -> list[str]:
        """Normalised terms this rule wants the shared Aho-Corasick automaton to find."""
        return []

    def clause_local(self) -> bool:
        """True when every hit lies within one clause and depends on nothing outside it (the linter then
        checks clauses one by one and remembers them); a term holding a comma or a space can cross."""
        return not any(_CROSSES_CLAUSE.search(term) for term in self.literals())

    def summary(self) -> list[Any]:
        """What the rule looks for, as a lead reads it in the list of default rules (terms, swaps, patterns)."""
        return []

    def scans(self, draft: Draft) -> bool:
        """True when check must run even though the automaton found none of this rule's terms."""
        return False

    def may_scan(self) -> bool:
        """True when scans() can ever be true for this rule (the linter asks only these)."""
        return False

    def scan_trigger(self) -> str | None:
        """For a rule whose scans() may be true: text that must be present for it to be (None: any)."""
        return None

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        """The diagnostics this rule raises on the draft; index is the rule's slot in the linter."""
        raise NotImplementedError

    def diagnostic(self, draft: Draft, start: int, end: int, replacements: tuple[str, ...] | None = None) -> Diagnostic:
        """A diagnostic for the view span [start, end), mapped back to raw offsets."""
        raw_start, raw_end = draft.norm.raw_span(start, end)
        return Diagnostic(
            rule=self.id,
            severity=self.severity,
            message=self.message,
            start=raw_start,
            end=raw_end,
            text=draft.norm.raw[raw_start:raw_end],
            replacements=self.replacements if replacements is None else replacements,
            category=self.category,
            intent=self.intent,
            specificity=self.specificity,
        )


def normalized_terms(terms: tuple[str, ...] | list[str]) -> list[str]:
    return normalize_terms(list(terms))


def refuse_swallowed_terms(terms: list[str] | tuple[str, ...], allow: tuple[str, ...]) -> None:
    """An allow entry equal to a term silences that term everywhere: a dead term is a mistake in the pack."""
    allowed = set(normalize_terms(list(allow)))
    swallowed = [term for term, norm in zip(terms, normalize_terms(list(terms)), strict=True) if norm in allowed]
    if swallowed:
        raise ValueError(f"allow 与词条 {'、'.join(swallowed)} 相同，这些词条永远不会报出；请删掉其中之一")
