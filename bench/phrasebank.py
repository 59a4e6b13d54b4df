"""Phrases for benchmarks straight from YAML (no database): the default phrasebank or a generated one."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from copilot.config import PROJECT_ROOT
from copilot.suggest.lexicon import Lexicon, load_lexicon

PHRASEBANK = PROJECT_ROOT / "phrasebank"


@dataclass
class BenchPhrase:
    id: str
    title: str
    body: str
    intent: str
    group: str
    shortcut: str | None = None
    keywords: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    enabled: bool = True


def default_phrases(folder: Path = PHRASEBANK) -> list[BenchPhrase]:
    phrases = []
    for path in sorted(folder.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["phrases"]:
            fields = {k: item[k] for k in BenchPhrase.__dataclass_fields__ if k in item}
            for key in ("keywords", "examples"):  # YAML reads 618 as a number; it is still text
                fields[key] = [str(v) for v in fields.get(key, [])]
            phrases.append(BenchPhrase(**fields))
    return phrases


def default_lexicon() -> Lexicon:
    return load_lexicon(PHRASEBANK / "lexicon")


def generated_phrases(count: int, examples_each: int = 5, seed: int = 3) -> list[BenchPhrase]:
    """count phrases that look like a big shop's: the defaults' wording recombined, with new product words."""
    rng = random.Random(seed)
    base = default_phrases()
    nouns = [chr(c) + chr(c + 7) for c in range(0x4E00, 0x4E00 + 2000, 3)]
    out = []
    for i in range(count):
        source = base[i % len(base)]
        noun = rng.choice(nouns)
        out.append(
            BenchPhrase(
                id=f"gen-{i}",
                title=f"{source.title}{noun}",
                body=source.body,
                intent=source.intent,
                group=source.group,
                shortcut=f"g{i}",
                keywords=[*source.keywords[:3], noun],
                examples=[f"{rng.choice(source.examples)}{noun}" for _ in range(examples_each)],
            )
        )
    return out
