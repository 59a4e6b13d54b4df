"""Consistency: every rule kind and every setting is documented in the README, and its examples load."""

from __future__ import annotations

import re

import yaml

from copilot.config import PROJECT_ROOT, Settings
from copilot.lint import Linter
from copilot.lint.kinds import KINDS
from copilot.lint.loader import build_rule, load_word_classes

RULES_DIR = PROJECT_ROOT / "rules"
README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_rule_kind_has_a_documented_example_that_loads() -> None:
    examples = [yaml.safe_load(block)[0] for block in re.findall(r"```yaml\n(.*?)```", README, re.S)]
    documented = {example["kind"] for example in examples}
    assert documented == set(KINDS)
    classes = load_word_classes([RULES_DIR])  # a clause example may name the default packs' word classes
    Linter([build_rule(example, "readme", classes) for example in examples])


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`COPILOT_{name.upper()}`" in README, name
