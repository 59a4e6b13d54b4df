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


DOCS = {path.name: path.read_text(encoding="utf-8") for path in (PROJECT_ROOT / "docs").glob("*.md")}
# Read by the test suite, not by the service.
NOT_SETTINGS = {"COPILOT_TEST_DATABASE_URL", "COPILOT_TEST_REDIS_URL", "COPILOT_TEST_PUSHES"}


def test_every_setting_named_in_the_docs_exists() -> None:
    known = {f"COPILOT_{name.upper()}" for name in Settings.model_fields} | NOT_SETTINGS
    for name, text in {"README.md": README, **DOCS}.items():
        named = set(re.findall(r"\bCOPILOT_[A-Z0-9_]+\b", text))
        assert named <= known, (name, sorted(named - known))


def test_deploy_guide_passes_websockets_through_nginx_and_runs_under_systemd() -> None:
    guide = DOCS["deploy.md"]
    for needed in (
        "proxy_http_version 1.1",
        "Upgrade",
        "$connection_upgrade",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "client_max_body_size",
        "proxy_read_timeout",
        "[Service]",
        "ExecStart=",
        "/readyz",
        "/metrics",
    ):
        assert needed in guide, needed
    units = re.findall(r"^ExecStart=\S+ serve (.*)$", guide, re.M)
    assert units and all("--workers" in unit for unit in units)
