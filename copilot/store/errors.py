"""Failures the store reports, each with a stable code and a Chinese message the user can act on."""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    """Base class; `code` is stable, `message` is for people, `details` for programs."""

    code = "store_error"
    status = 400  # the HTTP status the API answers with (copilot/api/errors.py)

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message, self.details = message, details


class PhraseNotFound(StoreError):
    code = "phrase_not_found"
    status = 404

    def __init__(self, phrase_id: str) -> None:
        super().__init__(f"没有 ID 为 {phrase_id} 的短语", {"id": phrase_id})


class Conflict(StoreError):
    """The change clashes with what is stored (a stale version, a taken id or shortcut)."""

    code = "conflict"
    status = 409


class VersionConflict(Conflict):
    code = "version_conflict"

    def __init__(self, current: dict[str, Any], sent: int) -> None:
        super().__init__(
            f"短语 {current['id']} 已被修改(当前版本 {current['version']},您基于版本 {sent}),请对照当前版本后再保存",
            {"current": current},
        )


class IdTaken(Conflict):
    code = "id_taken"

    def __init__(self, phrase_id: str) -> None:
        super().__init__(f"ID {phrase_id} 已被占用", {"field": "id", "phrase_id": phrase_id})


class ShortcutTaken(Conflict):
    code = "shortcut_taken"

    def __init__(self, shortcut: str, phrase_id: str) -> None:
        super().__init__(
            f"快捷编码 {shortcut} 已被短语 {phrase_id} 使用", {"field": "shortcut", "phrase_id": phrase_id}
        )


class InvalidPhrase(StoreError):
    """The phrase as it would be after the change breaks a rule; details list field and reason."""

    code = "invalid_phrase"
    status = 422

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        details = [{"field": field, "reason": reason} for field, reason in problems]
        super().__init__("短语有误 — " + ";".join(f"{f}: {r}" for f, r in problems), details)


class PhraseBlocked(StoreError):
    """The phrase body, as agents would see it, has error-level lint problems and the save was not forced."""

    code = "phrase_blocked"
    status = 422

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(
            f"短语内容有 {len(problems)} 处禁止发送的问题：{describe_problems(problems)}。"
            "请修改后再保存；确需保存，请主管选择「仍然保存」",
            {"problems": problems},
        )


def describe_problems(problems: list[dict[str, Any]]) -> str:
    """The problems as a lead reads them: the words found and why, never a rule id."""
    return "；".join(f"“{p['text']}”：{p['message']}" if p.get("text") else str(p["message"]) for p in problems)


class ImportRefused(StoreError):
    """A file we cannot read at all (encoding, format, layout); rows with errors go in ImportReport."""

    code = "import_invalid"
    status = 422


class SeedError(StoreError):
    """The default phrasebank could not be loaded on first start."""

    code = "seed_failed"


class RuleNotFound(StoreError):
    code = "rule_not_found"
    status = 404

    def __init__(self, rule_id: str) -> None:
        super().__init__(f"没有 ID 为 {rule_id} 的规则", {"id": rule_id})


class VersionNotFound(StoreError):
    """A restore asked for a version the history does not hold."""

    code = "version_not_found"
    status = 404

    def __init__(self, what: str, item_id: str, version: int, known: list[int]) -> None:
        listed = "、".join(str(v) for v in known) or "无"
        super().__init__(f"{what} {item_id} 没有版本 {version}(可恢复的版本: {listed})",
                         {"id": item_id, "version": version, "versions": known})


class RuleVersionConflict(Conflict):
    code = "version_conflict"

    def __init__(self, current: dict[str, Any], sent: int) -> None:
        super().__init__(
            f"规则 {current['id']} 已被修改(当前版本 {current['version']},您基于版本 {sent}),请对照当前版本后再保存",
            {"current": current},
        )


class DuplicateRule(Conflict):
    code = "duplicate_rule"

    def __init__(self, kind: str, term: str, rule_id: str) -> None:
        super().__init__(f"已有同类规则 {rule_id} 包含“{term}”({kind}),请直接修改那条规则",
                         {"field": "term", "rule_id": rule_id})


class DefaultRuleReadOnly(Conflict):
    """Default rules live in rules/ on disk: they can be switched off for the shop, never edited or deleted."""

    code = "default_rule_readonly"


class InvalidRule(StoreError):
    """A shop rule that could not be built; details list field and reason."""

    code = "invalid_rule"
    status = 422

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        details = [{"field": field, "reason": reason} for field, reason in problems]
        super().__init__("规则有误,未保存 — " + ";".join(f"{f}: {r}" for f, r in problems), details)
