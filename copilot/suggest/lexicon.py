"""The suggest lexicon (phrasebank/lexicon/): intent cue words and the six complaint types, as data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from copilot.suggest.intents import INTENTS


@dataclass(frozen=True, slots=True)
class ComplaintType:
    id: str
    cues: tuple[str, ...]
    steps: tuple[str, ...]
    long_message: int | None = None  # a message this long is itself a cue (喋喋不休型)


@dataclass(frozen=True, slots=True)
class Lexicon:
    cues: dict[str, tuple[str, ...]]  # intent id -> cue words
    complaint_types: tuple[ComplaintType, ...]


class LexiconError(ValueError):
    """A lexicon file that cannot be used, with the file and the reason."""


def load_lexicon(folder: Path) -> Lexicon:
    """Read intents.yaml and complaint_types.yaml from folder; unknown intent ids are refused."""
    try:
        intents = yaml.safe_load((folder / "intents.yaml").read_text(encoding="utf-8"))["cues"]
        types = yaml.safe_load((folder / "complaint_types.yaml").read_text(encoding="utf-8"))["types"]
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise LexiconError(f"{folder}: 词库文件无法读取: {exc}") from None
    unknown = sorted(set(intents) - set(INTENTS))
    if unknown:
        raise LexiconError(f"{folder / 'intents.yaml'}: 未知的意图 {unknown};可用: {', '.join(INTENTS)}")
    return Lexicon(
        cues={intent: tuple(str(w) for w in words) for intent, words in intents.items()},
        complaint_types=tuple(
            ComplaintType(
                id=t["id"],
                cues=tuple(str(c) for c in t["cues"]),
                steps=tuple(t["steps"]),
                long_message=t.get("long_message"),
            )
            for t in types
        ),
    )
