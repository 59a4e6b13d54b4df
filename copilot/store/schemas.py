"""Phrase models for the API and import: Base (the editable fields), Create, Update, Public."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)
from pydantic_core import PydanticCustomError

from copilot.suggest.intents import GROUPS, INTENTS, intent_id
from copilot.validation_zh import reason

TITLE_MAX, BODY_MAX, ITEM_MAX = 60, 1000, 200
KEYWORDS_MAX, EXAMPLES_MAX = 30, 50
SHORTCUT_RE = re.compile(r"^[a-z0-9_/-]{1,20}$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
# Versions and row ids are 32-bit `integer` columns on PostgreSQL; a larger number is refused before any query.
MAX_INT = 2**31 - 1
# Lone surrogates cannot be encoded as UTF-8 and PostgreSQL refuses NUL; other C0 controls are noise.
_BAD_CHAR = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# List items travel through spreadsheet cells joined by these, so they may not contain them.
_ITEM_SEPARATORS = re.compile(r"[|\n\r]")

FIELD_ZH = {
    "id": "ID",
    "title": "标题",
    "body": "短语内容",
    "intent": "意图",
    "group": "分组",
    "shortcut": "快捷编码",
    "keywords": "关键词",
    "examples": "示例问题",
    "enabled": "启用",
    "version": "版本",
}


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid_value", message)


def _clean(text: str, label: str, max_len: int, min_len: int = 1) -> str:
    bad = _BAD_CHAR.search(text)
    if bad:
        kind = "无效的 Unicode 代理字符" if "\ud800" <= bad.group() <= "\udfff" else "控制字符"
        raise _fail(f"{label}第 {bad.start() + 1} 个字符是{kind} (U+{ord(bad.group()):04X}),请检查编码")
    text = text.strip()
    if len(text) < min_len:
        raise _fail(f"{label}不能为空")
    if len(text) > max_len:
        raise _fail(f"{label}过长:{len(text)} 个字符,上限 {max_len} 个字符")
    return text


def _text(label: str, max_len: int) -> AfterValidator:
    return AfterValidator(lambda value: _clean(value, label, max_len))


def _items(label: str, max_items: int) -> AfterValidator:
    def check(values: list[str]) -> list[str]:
        seen: dict[str, None] = {}
        for index, value in enumerate(values, 1):
            item = _clean(value, f"{label}第 {index} 项", ITEM_MAX, min_len=0)
            if _ITEM_SEPARATORS.search(item):
                raise _fail(f"{label}第 {index} 项不能包含 | 或换行(导出表格时用它们分隔各项)")
            if item:
                seen.setdefault(item)  # keeps order, drops repeats
        if len(seen) > max_items:
            raise _fail(f"{label}最多 {max_items} 项,现在 {len(seen)} 项")
        return list(seen)

    return AfterValidator(check)


def _intent(value: str) -> str:
    found = intent_id(value)
    if found is None:
        raise _fail(
            f"意图 {value!r} 不存在,可选: {'、'.join(INTENTS)}"
            f"（也可填编辑器里的中文名称，如 {INTENTS['return_exchange']}、{INTENTS['ship_time']}）"
        )
    return found


def _group(value: str) -> str:
    value = value.strip()
    if value not in GROUPS:
        raise _fail(f"分组 {value!r} 不存在,可选: {'、'.join(GROUPS)}")
    return value


def _shortcut(value: str | None) -> str | None:
    if value is None:
        return None
    value = _clean(value, "快捷编码", 20, min_len=0).lower()
    if not value:
        return None
    if not SHORTCUT_RE.match(value):
        raise _fail(f"快捷编码 {value!r} 只能由字母、数字和 _ / - 组成,最长 20 个字符")
    return value


def _phrase_id(value: str) -> str:
    if not ID_RE.match(value):
        raise _fail(f"ID {value!r} 只能由字母、数字和 _ . - 组成,以字母或数字开头,最长 40 个字符")
    return value


def _str_list(value: Any) -> Any:
    # A single keyword given as a plain string is still a list of one.
    return [value] if isinstance(value, str) else value


Title = Annotated[str, _text("标题", TITLE_MAX)]
Body = Annotated[str, _text("短语内容", BODY_MAX)]
Intent = Annotated[str, AfterValidator(_intent)]
GroupName = Annotated[str, AfterValidator(_group)]
Shortcut = Annotated[str | None, AfterValidator(_shortcut)]
Keywords = Annotated[list[str], BeforeValidator(_str_list), _items("关键词", KEYWORDS_MAX)]
Examples = Annotated[list[str], BeforeValidator(_str_list), _items("示例问题", EXAMPLES_MAX)]
PhraseId = Annotated[str, AfterValidator(_phrase_id)]


class PhraseBase(BaseModel):
    """The fields a team lead edits."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body
    intent: Intent
    group: GroupName
    shortcut: Shortcut = None
    keywords: Keywords = Field(default_factory=list)
    examples: Examples = Field(default_factory=list)
    enabled: bool = True


class PhraseCreate(PhraseBase):
    """POST body; without an id the store makes one up. `force`: save despite error-level lint problems."""

    id: PhraseId | None = None
    force: bool = False


class PhraseUpdate(BaseModel):
    """PUT body: the version it was based on, and the fields to change (the rest stay).

    `id` is accepted so a phrase read with GET can be sent back as it is (the route checks it names the
    phrase of the path); `force` saves despite error-level lint problems."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=MAX_INT)
    id: str | None = None
    force: bool = False
    title: Title | None = None
    body: Body | None = None
    intent: Intent | None = None
    group: GroupName | None = None
    shortcut: Shortcut = None
    keywords: Keywords | None = None
    examples: Examples | None = None
    enabled: bool | None = None


class PhrasePublic(PhraseBase):
    """A phrase as every interface shows it."""

    id: str
    version: int

    @model_serializer(mode="wrap")
    def _id_first(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Readers (and diffs of exported files) expect the id first; inheritance would put it last.
        data = handler(self)
        return {"id": data.pop("id"), **data} if "id" in data else data


def describe_errors(error: ValidationError) -> list[tuple[str, str]]:
    """(field, Chinese reason) for each problem pydantic found."""
    found = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        found.append((field, reason(item)))
    return found


class RestoreRequest(BaseModel):
    """POST body of a restore (phrase or rule): the version, as listed in the history, to bring back."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=MAX_INT)
