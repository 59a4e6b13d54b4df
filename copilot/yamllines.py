"""Safe YAML loading that remembers where each mapping and key stood, for errors that name the line."""

from __future__ import annotations

from typing import Any

import yaml

LINE = "__line__"  # the line a mapping starts on
KEY_LINES = "__key_lines__"  # key -> the line it stands on

# libyaml's parser when it is there: a 100,000-term rule pack parses in a fraction of the pure-Python time.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineLoader(_Base):  # type: ignore[misc,valid-type]
    """A safe loader (no arbitrary objects) whose mappings carry LINE and KEY_LINES."""


def _mapping_with_lines(loader: LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    mapping[KEY_LINES] = {
        key.value: key.start_mark.line + 1 for key, _ in node.value if isinstance(key, yaml.ScalarNode)
    }
    return mapping


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_lines)


def load_with_lines(text: str) -> Any:
    """Parse YAML text; every mapping has LINE and KEY_LINES entries (yaml.YAMLError on bad YAML)."""
    return yaml.load(text, Loader=LineLoader)  # noqa: S506 - LineLoader is a safe loader


def without_lines(value: Any) -> Any:
    """The same data with every LINE and KEY_LINES entry removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_lines(v) for k, v in value.items() if k not in (LINE, KEY_LINES)}
    if isinstance(value, list):
        return [without_lines(v) for v in value]
    return value


def error_line(exc: yaml.YAMLError) -> int | None:
    """The 1-based line a YAML syntax error points at, if it says."""
    mark = getattr(exc, "problem_mark", None)
    return mark.line + 1 if mark is not None else None
