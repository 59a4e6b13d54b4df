"""/v1/rules: the default packs (read-only, each switchable off for the shop) and the shop's own rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from copilot.api.auth_deps import Lead, require_reader
from copilot.api.deps import RuleBookDep, StoreDep
from copilot.api.errors import ApiError, describe_request_errors
from copilot.api.models import RuleChange, RuleOut, ShopRuleOut, answers
from copilot.api.params import ItemId, Version
from copilot.api.responses import BODY, READER, ROLE, STORE, errors
from copilot.lint.kinds import Rule
from copilot.rulebook import RuleBook
from copilot.store import rules as store_rules
from copilot.store.errors import (
    DefaultRuleReadOnly,
    RuleNotFound,
)
from copilot.store.rule_schemas import DefaultRuleToggle, RuleCreate, RulePublic, RuleUpdate
from copilot.store.schemas import RestoreRequest

router = APIRouter(
    prefix="/v1/rules", tags=["rules"], dependencies=[Depends(require_reader)], responses=errors(READER, STORE)
)

_SUMMARY_ITEMS = 8
# fields of a shop rule that only the server sets: a PUT of what GET returned carries them, and they are ignored
_SERVER_SET = ("source", "created_at", "updated_at", "updated_by")


JsonObject = Annotated[dict[str, Any], Body()]


def _parse(model: type[BaseModel], body: dict[str, Any]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        message, details = describe_request_errors(list(exc.errors()))
        raise ApiError(422, "invalid_request", message, details) from None


def _default_public(rule: Rule, state: dict[str, Any]) -> dict[str, Any]:
    items = rule.summary()
    return {
        "id": rule.id,
        "source": "default",
        "pack": rule.id.split(".", 1)[0],
        "kind": rule.kind,
        "severity": rule.severity.value,
        "message": rule.message,
        "scope": rule.scope,
        "enabled": state["enabled"],
        "pack_enabled": rule.enabled,
        "version": state["version"],
        "terms": items[:_SUMMARY_ITEMS],
        "term_count": len(items),
    }


def _default(rulebook: RuleBook, rule_id: str) -> Rule | None:
    return rulebook.defaults.get(rule_id)


@router.get("", **answers(list[RuleOut]))
def list_rules(store: StoreDep, rulebook: RuleBookDep) -> list[dict[str, Any] | RulePublic]:
    """Every rule: the default packs' (with this shop's switches), then the shop's own."""
    with store.begin() as session:
        overrides = store_rules.list_overrides(session)
        shop = store_rules.list_shop_rules(session)
    defaults = [
        _default_public(rule, {"enabled": rule.enabled, "version": 0} | overrides.get(rule.id, {}))
        for rule in rulebook.defaults.values()
    ]
    return [*defaults, *shop]


@router.get("/{rule_id}", **answers(RuleOut), responses=errors(404, 422))
def get_rule(rule_id: ItemId, store: StoreDep, rulebook: RuleBookDep) -> dict[str, Any] | RulePublic:
    """One rule, default or shop."""
    with store.begin() as session:
        rule = _default(rulebook, rule_id)
        if rule is not None:
            return _default_public(rule, store_rules.default_state(session, rule_id, rule.enabled))
        return store_rules.get_shop_rule(session, rule_id=rule_id)


@router.post("", status_code=201, **answers(ShopRuleOut), responses=errors(ROLE, BODY, 409))
def create_rule(body: RuleCreate, store: StoreDep, identity: Lead) -> JSONResponse:
    """Add a shop rule; 422 with the reason (bad regex, missing replacement) before anything is saved."""
    with store.begin() as session:
        created = store_rules.create_shop_rule(session, data=body, actor=identity.name)
    return JSONResponse(
        created.model_dump(mode="json"), status_code=201, headers={"Location": f"/v1/rules/{created.id}"}
    )


