"""Failures the store reports, each with a stable code and a Chinese message the user can act on: those of the
versioned history, then the phrases', the imports' and the shop rules' own.

Phrases and shop rules share their versioned history (copilot/store/history.py), so they share its failures
too: VersionConflict, VersionNotFound and Invalid, each naming its item with a noun (短语, 规则, 默认规则)."""

from __future__ import annotations

from typing import Any

from copilot.errors import AppError, Conflict, NotFound


class StoreError(AppError):
    """A store failure with no more specific kind (400); the others derive from AppError's NotFound or Conflict."""

    code = "store_error"


class VersionConflict(Conflict):
    """The change was based on a version someone else has since replaced; details carry the current state."""

    code = "version_conflict"

    def __init__(self, noun: str, current: dict[str, Any], sent: int) -> None:
        super().__init__(
            f"{noun} {current['id']} 已被修改(当前版本 {current['version']},您基于版本 {sent}),请对照当前版本后再保存",
            {"current": current},
        )


class VersionNotFound(AppError):
    """A restore asked for a version the history does not hold."""

    code = "version_not_found"
    status = 404

    def __init__(self, noun: str, item_id: str, version: int, known: list[int]) -> None:
        listed = "、".join(str(v) for v in known) or "无"
        super().__init__(
            f"{noun} {item_id} 没有版本 {version}(可恢复的版本: {listed})",
            {"id": item_id, "version": version, "versions": known},
        )


class Invalid(StoreError):
    """The phrase or rule as it would be after the change breaks a rule; details list field and reason."""

    status = 422
    # the noun -> (code, headline) each route has always answered
    KINDS = {"短语": ("invalid_phrase", "短语有误"), "规则": ("invalid_rule", "规则有误,未保存")}

    def __init__(self, noun: str, problems: list[tuple[str, str]]) -> None:
        self.code, headline = self.KINDS[noun]
        details = [{"field": field, "reason": reason} for field, reason in problems]
        super().__init__(f"{headline} — " + ";".join(f"{f}: {r}" for f, r in problems), details)


class PhraseNotFound(NotFound):
    code = "phrase_not_found"
    template = "没有 ID 为 {key} 的短语"


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


class RuleNotFound(NotFound):
    code = "rule_not_found"
    template = "没有 ID 为 {key} 的规则"


class DuplicateRule(Conflict):
    code = "duplicate_rule"

    def __init__(self, kind: str, term: str, rule_id: str) -> None:
        super().__init__(
            f"已有同类规则 {rule_id} 包含“{term}”({kind}),请直接修改那条规则", {"field": "term", "rule_id": rule_id}
        )


class DefaultRuleReadOnly(Conflict):
    """Default rules live in rules/ on disk: they can be switched off for the shop, never edited or deleted."""

    code = "default_rule_readonly"
