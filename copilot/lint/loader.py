"""Load rule packs (rules/*.yaml): name rules after their pack, fill defaults, refuse any mistake whole."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from copilot.lint.kinds import KINDS, Rule
from copilot.yamllines import LINE, error_line, load_with_lines, without_lines


class RulePackError(Exception):
    """A rule pack that cannot be loaded; every problem names its file, line and rule."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("规则包有误,未加载:\n" + "\n".join(f"- {p}" for p in problems))


_PYDANTIC_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段",
    "string_type": "应为字符串",
    "string_too_short": "不能为空",
    "too_short": "不能为空",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "dict_type": "应为映射 (term: 替换词)",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "enum": "取值无效",
    "literal_error": "取值无效",
    "string_pattern_mismatch": "只能用字母、数字、点、下划线和连字符",
}


def describe_validation_error(error: ValidationError) -> list[str]:
    """Pydantic's errors as short Chinese reasons that name the offending key."""
    reasons = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(规则)"
        if item["type"] == "value_error":
            reasons.append(f"{key}: {str(item.get('ctx', {}).get('error', item['msg']))}")
            continue
        reason = _PYDANTIC_ZH.get(item["type"], item["msg"])
        if item["type"] in ("enum", "literal_error"):
            reason += f"(可选: {item.get('ctx', {}).get('expected', '')})"
        reasons.append(f"{key}: {reason}")
    return reasons


def build_rule(data: dict[str, Any], pack: str | None = None) -> Rule:
    """Validate one rule mapping into its kind's class; raises ValueError with Chinese reasons."""
    data = without_lines(data)
    kind = data.get("kind")
    if kind not in KINDS:
        valid = ", ".join(KINDS)
        raise ValueError(f"未知的规则类型 {kind!r};可用类型: {valid}" if kind else f"缺少 kind;可用类型: {valid}")
    if pack and isinstance(data.get("id"), str):
        data["id"] = f"{pack}.{data['id']}"
    try:
        return KINDS[kind].model_validate(data)
    except ValidationError as exc:
        raise ValueError("; ".join(describe_validation_error(exc))) from None


def load_pack(path: Path) -> tuple[list[Rule], list[str]]:
    """Rules of one pack file and the problems found in it."""
    pack = path.stem
    try:
        document = load_with_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}: 无法读取: {exc}"]
    except yaml.YAMLError as exc:
        line = error_line(exc)
        where = f"{path}:{line}" if line else str(path)
        return [], [f"{where}: YAML 格式错误: {getattr(exc, 'problem', exc)}"]
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        return [], [f"{path}: 规则包应为含 rules: 列表的映射"]
    rules: list[Rule] = []
    problems: list[str] = []
    for position, item in enumerate(document["rules"], start=1):
        if not isinstance(item, dict):
            problems.append(f"{path}: 第 {position} 条规则应为映射")
            continue
        line = item.get(LINE, "?")
        label = f"{pack}.{item['id']}" if isinstance(item.get("id"), str) else f"第 {position} 条规则(缺少 id)"
        try:
            rules.append(build_rule(item, pack))
        except ValueError as exc:
            problems.append(f"{path}:{line}: 规则 {label}: {exc}")
    return rules, problems


def load_rules(paths: Iterable[Path]) -> list[Rule]:
    """Every rule of the given pack files and folders (folders: their *.yaml, sorted); all or nothing."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    rules: list[Rule] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for file in files:
        file_rules, file_problems = load_pack(file)
        problems.extend(file_problems)
        for rule in file_rules:
            if rule.id in seen:
                problems.append(f"{file}: 规则 {rule.id}: id 重复(已在 {seen[rule.id]} 定义)")
            else:
                seen[rule.id] = str(file)
                rules.append(rule)
    if problems:
        raise RulePackError(problems)
    return rules
