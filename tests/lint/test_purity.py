"""Lint is a pure function of text and rules: what the phrase index learns never reaches it."""

from __future__ import annotations

import json
import subprocess
import sys

from copilot.config import PROJECT_ROOT
from copilot.lint import Linter
from copilot.store import PhrasePublic
from copilot.suggest.index import SuggestIndex
from copilot.suggest.lexicon import load_lexicon

TEXT = "这件衣服不太合适您，您看看别的款"


def fresh_process_lint(text: str) -> list[list[object]]:
    """The same text linted by a new process that never built a phrase index."""
    code = (
        "import json, sys\n"
        "from copilot.lint import Linter, load_rules\n"
        "from copilot.config import PROJECT_ROOT\n"
        "linter = Linter(load_rules([PROJECT_ROOT / 'rules']))\n"
        "print(json.dumps([[d.rule, d.start, d.end] for d in linter.lint(sys.argv[1]).diagnostics]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, text], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def phrase(keywords: list[str]) -> PhrasePublic:
    return PhrasePublic.model_validate(
        {
            "id": "fit-01",
            "title": "尺码不合适",
            "body": "亲，可以帮您换一个尺码呢~",
            "intent": "return_exchange",
            "group": "售后",
            "keywords": keywords,
            "examples": ["尺码不太合适能换吗"],
            "version": 1,
        }
    )


def test_indexing_a_phrase_with_a_new_keyword_does_not_change_lint(linter: Linter) -> None:
    before = [[d.rule, d.start, d.end] for d in linter.lint(TEXT).diagnostics]
    # the suggest index teaches its tokenizer 不太合适 as one word (the issue's own example)
    index = SuggestIndex([phrase(["不太合适"])], load_lexicon(PROJECT_ROOT / "phrasebank" / "lexicon"))
    assert "不太合适" in index.tokenizer.cut("这件衣服不太合适")
    after = [[d.rule, d.start, d.end] for d in linter.lint(TEXT).diagnostics]
    assert after == before == fresh_process_lint(TEXT)
    assert ["style.bu-any", 4, 6] in after  # 不太, not 不太合适
