"""GET /v1/meta: the names of things as users read them, so the pages show the server's tables, not copies.

Intents, phrase groups, rule kinds (with the editor's form for the kinds a shop may add), severities,
verdicts, lint categories, rule scopes and roles, each with its Chinese label, in the order the pages list
them. Everything here is built from the Python tables that own it (copilot.suggest.intents,
copilot.lint.kinds, copilot.lint.diagnostic, copilot.lint.categories, copilot.auth.roles).
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from copilot.api.auth_deps import require_reader
from copilot.api.responses import READER, STORE, errors
from copilot.auth.roles import ROLE_ZH, ROLES
from copilot.lint.categories import CATEGORIES
from copilot.lint.diagnostic import VERDICT_ZH, Severity
from copilot.lint.kinds import KINDS, SHOP_KINDS, Rule
from copilot.lint.kinds.base import SCOPE_ZH
from copilot.suggest.intents import GROUPS, INTENT_SHORT, INTENTS

router = APIRouter()


class Named(BaseModel):
    id: str
    label: str


class Intent(Named):
    short: str  # for chips where room is tight


class ShopFormOut(BaseModel):
    """How a lead adds a rule of this kind (copilot.lint.kinds.base.ShopForm)."""

    severity: str  # when left out
    message: str  # when left out
    term: str  # the term field's name
    replacements: Literal["required", "optional", "none"]
    replacements_hint: str
    example: str
    silent: bool  # flags nothing: severity and message never show


class Kind(Named):
    shop: ShopFormOut | None  # None: only rule packs write rules of this kind


class Meta(BaseModel):
    intents: list[Intent]
    groups: list[str]
    kinds: list[Kind]  # the kinds a shop may add first, in the editor's order
    severities: list[Named]
    verdicts: list[Named]
    categories: list[Named]
    scopes: list[Named]
    roles: list[Named]


def _kind(name: str, rule: type[Rule]) -> Kind:
    form = rule.shop
    shop = (
        None
        if form is None
        else ShopFormOut(
            severity=form.severity.value,
            message=form.message,
            term=form.term,
            replacements=form.replacements,
            replacements_hint=form.replacements_hint,
            example=form.example,
            silent=form.silent,
        )
    )
    return Kind(id=name, label=rule.label, shop=shop)


@cache
def meta() -> Meta:
    """The answer; built once (the tables are code)."""
    kinds = [*SHOP_KINDS.items(), *((name, rule) for name, rule in KINDS.items() if name not in SHOP_KINDS)]
    return Meta(
        intents=[Intent(id=i, label=label, short=INTENT_SHORT[i]) for i, label in INTENTS.items()],
        groups=list(GROUPS),
        kinds=[_kind(name, rule) for name, rule in kinds],
        severities=[Named(id=s.value, label=s.label) for s in Severity],
        verdicts=[Named(id=v, label=label) for v, label in VERDICT_ZH.items()],
        categories=[Named(id=c, label=label) for c, label in CATEGORIES.items()],
        scopes=[Named(id=s, label=label) for s, label in SCOPE_ZH.items()],
        roles=[Named(id=r, label=ROLE_ZH[r]) for r in ROLES],
    )


@router.get("/v1/meta", dependencies=[Depends(require_reader)], responses=errors(READER, STORE), tags=["meta"])
def get_meta() -> Meta:
    """Intents, groups, rule kinds, severities, verdicts, categories, scopes and roles with their Chinese labels."""
    return meta()
