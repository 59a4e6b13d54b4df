"""Fixtures the suggest tests share: the shipped lexicon and a suggester over the default phrasebank."""

from __future__ import annotations

import pytest

from copilot.config import PROJECT_ROOT
from copilot.store import PhrasePublic
from copilot.suggest.index import SuggestIndex
from copilot.suggest.lexicon import Lexicon, load_lexicon
from copilot.suggest.suggester import Suggester

VALUES = {"agent_no": "8", "shop": "小熊旗舰店", "customer": "小王"}


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return load_lexicon(PROJECT_ROOT / "phrasebank" / "lexicon")


@pytest.fixture(scope="session")
def suggester(default_phrases: list[PhrasePublic], lexicon: Lexicon) -> Suggester:
    return Suggester(SuggestIndex(default_phrases, lexicon), VALUES)


def intents_of(answer: dict) -> list[str]:
    return [i["id"] for i in answer["intents"]]
