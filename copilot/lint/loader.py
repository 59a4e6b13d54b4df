"""Load rule packs (rules/*.yaml): name rules after their pack, fill defaults, refuse any mistake whole."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from copilot.lint.clause_pattern import NUMBER, PatternError, WordClass, parse_pattern
from copilot.lint.kinds import KINDS, Rule
from copilot.text.normalize import normalize_terms
from copilot.validation_zh import reason
from copilot.yamllines import KEY_LINES, LINE, error_line, load_with_lines, without_lines

_CLASS_NAME = re.compile(r"[a-z][a-z0-9_-]*")


class RulePackError(Exception):
    """A rule pack that cannot be loaded; every problem names its file, line and rule."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("规则包有误,未加载:\n" + "\n".join(f"- {p}" for p in problems))


def describe_validation_error(error: ValidationError) -> list[str]:
    """Pydantic's errors as short Chinese reasons that name the offending key."""
    reasons = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(规则)"
        why = reason(item)
        reasons.append(f"{key}: {why}" if item["loc"] or item["type"] != "value_error" else why)
    return reasons


def build_rule(
    data: dict[str, Any],
    pack: str | None = None,
    classes: Mapping[str, WordClass] | None = None,
    category: str | None = None,
) -> Rule:
    """Validate one rule mapping into its kind's class; raises ValueError with Chinese reasons.

    classes are the word classes clause patterns may name; category is the pack's default.
    """
    data = without_lines(data)
    kind = data.get("kind")
    if kind not in KINDS:
        valid = ", ".join(KINDS)
        raise ValueError(f"未知的规则类型 {kind!r};可用类型: {valid}" if kind else f"缺少 kind;可用类型: {valid}")
    if pack and isinstance(data.get("id"), str):
        data["id"] = f"{pack}.{data['id']}"
    if category and "category" not in data:
        data["category"] = category
    try:
        return KINDS[kind].model_validate(data, context={"classes": classes or {}})
    except ValidationError as exc:
        raise ValueError("; ".join(describe_validation_error(exc))) from None


_PACK_KEYS = {"description", "category", "classes", "rules"}


