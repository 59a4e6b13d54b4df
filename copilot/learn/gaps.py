"""Gaps: customer questions no phrase answers, grouped into clusters of near-duplicates (能刻字吗, 可以刻字吗？,
亲 能刻字么 are one question), each with its count, up to five sample questions and the agents' most
common reply — what a lead turns into a new phrase.

Clustering is linear in the number of distinct questions: questions are grouped by key_text first, then
each distinct key (most frequent first) joins the cluster whose representative its core (the key without
greetings, filler and particles) is closest to, among the few clusters an inverted index on the core's
character bigrams proposes, or founds a new cluster."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from copilot.learn.keys import key_text, message_key

# How close (rapidfuzz ratio of the cores, 0-100) a question must be to a cluster's representative to join
# it: 刻字/刻个字 (80) and 安装服务/有安装服务 (89) join; 退款/刻字 (0) and 能退吗/能刻吗-like pairs of one
# shared character (50) stay apart.
CLUSTER_RATIO = 70.0
QUESTIONS_SHOWN = 5
CANDIDATES = 8  # clusters compared per distinct question (the ones sharing the most bigrams)
POSTINGS = 48  # clusters looked at per bigram: the biggest, which were founded first
REPLY_MERGE_CHARS = 15  # a reply this long (key_text) answers one question, not any (可以的亲 answers many)
QUESTION_CHARS = 300  # a longer question is clustered by its start (bounded work per question)

# What says nothing about the question itself: greetings, forms of address, politeness, modal verbs and
# sentence-final particles (longest first, so 能不能 goes before 能). Removed from the key to get its core.
_FILLER = sorted(
    """亲亲 亲爱的 亲 你好 您好 哈喽 哈罗 嗨 hello hi 在吗 在不在 在么 在嘛 有人吗 有人在吗 客服 老板 掌柜 美女 小姐姐
    请问一下 请问 问一下 问下 想问一下 想问下 我想问 我想知道 想知道 咨询一下 咨询下 那个 这个 就是 一下
    能不能 可不可以 可以不可以 是不是 会不会 能否 可否 可以 能够 能 行不行 行吗 好不好
    谢谢 多谢 好的 好滴 好嘞 嗯嗯 嗯 哦哦 哦 噢 收到 知道了 明白了 ok okay
    吗 么 嘛 呢 吧 啊 呀 哈 啦 哇""".split(),
    key=len,
    reverse=True,
)
_FILLER_RE = re.compile("|".join(re.escape(w) for w in _FILLER))


_LEADING = sorted(
    """亲亲 亲爱的 亲 你好 您好 哈喽 哈罗 嗨 hello hi 在吗 在不在 有人吗 客服 老板 掌柜 美女 小姐姐
    请问一下 请问 问一下 问下 想问一下 想问下 咨询一下 咨询下""".split(),
    key=len,
    reverse=True,
)
_WRAPPING = re.compile("^(?:" + "|".join(re.escape(w) for w in _LEADING) + ")+|[呀啊哈啦哇呢吧嘛急]+$")


def trim(key: str) -> str:
    """A key_text without greetings in front and particles at the end (亲能刻字吗呀 → 能刻字吗)."""
    return _WRAPPING.sub("", key)


def core(key: str) -> str:
    """A key_text without filler: what the question is about (能刻字吗 → 刻字, 能刻个字不 → 刻个字)."""
    return _FILLER_RE.sub("", key).removesuffix("不")


def has_substance(text: str) -> bool:
    """Whether a message asks something beyond a greeting, thanks or acknowledgement (在吗, 好的谢谢 don't)."""
    return len(core(key_text(text[:QUESTION_CHARS]))) >= 2


def _grams(text: str) -> set[str]:
    """Character bigrams and skip-bigrams (刻个字 shares 刻字 with 刻字); a single character stands alone."""
    if len(text) < 2:
        return {text} if text else set()
    grams = {text[i : i + 2] for i in range(len(text) - 1)}
    grams.update(text[i] + text[i + 2] for i in range(len(text) - 2))
    return grams


@dataclass(frozen=True)
class GapCluster:
    """Near-duplicate customer questions no phrase answers."""

    key: str  # message_key of its most frequent question
    count: int  # how many times they were asked
    questions: list[str]  # up to QUESTIONS_SHOWN, most frequent first (masked)
    reply: str | None  # the agents' most common reply (masked), in its most common form


@dataclass
class _Question:
    count: int = 0
    forms: Counter[str] = field(default_factory=Counter)  # original (masked) texts
    replies: Counter[str] = field(default_factory=Counter)  # reply key_text -> times


class GapCollector:
    """Collects (question, reply) pairs during mining; `clusters()` groups them."""

    def __init__(self) -> None:
        self._questions: dict[str, _Question] = {}
        self._reply_forms: dict[str, Counter[str]] = {}

    def add(self, question: str, reply: str | None, count: int = 1) -> None:
        question = question[:QUESTION_CHARS].strip()
        key = key_text(question)
        if not key:
            return
        entry = self._questions.get(key)
        if entry is None:
            entry = self._questions[key] = _Question()
        entry.count += count
        entry.forms[question] += count
        if reply:
            reply = reply.strip()
            rkey = key_text(reply)
            if rkey:
                entry.replies[rkey] += count
                self._reply_forms.setdefault(rkey, Counter())[reply] += count

    def clusters(self, min_count: int = 2) -> list[GapCluster]:
        """The clusters asked at least min_count times, biggest first."""
        members = self._merged_by_reply(cluster_keys({key: q.count for key, q in self._questions.items()}))
        out = []
        for keys in members:
            count = sum(self._questions[k].count for k in keys)
            if count < min_count:
                continue
            questions = self._samples(keys)
            rkey = self._top_reply(keys)
            reply = None
            if rkey is not None:
                reply = min(self._reply_forms[rkey].items(), key=lambda kv: (-kv[1], kv[0]))[0]
            out.append(GapCluster(key=message_key(questions[0]), count=count, questions=questions, reply=reply))
        out.sort(key=lambda c: (-c.count, c.questions[0]))
        return out

    def _top_reply(self, keys: list[str]) -> str | None:
        """The key_text of the agents' most common reply to these questions."""
        replies: Counter[str] = Counter()
        for k in keys:
            replies.update(self._questions[k].replies)
        return min(replies, key=lambda r: (-replies[r], r)) if replies else None

    def _merged_by_reply(self, members: list[list[str]]) -> list[list[str]]:
        """Clusters whose most common reply is the same specific reply (at least REPLY_MERGE_CHARS letters
        and digits: 亲，暂时不支持自提哦… , not 可以的亲) are one question asked in different words
        (可以自提吗, 能自己去仓库拿吗): merged, the bigger cluster's keys first."""
        merged: list[list[str]] = []
        by_reply: dict[str, int] = {}
        sized = sorted(members, key=lambda keys: -sum(self._questions[k].count for k in keys))
        for keys in sized:
            rkey = self._top_reply(keys)
            if rkey is None or len(rkey) < REPLY_MERGE_CHARS:
                merged.append(keys)
            elif rkey in by_reply:
                merged[by_reply[rkey]].extend(keys)
            else:
                by_reply[rkey] = len(merged)
                merged.append(list(keys))
        return merged

    def _samples(self, keys: list[str]) -> list[str]:
        """Up to QUESTIONS_SHOWN different questions of a cluster, most asked first: keys that differ only
        by a greeting in front or a particle at the end (亲 能刻字吗, 能刻字吗呀) count as one, shown in
        its plainest form (the most common of those without the wrapping)."""
        counts: Counter[str] = Counter()
        forms: dict[str, dict[str, tuple[bool, int, int]]] = {}
        for k in keys:
            entry = self._questions[k]
            trimmed = trim(k) or k
            counts[trimmed] += entry.count
            bucket = forms.setdefault(trimmed, {})
            for form, n in entry.forms.items():
                # unwrapped first, then the fewest punctuation marks and spaces (可以自提吗 before 可以自提吗。。),
                # then the most common
                marks = sum(1 for ch in form if not ch.isalnum())
                bucket[form] = (k != trimmed, marks, -n)
        ordered = sorted(counts, key=lambda t: (-counts[t], t))[:QUESTIONS_SHOWN]
        return [min(forms[t].items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0] for t in ordered]


def cluster_keys(counts: dict[str, int]) -> list[list[str]]:
    """Distinct question keys grouped into near-duplicate clusters, each cluster's keys most frequent first.

    Keys are taken most frequent first, so a cluster's representative (its first key) is its most asked
    question and the biggest clusters are found first; each key is compared with at most CANDIDATES
    clusters, found through at most POSTINGS clusters per bigram: linear in the number of keys."""
    order = sorted(counts, key=lambda k: (-counts[k], k))
    clusters: list[list[str]] = []
    rep_cores: list[str] = []
    by_core: dict[str, int] = {}
    postings: dict[str, list[int]] = {}
    for key in order:
        kernel = core(key) or key
        slot = by_core.get(kernel)
        if slot is None:
            grams = _grams(kernel)
            shared: Counter[int] = Counter()
            for gram in grams:
                listed = postings.get(gram)
                if listed:
                    shared.update(listed[:POSTINGS])
            best, best_ratio = None, CLUSTER_RATIO
            for candidate, _ in shared.most_common(CANDIDATES):
                ratio = fuzz.ratio(kernel, rep_cores[candidate], score_cutoff=best_ratio)
                if ratio >= best_ratio and (best is None or ratio > best_ratio):
                    best, best_ratio = candidate, ratio
            if best is None:
                slot = len(clusters)
                clusters.append([])
                rep_cores.append(kernel)
                for gram in grams:
                    postings.setdefault(gram, []).append(slot)
            else:
                slot = best
            by_core[kernel] = slot
        clusters[slot].append(key)
    return clusters


def cluster_gaps(pairs: Iterable[tuple[str, str | None]], min_count: int = 2) -> list[GapCluster]:
    """Clusters of (question, reply) pairs, biggest first; singletons left out."""
    collector = GapCollector()
    for question, reply in pairs:
        collector.add(question, reply)
    return collector.clusters(min_count)
