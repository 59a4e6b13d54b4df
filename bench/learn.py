"""Chat-log learning (issue #12) on a generated 100,000-message log (bench/learn_data.py).

Prints: the log's size; the import's time through the job the service runs (copilot/learn/jobs.py:
create_upload reads, masks and stores the CSV; run_job mines and records, into a fresh SQLite file) and
peak RSS; candidates and gap clusters found, with the top ten gaps; the share of the planted personal data
that is masked everywhere it is stored; Hit@3 on a held-back fifth of the conversations before and after
accepting the candidates mined from the rest; and the figures MATCH_RATIO and GAP_SCORE were chosen on.

Budgets: 100,000 messages imported in <= 60 s with peak RSS <= 600 MB on the 2-core machine; 100 % of
the planted personal data masked. Run: .venv/bin/python -m bench.learn [MESSAGES]
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from bench.learn_data import ChatLogData, generate, write_csv
from bench.phrasebank import PHRASEBANK, default_lexicon
from bench.suggest import DEFAULTS
from copilot.config import Settings
from copilot.learn import candidates, jobs
from copilot.learn.candidates import ExamplesFull
from copilot.learn.keys import key_text
from copilot.learn.mask import mask
from copilot.learn.matching import ReplyMatcher
from copilot.learn.mine import answered_by_suggester, pick_question
from copilot.live import LiveIndex
from copilot.store import Store, load_enabled_phrases, open_store
from copilot.store.models import LearnCandidate, LearnGap, LearnTurn
from copilot.suggest.suggester import Suggester
from copilot.text.tokenize import warm_up


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def fresh_store(folder: Path, name: str) -> Store:
    return open_store(f"sqlite:///{folder / name}", PHRASEBANK)


def build_suggester(store: Store) -> tuple[Suggester, ReplyMatcher]:
    live = LiveIndex(store, default_lexicon(), DEFAULTS)
    with store.sessions() as session:
        phrases = load_enabled_phrases(session)
    return live.suggester, ReplyMatcher(phrases)


def import_file(
    store: Store, path: Path, suggester: Suggester, matcher: ReplyMatcher, keep_text: bool = True
) -> tuple[dict[str, object], dict[str, float]]:
    """The upload and its job, as the service and `kefu-copilot learn import` run them, timed: read, mask
    and store (create_upload), then mine and record (run_job). Turns kept by default, so the masking
    check covers them too."""
    started = time.perf_counter()
    upload = jobs.create_upload(store, path.read_bytes(), path.name, actor="bench", settings=Settings())
    stored = time.perf_counter()
    done = jobs.run_job(
        store, str(upload["id"]), suggester, matcher, worker="bench", keep_text=keep_text, auto_accept_agents=0
    )
    assert done is not None and done["status"] == "done", done
    finished = time.perf_counter()
    times = {"read_mask_store_s": stored - started, "mine_record_s": finished - stored, "total_s": finished - started}
    return done, {k: round(v, 2) for k, v in times.items()}


def masked_share(store: Store, data: ChatLogData) -> dict[str, object]:
    """The share of planted personal data found in no stored text: learn_turns row by row (a message's
    data can only be in its own row), candidates and gaps (questions, reply) as a whole."""
    planted = [item for items in data.planted for item in items]
    leaked: set[str] = set()
    with store.sessions() as session:
        texts = list(session.scalars(select(LearnTurn.text).order_by(LearnTurn.id)))
        if len(texts) == len(data.rows):
            for text, items in zip(texts, data.planted, strict=True):
                leaked.update(item for item in items if item in text)
        else:  # the turns were not kept, or not all of them: search all of them
            joined = "\n".join(texts)
            leaked.update(item for item in planted if item in joined)
        mined = list(session.scalars(select(LearnCandidate.message)))
        for questions, reply in session.execute(select(LearnGap.questions, LearnGap.reply)):
            mined.extend(questions)
            mined.append(reply or "")
    joined = "\n".join(mined)
    leaked.update(item for item in planted if item in joined)
    share = 1 - sum(1 for item in planted if item in leaked) / max(1, len(planted))
    return {
        "planted": len(planted),
        "leaked": len([i for i in planted if i in leaked]),
        "masked_pct": round(100 * share, 2),
        "leaked_samples": sorted(leaked)[:8],
    }


def split(data: ChatLogData, every: int = 5) -> tuple[list[int], list[int]]:
    """Row numbers (train, held back): every fifth conversation is held back."""
    train, held = [], []
    order: dict[object, int] = {}
    for n, row in enumerate(data.rows):
        slot = order.setdefault(row["conversation"], len(order))
        (held if slot % every == every - 1 else train).append(n)
    return train, held


def hit_at_3(suggester: Suggester, pairs: Counter[tuple[str, str]]) -> float:
    """Share of (question, phrase) pairs whose phrase is among the first three suggestions."""
    hits = total = 0
    top: dict[str, list[str]] = {}
    for (question, phrase), n in pairs.items():
        if question not in top:
            top[question] = [s["id"] for s in suggester.suggest(question, limit=3)["suggestions"]]
        hits += n * (phrase in top[question])
        total += n
    return round(hits / max(1, total), 4)


def held_pairs(data: ChatLogData, rows: Sequence[int]) -> Counter[tuple[str, str]]:
    """(customer question, the phrase the agent answered it with) of the held-back rows, counted; which
    phrase is the generator's truth (an agent who inserted or lightly edited a phrase), not the matcher's."""
    pairs: Counter[tuple[str, str]] = Counter()
    waiting: list[str] = []
    conversation = None
    for n in rows:
        row, truth = data.rows[n], data.replies[n]
        if row["conversation"] != conversation:
            conversation, waiting = row["conversation"], []
        if row["role"] == "customer":
            waiting.append(mask(str(row["text"])))
            continue
        question = pick_question(waiting)
        if question and truth is not None and truth.phrase and truth.kind in ("exact", "edited"):
            pairs[(question, truth.phrase)] += 1
        waiting = []
    return pairs


def accept_all(store: Store) -> dict[str, int]:
    """Accept the pending candidates, most frequent first per phrase; a phrase whose examples are full
    takes no more."""
    accepted = full = 0
    with store.begin() as session:
        groups = candidates.list_candidates(session, limit=100_000)
    for group in groups:
        for candidate in group["candidates"]:
            try:
                with store.begin() as session:
                    candidates.accept(session, candidate["id"], actor="bench")
                accepted += 1
            except ExamplesFull:
                full += 1
                break
    return {"accepted": accepted, "phrases_full": full}


def match_figures(data: ChatLogData, phrases: list, thresholds: Sequence[float]) -> list[dict[str, float]]:
    """Precision and recall of reply matching at each threshold: the generator knows which replies were a
    phrase (as inserted or lightly edited) and which the agent typed."""
    replies: Counter[tuple[str, str | None]] = Counter()
    for row, truth in zip(data.rows, data.replies, strict=True):
        if truth is not None:
            replies[(str(row["text"]), truth.phrase)] += 1
    positives = sum(n for (_, phrase), n in replies.items() if phrase)
    out = []
    for threshold in thresholds:
        matcher = ReplyMatcher(phrases, ratio=threshold)
        found = right = 0
        for (text, phrase), n in replies.items():
            got = matcher.match(text)
            if got is not None:
                found += n
                right += n * (got == phrase)
        out.append(
            {
                "ratio": threshold,
                "precision": round(right / max(1, found), 4),
                "recall": round(right / max(1, positives), 4),
            }
        )
    return out


def gap_figures(data: ChatLogData, suggester: Suggester, thresholds: Sequence[float]) -> list[dict[str, float]]:
    """For questions the agent answered in their own words: the share flagged as gaps at each suggestion
    score threshold, among questions of families the phrasebank lacks (should be high) and among
    questions it covers (should be low)."""
    asked: Counter[tuple[str, bool]] = Counter()
    for i, (row, truth) in enumerate(zip(data.rows, data.replies, strict=True)):
        if truth is None or truth.kind not in ("free", "gap") or i == 0:
            continue
        topic = data.topics[i - 1]
        if topic is not None and data.rows[i - 1]["conversation"] == row["conversation"]:
            asked[(str(data.rows[i - 1]["text"]), topic.startswith("gap:"))] += 1
    answers = {q: suggester.suggest(q, limit=1) for q, _ in asked}
    out = []
    for threshold in thresholds:
        flagged = Counter()
        totals = Counter()
        for (question, uncovered), n in asked.items():
            totals[uncovered] += n
            flagged[uncovered] += n * (not answered_by_suggester(answers[question], threshold))
        out.append(
            {
                "score": threshold,
                "uncovered_flagged": round(flagged[True] / max(1, totals[True]), 4),
                "covered_flagged": round(flagged[False] / max(1, totals[False]), 4),
            }
        )
    return out


def cluster_scale(count: int = 100_000, seed: int = 7) -> dict[str, float]:
    """Seconds to cluster `count` distinct questions (random product words in question frames): the
    clustering must stay linear however many distinct questions a log has."""
    import random

    from copilot.learn.gaps import cluster_keys

    rng = random.Random(seed)
    frames = ["能{}吗", "可以{}不", "{}怎么弄", "有没有{}", "{}多少钱", "请问{}可以吗", "{}是真的吗", "亲 {}呢"]
    counts: dict[str, int] = {}
    while len(counts) < count:
        word = "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(rng.randint(2, 5)))
        counts[key_text(rng.choice(frames).format(word))] = rng.randint(1, 5)
    started = time.perf_counter()
    groups = cluster_keys(counts)
    return {"distinct": count, "clusters": len(groups), "seconds": round(time.perf_counter() - started, 2)}


def main() -> None:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    warm_up()
    figures: dict[str, object] = {}
    started = time.perf_counter()
    data = generate(messages)
    figures["generated"] = {
        "messages": len(data.rows),
        "conversations": len({r["conversation"] for r in data.rows}),
        "planted": sum(len(items) for items in data.planted),
        "seconds": round(time.perf_counter() - started, 2),
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        log = folder / "log.csv"
        write_csv(data.rows, log)
        figures["generated"]["csv_mb"] = round(log.stat().st_size / 2**20, 1)
        store = fresh_store(folder, "import.db")
        step = time.perf_counter()
        suggester, matcher = build_suggester(store)
        figures["suggester_build_s"] = round(time.perf_counter() - step, 2)
        upload, times = import_file(store, log, suggester, matcher)
        figures["import"] = times
        figures["peak_rss_mb_after_import"] = rss_mb()
        figures["mined"] = {key: upload[key] for key in ("messages", "conversations", "total", "candidates", "gaps")}
        with store.sessions() as session:
            figures["candidates"] = len(list(session.scalars(select(LearnCandidate.id))))
        gaps = jobs.list_gaps(store, limit=10)
        figures["clusters"] = upload["gaps"]
        figures["top_gaps"] = [
            {"count": g["count"], "questions": g["questions"][:3], "reply": g["reply"]} for g in gaps
        ]
        figures["masking"] = masked_share(store, data)
        with store.sessions() as session:
            phrases = load_enabled_phrases(session)
        figures["match_ratio"] = match_figures(data, phrases, [60, 70, 75, 80, 85, 90])
        figures["gap_score"] = gap_figures(data, suggester, [0.3, 0.4, 0.5, 0.6, 0.7])
        figures["cluster_100k"] = cluster_scale()
        store.dispose()

        # Hit@3: import four fifths of the conversations into a fresh store, accept what was mined,
        # rebuild, and compare on the held-back fifth
        train, held = split(data)
        write_csv([data.rows[n] for n in train], folder / "train.csv")
        store = fresh_store(folder, "hit.db")
        before, matcher = build_suggester(store)
        import_file(store, folder / "train.csv", before, matcher, keep_text=False)
        pairs = held_pairs(data, held)
        hit_before = hit_at_3(before, pairs)
        accepted = accept_all(store)
        after, _ = build_suggester(store)
        figures["hit_at_3"] = {
            "held_back_pairs": sum(pairs.values()),
            "distinct_questions": len({q for q, _ in pairs}),
            "before": hit_before,
            "after": hit_at_3(after, pairs),
            **accepted,
        }
        store.dispose()
    figures["peak_rss_mb"] = rss_mb()
    print(json.dumps(figures, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
