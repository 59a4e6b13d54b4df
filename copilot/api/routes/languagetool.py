"""A LanguageTool-compatible pair (/v2/languages, /v2/check) so LanguageTool clients use our rules.

LanguageTool counts offsets in UTF-16 code units and sorts matches by offset; our diagnostics
count code points, so offsets are converted here, at the edge.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from copilot import __version__
from copilot.api import compute, metrics
from copilot.api.auth_deps import require_reader
from copilot.api.deps import LinterDep, SettingsDep, require_text
from copilot.api.errors import ApiError
from copilot.api.jsoncheck import JsonRefused, parse_json
from copilot.api.models import LtCheckAnswer, LtLanguage, answers
from copilot.api.responses import READER, STORE, ErrorBody, errors
from copilot.lint import Diagnostic, Severity

router = APIRouter(dependencies=[Depends(require_reader)])

LANGUAGES = [
    {"name": "Chinese", "code": "zh", "longCode": "zh-CN"},
    {"name": "Chinese (Simplified)", "code": "zh", "longCode": "zh-Hans"},
]
_ACCEPTED = {"zh", "zh-cn", "zh-hans", "zh-sg", "zh-tw", "zh-hk", "zh-hant", "auto"}
_ISSUE_TYPE = {Severity.ERROR: "misspelling", Severity.WARNING: "style", Severity.INFO: "hint"}
_CONTEXT = 40
_SENTENCE_END = re.compile(r"[。!?!?\n]")


class Utf16Offsets:
    """Converts code-point offsets of one text to UTF-16 code units (astral characters count twice)."""

    def __init__(self, text: str) -> None:
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]

    def __call__(self, pos: int) -> int:
        return pos + bisect_left(self._astral, pos)


def _sentence(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right_match = _SENTENCE_END.search(text, end)
    right = right_match.end() if right_match else len(text)
    return text[left:right].strip()


def to_match(text: str, d: Diagnostic, utf16: Utf16Offsets) -> dict[str, Any]:
    """One diagnostic as a LanguageTool match."""
    ctx_start = max(0, d.start - _CONTEXT)
    ctx_end = min(len(text), d.end + _CONTEXT)
    category = d.rule.split(".", 1)[0]
    return {
        "message": d.message,
        "shortMessage": {"error": "禁止发送", "warning": "建议修改", "info": "提示"}[d.severity.value],
        "offset": utf16(d.start),
        "length": utf16(d.end) - utf16(d.start),
        "replacements": [{"value": r} for r in d.replacements],
        "context": {
            "text": text[ctx_start:ctx_end],
            "offset": utf16(d.start) - utf16(ctx_start),
            "length": utf16(d.end) - utf16(d.start),
        },
        "sentence": _sentence(text, d.start, d.end),
        "type": {"typeName": "Other"},
        "rule": {
            "id": d.rule,
            "description": d.message,
            "issueType": _ISSUE_TYPE[d.severity],
            "category": {"id": category.upper(), "name": category},
        },
        "ignoreForIncompleteSentence": False,
        "contextForSureMatch": 0,
    }


def _text_from_annotation(data: str, max_depth: int) -> tuple[str, str, list[tuple[int, int]]]:
    """Plain and full text of LanguageTool's `data` (annotated text), and per plain slice its full-text start."""
    expected = 'data 应为 {"annotation": [{"text": …}, {"markup": …}]} 格式的 JSON'
    try:
        parsed = parse_json(data, max_depth, "data")
    except JsonRefused as exc:
        raise ApiError(400, "invalid_data", f"{exc.message}；{expected}") from None
    try:
        parts = parsed["annotation"]
        if not isinstance(parts, list):
            raise TypeError
    except (KeyError, TypeError):
        raise ApiError(400, "invalid_data", expected) from None
    plain: list[str] = []
    full: list[str] = []
    slices: list[tuple[int, int]] = []  # (plain start, full-text start)
    plain_pos = full_pos = 0
    for part in parts:
        if not isinstance(part, dict):
            raise ApiError(400, "invalid_data", "data.annotation 的每一项应为对象")
        if isinstance(part.get("text"), str):
            slices.append((plain_pos, full_pos))
            plain.append(part["text"])
            full.append(part["text"])
            plain_pos += len(part["text"])
            full_pos += len(part["text"])
        elif isinstance(part.get("markup"), str):
            full_pos += len(part["markup"])
            full.append(part["markup"])
            interpret = part.get("interpretAs")
            if isinstance(interpret, str) and interpret:
                plain.append(interpret)
                plain_pos += len(interpret)
        else:
            raise ApiError(400, "invalid_data", "data.annotation 的每一项应有 text 或 markup 字段")
    return "".join(plain), "".join(full), slices


