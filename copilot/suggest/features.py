"""What retrieval sees of a text: jieba words without filler, and character uni- and bigrams."""

from __future__ import annotations

import re

from copilot.text.tokenize import Tokenizer

# Filler that carries no intent: particles, pronouns, politeness.
STOPWORDS = frozenset(
    [
        *"亲 吗 呢 啊 吧 了 的 呀 哦 嘛 么 哈 啦 噢 喔 呗 哇 咯 滴 我 你 您 他 她 它".split(),
        *"这 那 个 是 请 呃 额 嗯 恩 能 可以".split(),
        *"就 也 都 还 又 哎 诶 我们 你们 这个 那个 一下 请问 麻烦".split(),
    ]
)
_WORDISH = re.compile(r"[\w]", re.UNICODE)
_RUNS = re.compile(r"[^\W_]+")


def _keep(word: str) -> bool:
    return bool(word.strip()) and word not in STOPWORDS and bool(_WORDISH.search(word))


def words(text: str, tokenizer: Tokenizer) -> list[str]:
    """jieba words of a normalised text, without punctuation and filler."""
    return [w for w in tokenizer.cut(text) if _keep(w)]


def words_many(texts: list[str], tokenizer: Tokenizer) -> list[list[str]]:
    """words() of many texts at once."""
    return [[w for w in doc if _keep(w)] for doc in tokenizer.cut_many([t.replace("\n", " ") for t in texts])]


def char_grams(text: str) -> list[str]:
    """Character unigrams and bigrams of each run of letters, digits or Chinese characters."""
    grams: list[str] = []
    for run in _RUNS.findall(text):
        grams.extend(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams
