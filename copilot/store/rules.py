"""Data access for shop rules and default-rule overrides; every change is kept in rule_history."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.lint.shop import DEFAULT_MESSAGE, DEFAULT_SEVERITY, SHOP_PACK, build_shop_rule
from copilot.store import clock
from copilot.store.errors import DuplicateRule, RuleNotFound
from copilot.store.history import History
from copilot.store.models import RuleHistory, RuleOverride, ShopRule
from copilot.store.rule_schemas import RULE_FIELDS, RuleCreate, RulePublic, RuleUpdate
from copilot.text.normalize import normalize_term

RULE_ID_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,80}$")
_SHOP_PREFIX = SHOP_PACK + "."

# Shop rules and default-rule switches share one history and one counter; workers rebuild their linter when it moves.
HISTORY = History(RuleHistory, "rule_id", "rules_version", "规则", RULE_ID_RE, RuleNotFound)
lock_rules, bump_rules_version, rules_version = HISTORY.lock, HISTORY.bump, HISTORY.version


def is_shop_rule_id(rule_id: str) -> bool:
    return rule_id.startswith(_SHOP_PREFIX)


def content(row: ShopRule) -> dict[str, Any]:
    """The rule's own fields, as history keeps them and as build_shop_rule takes them."""
    return {
        "id": row.id,
        "kind": row.kind,
        "term": row.term,
        "replacements": list(row.replacements),
        "severity": row.severity,
        "message": row.message,
        "scope": row.scope,
        "enabled": row.enabled,
        "version": row.version,
    }


def to_public(row: ShopRule) -> RulePublic:
    """A shop rule as the API shows it (not re-validated: stored data was checked on the way in)."""
    return RulePublic.model_construct(
        **content(row),
        source="shop",
        created_at=clock.iso(row.created_at),
        updated_at=clock.iso(row.updated_at),
        updated_by=row.updated_by,
    )


def list_shop_rules(session: Session) -> list[RulePublic]:
    """Every shop rule, oldest first."""
    rows = session.scalars(select(ShopRule).order_by(ShopRule.created_at, ShopRule.id))
    return [to_public(row) for row in rows]


def list_overrides(session: Session) -> dict[str, dict[str, Any]]:
    """Default rule id -> {"enabled", "version"} for every default rule the shop switched."""
    rows = session.scalars(select(RuleOverride))
    return {row.rule_id: {"enabled": row.enabled, "version": row.version} for row in rows}


def _row(session: Session, rule_id: str) -> ShopRule:
    return HISTORY.item(session, ShopRule, rule_id)


def get_shop_rule(session: Session, *, rule_id: str) -> RulePublic:
    """One shop rule, or RuleNotFound."""
    return to_public(_row(session, rule_id))


def _match_key(kind: str, term: str) -> str:
    # 不 好 意 思 and 不好意思 hit the same drafts, so they are the same rule; patterns compare as written.
    return term if kind == "regex" else normalize_term(term)


def _validate(fields: dict[str, Any]) -> None:
    """Refuse (Invalid) a rule build_shop_rule cannot build, or one that could never hit."""
    kind, replacements = fields["kind"], fields["replacements"]
    problems = []
    if kind == "substitute" and not replacements:
        problems.append(("replacements", "替换类规则至少要有一个替换词"))
    if kind == "allow" and replacements:
        problems.append(("replacements", "允许类规则不需要替换词"))
    if kind != "regex" and not normalize_term(fields["term"]):
        problems.append(("term", "词条只有空白或不可见字符,匹配不到任何内容"))
    if problems:
        raise HISTORY.invalid(problems)
    try:
        build_shop_rule(fields)
    except ValueError as exc:
        raise HISTORY.invalid([("term" if kind == "regex" else "rule", str(exc))]) from None


def _check_duplicate(session: Session, kind: str, term: str, besides: str | None = None) -> None:
    key = _match_key(kind, term)
    for rule_id, stored in session.execute(select(ShopRule.id, ShopRule.term).where(ShopRule.kind == kind)):
        if rule_id != besides and _match_key(kind, stored) == key:
            raise DuplicateRule(kind, term, rule_id)


def _new_id(session: Session) -> str:
    """shop.<n>, never reusing a number (a deleted rule's history keeps its id)."""
    used = set(session.scalars(select(ShopRule.id))) | set(
        session.scalars(select(RuleHistory.rule_id).where(RuleHistory.rule_id.startswith(_SHOP_PREFIX)).distinct())
    )
    numbers = [int(i[len(_SHOP_PREFIX) :]) for i in used if i[len(_SHOP_PREFIX) :].isdigit()]
    return f"{_SHOP_PREFIX}{max(numbers, default=0) + 1}"


def _write(session: Session, row: ShopRule | None, fields: dict[str, Any], version: int, actor: str | None) -> ShopRule:
    now = clock.now()
    if row is None:
        row = ShopRule(id=fields["id"], created_at=now)
        session.add(row)
    for name in RULE_FIELDS:
        setattr(row, name, fields[name])
    row.version, row.updated_at, row.updated_by = version, now, actor
    session.flush()
    return row


def create_shop_rule(session: Session, *, data: RuleCreate, actor: str | None = None) -> RulePublic:
    """Add a shop rule; Invalid before anything is written, DuplicateRule when the term is taken."""
    lock_rules(session)
    fields = data.model_dump()
    fields["severity"] = fields["severity"] or DEFAULT_SEVERITY[data.kind]
    fields["message"] = fields["message"] or DEFAULT_MESSAGE[data.kind]
    fields["id"] = _new_id(session)
    _validate(fields)
    _check_duplicate(session, data.kind, data.term)
    row = _write(session, None, fields, 1, actor)
    HISTORY.log(session, item_id=row.id, action="create", version=1, before=None, after=content(row), actor=actor)
    return to_public(row)


def update_shop_rule(session: Session, *, rule_id: str, data: RuleUpdate, actor: str | None = None) -> RulePublic:
    """Change the fields given; VersionConflict (with the current rule) when `data.version` is stale."""
    lock_rules(session)
    row = _row(session, rule_id)
    before = content(row)
    HISTORY.check_version(to_public(row).model_dump(mode="json"), data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("kind", row.kind) != row.kind:
        raise HISTORY.invalid([("kind", f"规则类型不能修改(现在是 {row.kind}),请删除后新建一条规则")])
    for name in ("kind", "term", "severity", "message", "scope", "enabled", "replacements"):
        if name in changes and changes[name] is None:
            raise HISTORY.invalid([(name, "不能为空")])
    fields = before | changes
    if fields == before:
        return to_public(row)  # nothing changed: no new version, no history row
    _validate(fields)
    _check_duplicate(session, row.kind, fields["term"], besides=rule_id)
    _write(session, row, fields, row.version + 1, actor)
    HISTORY.log(
        session, item_id=rule_id, action="update", version=row.version, before=before, after=content(row), actor=actor
    )
    return to_public(row)


def delete_shop_rule(
    session: Session, *, rule_id: str, version: int | None = None, actor: str | None = None
) -> RulePublic:
    """Remove a shop rule (its history stays, so it can be restored); with `version`, only if unchanged."""
    lock_rules(session)
    row = _row(session, rule_id)
    before, shown = content(row), to_public(row)
    HISTORY.check_version(shown.model_dump(mode="json"), version)
    session.delete(row)
    HISTORY.log(
        session, item_id=rule_id, action="delete", version=row.version + 1, before=before, after=None, actor=actor
    )
    return shown


def rule_history(session: Session, *, rule_id: str) -> list[dict[str, Any]]:
    """Every recorded change of one rule (shop rule or default-rule switch), oldest first."""
    return HISTORY.listing(session, rule_id)


def restore_shop_rule(session: Session, *, rule_id: str, version: int, actor: str | None = None) -> RulePublic:
    """Bring back the rule as it was at `version`, as a new version (also after a delete)."""
    lock_rules(session)
    state, newest = HISTORY.state_at(session, rule_id, version)
    row = session.get(ShopRule, rule_id)
    before = content(row) if row is not None else None
    fields = {name: state[name] for name in RULE_FIELDS} | {"id": rule_id}
    if before is not None and all(before[name] == fields[name] for name in RULE_FIELDS):
        return to_public(row)  # type: ignore[arg-type]  # already as it was
    _validate(fields)
    _check_duplicate(session, fields["kind"], fields["term"], besides=rule_id)
    new_version = (row.version if row is not None else newest) + 1
    row = _write(session, row, fields, new_version, actor)
    HISTORY.log(
        session, item_id=rule_id, action="restore", version=new_version, before=before, after=content(row), actor=actor
    )
    return to_public(row)


def default_state(session: Session, rule_id: str, pack_enabled: bool) -> dict[str, Any]:
    """A default rule's switch for this shop: enabled and the override's version (0: never switched)."""
    row = session.get(RuleOverride, rule_id)
    if row is None:
        return {"id": rule_id, "enabled": pack_enabled, "version": 0}
    return {"id": rule_id, "enabled": row.enabled, "version": row.version}


def set_default_enabled(
    session: Session,
    *,
    rule_id: str,
    enabled: bool,
    pack_enabled: bool,
    version: int | None = None,
    actor: str | None = None,
    action: str = "update",
) -> dict[str, Any]:
    """Switch a default rule off (or on) for this shop; with `version`, only if nobody switched it since."""
    lock_rules(session)
    before = default_state(session, rule_id, pack_enabled)
    HISTORY.check_version(before, version)
    if before["enabled"] == enabled:
        return before
    row = session.get(RuleOverride, rule_id)
    if row is None:
        row = RuleOverride(rule_id=rule_id, version=0)
        session.add(row)
    row.enabled, row.version, row.updated_at, row.updated_by = enabled, row.version + 1, clock.now(), actor
    session.flush()
    after = default_state(session, rule_id, pack_enabled)
    HISTORY.log(
        session, item_id=rule_id, action=action, version=after["version"], before=before, after=after, actor=actor
    )
    return after


def restore_default(
    session: Session, *, rule_id: str, version: int, pack_enabled: bool, actor: str | None = None
) -> dict[str, Any]:
    """Switch a default rule back to how it stood at `version` of its history."""
    lock_rules(session)
    state, _ = HISTORY.state_at(session, rule_id, version, "默认规则", must_exist=False)
    return set_default_enabled(
        session,
        rule_id=rule_id,
        enabled=bool(state["enabled"]),
        pack_enabled=pack_enabled,
        actor=actor,
        action="restore",
    )


def load_shop_layer(session: Session) -> tuple[int, list[dict[str, Any]], dict[str, bool]]:
    """What a worker builds its linter from: the rules version, every shop rule and every override."""
    version = rules_version(session)
    shop = [content(row) for row in session.scalars(select(ShopRule).order_by(ShopRule.created_at, ShopRule.id))]
    overrides = {rule_id: state["enabled"] for rule_id, state in list_overrides(session).items()}
    return version, shop, overrides