def _read_pack(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The parsed pack document (with line numbers), or the problems that stop it from being read."""
    try:
        document = load_with_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}: 无法读取: {exc}"]
    except yaml.YAMLError as exc:
        line = error_line(exc)
        where = f"{path}:{line}" if line else str(path)
        return None, [f"{where}: YAML 格式错误: {getattr(exc, 'problem', exc)}"]
    only_classes = isinstance(document, dict) and "rules" not in document and isinstance(document.get("classes"), dict)
    if not isinstance(document, dict) or not (isinstance(document.get("rules"), list) or only_classes):
        return None, [f"{path}: 规则包应为含 rules: 列表(或只含 classes: 词类)的映射"]
    unknown = sorted(str(key) for key in document if key not in _PACK_KEYS and key not in (LINE, KEY_LINES))
    if unknown:
        return None, [f"{path}: 未知的字段 {', '.join(unknown)};可用: {', '.join(sorted(_PACK_KEYS))}"]
    return document, []


def _pack_classes(path: Path, document: dict[str, Any]) -> tuple[dict[str, WordClass], list[str]]:
    """The word classes a pack defines: name -> a list of words, or a mapping word -> its form in fixes."""
    found: dict[str, WordClass] = {}
    problems: list[str] = []
    raw = document.get("classes") or {}
    lines = raw.get(KEY_LINES, {}) if isinstance(raw, dict) else {}
    if not isinstance(raw, dict):
        return {}, [f"{path}: classes 应为 词类名: 词的列表 的映射"]
    for name, value in raw.items():
        if name in (LINE, KEY_LINES):
            continue
        where = f"{path}:{lines.get(name, raw.get(LINE, '?'))}: 词类 {name}"
        value = without_lines(value)
        if not isinstance(name, str) or not _CLASS_NAME.fullmatch(name):
            problems.append(f"{where}: 名称只能用小写英文字母、数字、_ 和 -,以字母开头")
        elif name == NUMBER:
            problems.append(f"{where}: {{{NUMBER}}} 是内置词类(数字),请换个名称")
        elif isinstance(value, str) and value.strip():
            try:
                parse_pattern(value)
            except PatternError as exc:
                problems.append(f"{where}: {exc}")
                continue
            found[name] = WordClass(name, pattern=value)
        elif isinstance(value, list) and value and all(isinstance(w, str) and w.strip() for w in value):
            found[name] = WordClass(name, tuple(value))
        elif (
            isinstance(value, dict)
            and value
            and all(isinstance(w, str) and w.strip() and isinstance(f, str) for w, f in value.items())
        ):
            forms = dict(zip(normalize_terms(list(value)), value.values(), strict=True))
            found[name] = WordClass(name, tuple(value), forms)
        else:
            problems.append(f"{where}: 应为非空的词列表、词: 修正用词 的映射,或一个模式")
    return found, problems


def _pack_rules(path: Path, document: dict[str, Any], classes: Mapping[str, WordClass]) -> tuple[list[Rule], list[str]]:
    pack = path.stem
    category = document.get("category")
    rules: list[Rule] = []
    problems: list[str] = []
    for position, item in enumerate(document.get("rules") or [], start=1):
        if not isinstance(item, dict):
            problems.append(f"{path}: 第 {position} 条规则应为映射")
            continue
        line = item.get(LINE, "?")
        label = f"{pack}.{item['id']}" if isinstance(item.get("id"), str) else f"第 {position} 条规则(缺少 id)"
        try:
            rules.append(build_rule(item, pack, classes, category))
        except ValueError as exc:
            problems.append(f"{path}:{line}: 规则 {label}: {exc}")
    return rules, problems


def load_pack(path: Path) -> tuple[list[Rule], list[str]]:
    """Rules of one pack file (with only its own word classes) and the problems found in it."""
    document, problems = _read_pack(path)
    if document is None:
        return [], problems
    classes, problems = _pack_classes(path, document)
    rules, rule_problems = _pack_rules(path, document, classes)
    return rules, problems + rule_problems


def _pack_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files


def _read_packs(files: list[Path]) -> tuple[list[tuple[Path, dict[str, Any]]], dict[str, WordClass], list[str]]:
    """Every pack document, the word classes they define between them, and the problems found."""
    problems: list[str] = []
    documents: list[tuple[Path, dict[str, Any]]] = []
    classes: dict[str, WordClass] = {}
    defined_in: dict[str, Path] = {}
    for file in files:
        document, file_problems = _read_pack(file)
        problems.extend(file_problems)
        if document is None:
            continue
        documents.append((file, document))
        file_classes, class_problems = _pack_classes(file, document)
        problems.extend(class_problems)
        for name, word_class in file_classes.items():
            if name in classes:
                problems.append(f"{file}: 词类 {name} 重复(已在 {defined_in[name]} 定义)")
            else:
                classes[name], defined_in[name] = word_class, file
    return documents, classes, problems


def load_word_classes(paths: Iterable[Path]) -> dict[str, WordClass]:
    """The word classes the given packs define (for building a clause rule outside a pack)."""
    _, classes, problems = _read_packs(_pack_files(paths))
    if problems:
        raise RulePackError(problems)
    return classes


# Parsing the packs and compiling their clause patterns costs about a tenth of a second, paid by every
# service, CLI command and test app that loads them. Rules are frozen models, so a process keeps the rules
# of the last few pack contents it read, keyed by the files' exact bytes: an edited pack is read again.
_LOADED: dict[tuple[tuple[str, bytes], ...], list[Rule]] = {}
_LOADED_MAX = 8


def _content_key(files: list[Path]) -> tuple[tuple[str, bytes], ...] | None:
    try:
        return tuple((str(file), hashlib.sha256(file.read_bytes()).digest()) for file in files)
    except OSError:
        return None  # unreadable: the loader reports it


def load_rules(paths: Iterable[Path]) -> list[Rule]:
    """Every rule of the given pack files and folders (folders: their *.yaml, sorted); all or nothing.

    Word classes are shared: a clause pattern may name a class defined in any of the packs.
    """
    files = _pack_files(paths)
    key = _content_key(files)
    if key is not None and key in _LOADED:
        return list(_LOADED[key])
    rules = _load_rules(files)
    if key is not None:
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = rules
    return list(rules)


def _load_rules(files: list[Path]) -> list[Rule]:
    documents, classes, problems = _read_packs(files)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for file, document in documents:
        file_rules, file_problems = _pack_rules(file, document, classes)
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
