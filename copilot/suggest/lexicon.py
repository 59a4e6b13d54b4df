"""The suggest lexicon (phrasebank/lexicon/): intent cue words, the six complaint types and the fusion
weights, as data; and the intent model's training corpus (phrasebank/training/, beside it)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from copilot.suggest.intents import INTENTS
from copilot.text.normalize import normalize


@dataclass(frozen=True, slots=True)
class ComplaintType:
    id: str
    cues: tuple[str, ...]
    steps: tuple[str, ...]
    long_message: int | None = None  # a message this long is itself a cue (喋喋不休型)


@dataclass(frozen=True, slots=True)
class Fusion:
    """How intent scores are combined, chosen on the dev sets by `python -m bench.suggest_tune`."""

    model: float = 0.7  # weight of the intent model's probability
    retrieval: float = 0.3  # weight of the best phrase's retrieval score (0..1) for that intent
    other_below: float = 0.35  # a best fused score under this means no intent fits: `other`
    second_share: float = 0.6  # a second intent must score this share of the first (and lead a clause)
    # how much the intent of the customer's previous turn and of the agent's last reply weigh in
    # (exponents of their probabilities; 0 ignores the conversation)
    context_customer: float = 0.3
    context_agent: float = 0.3
    # an intent scoring this share of the first gets a phrase among the first suggestions, in case the
    # first reading is wrong
    hedge_share: float = 0.1


@dataclass(frozen=True, slots=True)
class Lexicon:
    cues: dict[str, tuple[str, ...]]  # intent id -> cue words
    complaint_types: tuple[ComplaintType, ...]
    corpus: tuple[tuple[str, str], ...] = ()  # (customer message, intent id): the model's training corpus
    fusion: Fusion = Fusion()


# libyaml's safe loader when PyYAML was built with it: the corpus is ~4,000 lines, read at every start
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LexiconError(ValueError):
    """A lexicon file that cannot be used, with the file and the reason."""


def load_training(folder: Path) -> tuple[tuple[str, str], ...]:
    """The training corpus: YAML files of {intent, messages} (in subfolders too, one per way the
    messages were written); unknown intents are refused."""
    corpus: list[tuple[str, str]] = []
    seen: dict[str, tuple[str, Path]] = {}  # a message's letters and digits -> its intent and file
    for path in sorted(folder.rglob("*.yaml")) if folder.is_dir() else []:
        try:
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 (safe)
            intent, messages = str(document["intent"]), document["messages"]
        except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
            raise LexiconError(f"{path}: 训练语料无法读取: {exc}") from None
        if not isinstance(messages, list):
            raise LexiconError(f"{path}: messages 应为消息列表")
        if intent not in INTENTS:
            raise LexiconError(f"{path}: 未知的意图 {intent!r};可用: {', '.join(INTENTS)}")
        for message in map(str, messages):
            key = "".join(ch for ch in normalize(message).text if ch.isalnum())
            if not key:
                continue
            # one message taught as two intents would teach neither: refused, naming both files
            other = seen.setdefault(key, (intent, path))
            if other[0] != intent:
                raise LexiconError(f"{path}: 消息 {message!r} 标为 {intent},但 {other[1]} 中标为 {other[0]}")
            corpus.append((message, intent))
    return tuple(corpus)


def load_fusion(path: Path) -> Fusion:
    if not path.exists():
        return Fusion()
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Fusion(**{key: float(values[key]) for key in Fusion.__dataclass_fields__ if key in values})
    except (OSError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise LexiconError(f"{path}: 融合权重无法读取: {exc}") from None


# Reading the lexicon and its ~4,000-line corpus costs ~50 ms, paid by every service start, CLI command and
# test app; a process keeps the last few it read, keyed by the files' exact bytes (an edit is read again).
_LOADED: dict[tuple[tuple[str, bytes], ...], Lexicon] = {}
_LOADED_MAX = 4


def _content_key(folder: Path, training: Path) -> tuple[tuple[str, bytes], ...] | None:
    files = [folder / name for name in ("intents.yaml", "complaint_types.yaml", "fusion.yaml")]
    files += sorted(training.rglob("*.yaml")) if training.is_dir() else []
    try:
        return tuple(
            (str(file), hashlib.sha256(file.read_bytes()).digest() if file.exists() else b"") for file in files
        )
    except OSError:
        return None  # unreadable: the loader reports it


def load_lexicon(folder: Path, training: Path | None = None) -> Lexicon:
    """Read intents.yaml, complaint_types.yaml and fusion.yaml from folder, and the training corpus
    (by default the training/ folder beside it); unknown intent ids are refused."""
    training = training if training is not None else folder.parent / "training"
    key = _content_key(folder, training)
    if key is not None and key in _LOADED:
        return _LOADED[key]
    lexicon = _read_lexicon(folder, training)
    if key is not None:
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = lexicon
    return lexicon


def _read_lexicon(folder: Path, training: Path) -> Lexicon:
    try:
        intents = yaml.safe_load((folder / "intents.yaml").read_text(encoding="utf-8"))["cues"]
        types = yaml.safe_load((folder / "complaint_types.yaml").read_text(encoding="utf-8"))["types"]
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise LexiconError(f"{folder}: 词库文件无法读取: {exc}") from None
    unknown = sorted(set(intents) - set(INTENTS))
    if unknown:
        raise LexiconError(f"{folder / 'intents.yaml'}: 未知的意图 {unknown};可用: {', '.join(INTENTS)}")
    return Lexicon(
        corpus=load_training(training),
        fusion=load_fusion(folder / "fusion.yaml"),
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
