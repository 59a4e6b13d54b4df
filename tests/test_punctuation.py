"""Default phrases and the fixes rules offer use full-width Chinese punctuation (，。！？：；（）) inside
Chinese text: an agent sends them as they are, and a half-width comma in a Chinese reply looks careless."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from copilot.config import PROJECT_ROOT
from copilot.store import PhrasePublic

HAN = r"[\u3400-\u4dbf\u4e00-\u9fff]"
# half-width , ! ? : ; next to a Chinese character; a full stop after one (1.5, URLs and {agent_no} are
# left alone); a bracket pair around or beside Chinese text
HALF_WIDTH = re.compile(
    rf"{HAN}\s*[,!?:;]|[,!?:;]\s*{HAN}|{HAN}\.(?![0-9A-Za-z])|\([^()]*{HAN}[^()]*\)|{HAN}\s*\(|\)\s*{HAN}"
)


def half_width_in_chinese(text: str) -> list[str]:
    """Each place (with a little context) where Chinese text has half-width punctuation."""
    return [text[max(0, m.start() - 4) : m.end() + 4] for m in HALF_WIDTH.finditer(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("亲,您好~", True),
        ("请稍等.", True),
        ("运费险(部分商品)", True),
        ("在吗?", True),
        ("亲，您好，我是{agent_no}号客服~", False),
        ("满1.5公斤加收运费，详见 https://example.com/a.html", False),
        ("一般1-3个工作日到账（节假日顺延）。", False),
    ],
)
def test_the_check_finds_half_width_punctuation_only_inside_chinese(text: str, found: bool) -> None:
    assert bool(half_width_in_chinese(text)) is found


def test_default_phrase_titles_and_bodies_use_full_width_punctuation(default_phrases: list[PhrasePublic]) -> None:
    bad = {p.id: half_width_in_chinese(f"{p.title}\n{p.body}") for p in default_phrases}
    assert {pid: places for pid, places in bad.items() if places} == {}


def _fix_texts(node: object, key: str = "") -> Iterator[str]:
    """Every text a rule pack offers as a fix (its `replacements` and `swap` values)."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _fix_texts(value, str(name) if name in ("replacements", "swap") else key)
    elif isinstance(node, list):
        for value in node:
            yield from _fix_texts(value, key)
    elif isinstance(node, str) and key:
        yield node


@pytest.mark.parametrize("pack", sorted((PROJECT_ROOT / "rules").glob("*.yaml")), ids=lambda p: p.name)
def test_fixes_offered_by_default_rules_use_full_width_punctuation(pack: Path) -> None:
    fixes = list(_fix_texts(yaml.safe_load(pack.read_text(encoding="utf-8"))))
    assert [(fix, half_width_in_chinese(fix)) for fix in fixes if half_width_in_chinese(fix)] == []