@router.put("/{rule_id}", **answers(RuleOut), responses=errors(ROLE, BODY, 404, 409))
def update_rule(rule_id: ItemId, body: JsonObject, store: StoreDep, rulebook: RuleBookDep, identity: Lead) -> Any:
    """A shop rule: change fields (409 with the current rule on a stale version). A default rule: only
    {"enabled": false/true} switches it for this shop. A rule read with GET can be sent back whole: its
    `id` must be the path's, and the fields only the server sets are ignored (a default rule's must
    be unchanged)."""
    if "id" in body:
        if body["id"] != rule_id:
            raise ApiError(
                422,
                "id_mismatch",
                f"请求体的 id {body['id']!r} 与地址中的规则 {rule_id!r} 不一致",
                {"path": rule_id, "body": body["id"]},
            )
        body = {k: v for k, v in body.items() if k != "id"}
    rule = _default(rulebook, rule_id)
    if rule is not None:
        with store.begin() as session:
            shown = _default_public(rule, store_rules.default_state(session, rule_id, rule.enabled))
        # what GET showed may come back as it was; only enabled (and the version it was based on) may change
        body = {k: v for k, v in body.items() if k in ("enabled", "version") or k not in shown or v != shown[k]}
        if set(body) - {"enabled", "version"}:
            raise ApiError(
                422,
                DefaultRuleReadOnly.code,
                f'默认规则 {rule_id} 只能启用或停用({{"enabled": false}});要改词条或提示语,请新建一条店铺规则',
            )
        toggle: DefaultRuleToggle = _parse(DefaultRuleToggle, body)
        with store.begin() as session:
            state = store_rules.set_default_enabled(
                session,
                rule_id=rule_id,
                enabled=toggle.enabled,
                pack_enabled=rule.enabled,
                version=toggle.version,
                actor=identity.name,
            )
        return _default_public(rule, state)
    if not store_rules.is_shop_rule_id(rule_id):
        raise RuleNotFound(rule_id)
    update: RuleUpdate = _parse(RuleUpdate, {k: v for k, v in body.items() if k not in _SERVER_SET})
    with store.begin() as session:
        return store_rules.update_shop_rule(session, rule_id=rule_id, data=update, actor=identity.name)


@router.delete("/{rule_id}", status_code=204, responses=errors(ROLE, 404, 409, 422))
def delete_rule(
    rule_id: ItemId, store: StoreDep, rulebook: RuleBookDep, identity: Lead, version: Version = None
) -> Response:
    """Remove a shop rule (its history stays); a default rule cannot be deleted, only switched off."""
    if _default(rulebook, rule_id) is not None:
        raise DefaultRuleReadOnly(
            f'默认规则 {rule_id} 不能删除;要让它不再生效,请停用: PUT /v1/rules/{rule_id} {{"enabled": false}}',
            {"id": rule_id},
        )
    with store.begin() as session:
        store_rules.delete_shop_rule(session, rule_id=rule_id, version=version, actor=identity.name)
    return Response(status_code=204)


@router.get("/{rule_id}/history", **answers(list[RuleChange]), responses=errors(404, 422))
def rule_history(rule_id: ItemId, store: StoreDep, rulebook: RuleBookDep) -> list[dict[str, Any]]:
    """Every recorded change of a rule, oldest first (kept after a shop rule is deleted)."""
    with store.begin() as session:
        changes = store_rules.rule_history(session, rule_id=rule_id)
    if not changes and _default(rulebook, rule_id) is None:
        raise RuleNotFound(rule_id)
    return changes


@router.post("/{rule_id}/restore", **answers(RuleOut), responses=errors(ROLE, BODY, 404, 409))
def restore_rule(
    rule_id: ItemId, body: RestoreRequest, store: StoreDep, rulebook: RuleBookDep, identity: Lead
) -> dict[str, Any] | RulePublic:
    """Bring a rule back as it was at an earlier version (a deleted shop rule too), as a new version."""
    with store.begin() as session:
        rule = _default(rulebook, rule_id)
        if rule is not None:
            state = store_rules.restore_default(
                session, rule_id=rule_id, version=body.version, pack_enabled=rule.enabled, actor=identity.name
            )
            return _default_public(rule, state)
        return store_rules.restore_shop_rule(session, rule_id=rule_id, version=body.version, actor=identity.name)