def _shift_to_full(pos: int, slices: list[tuple[int, int]]) -> int:
    for plain_start, full_start in reversed(slices):
        if pos >= plain_start:
            return full_start + (pos - plain_start)
    return pos


@router.get("/v2/languages", **answers(list[LtLanguage]), responses=errors(READER, STORE))
def languages() -> list[dict[str, str]]:
    """The languages our rules check (Chinese)."""
    return LANGUAGES


# Two routes, not one with two methods, so the OpenAPI schema gets one operation id per method.
# LanguageTool clients expect its plain-text 400s for a missing text or an unreadable form; our own errors are JSON.
_CHECK_ERRORS = errors(READER, STORE, 413, 422) | {
    400: {
        "model": ErrorBody,
        "description": "缺少 text 或 data,表单无法解析,或 data 不是 LanguageTool 的标注格式",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    },
}


@router.get("/v2/check", **answers(LtCheckAnswer), responses=_CHECK_ERRORS)
@router.post("/v2/check", **answers(LtCheckAnswer), responses=_CHECK_ERRORS)
async def check(request: Request, linter: LinterDep, settings: SettingsDep) -> JSONResponse | PlainTextResponse:
    """LanguageTool's check: form or query fields text (or data) and language."""
    fields: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        try:
            form = await request.form()
        except Exception:  # malformed multipart or urlencoded body
            return PlainTextResponse("Error: could not read the form body / 无法解析表单", status_code=400)
        fields.update({k: v for k, v in form.items() if isinstance(v, str)})
    language = str(fields.get("language", "")).strip()
    if not language:
        return PlainTextResponse("Error: Missing 'language' parameter / 缺少 language 参数", status_code=400)
    if language.lower() not in _ACCEPTED:
        return PlainTextResponse(
            f"Error: '{language}' is not a language code known to this server; use zh-CN / 只支持中文 (zh-CN)",
            status_code=400,
        )
    slices: list[tuple[int, int]] | None = None
    if "text" in fields:
        text = str(fields["text"])
    elif "data" in fields:
        text, full_text, slices = _text_from_annotation(str(fields["data"]), settings.json_max_depth)
    else:
        return PlainTextResponse("Error: Missing 'text' or 'data' parameter / 缺少 text 或 data 参数", status_code=400)
    require_text(text, settings)
    started = time.perf_counter()
    result = await compute.run(settings, linter.lint, text)
    metrics.lint_seconds.labels("http").observe(metrics.elapsed(started))
    utf16 = Utf16Offsets(text)
    matches = [to_match(text, d, utf16) for d in result.diagnostics]
    if slices is not None:  # annotated text: offsets count the markup too
        full_utf16 = Utf16Offsets(full_text)
        for match, d in zip(matches, result.diagnostics, strict=True):
            start = full_utf16(_shift_to_full(d.start, slices))
            end = full_utf16(_shift_to_full(d.end - 1, slices) + 1)
            match["offset"], match["length"] = start, end - start
    matches.sort(key=lambda m: m["offset"])
    return JSONResponse(
        {
            "software": {"name": "Kefu Copilot", "version": __version__, "apiVersion": 1, "status": ""},
            "warnings": {"incompleteResults": False},
            "language": {
                "name": "Chinese",
                "code": "zh-CN",
                "detectedLanguage": {"name": "Chinese", "code": "zh-CN", "confidence": 1.0},
            },
            "matches": matches,
        }
    )
