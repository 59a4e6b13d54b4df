r"""Lint speed: 100-character drafts with the default packs, then with 10,000 and 100,000 extra terms.

Prints one JSON line. Run: .venv/bin/python -m bench.lint
Timings are cold (jieba's and the linter's clause caches emptied before each draft); `default_typing`
lints every prefix of 20 drafts in order, as the sidebar does while an agent types, with the caches warm.
Budgets (issue #2): default packs p99 <= 300 us; at 100,000 extra terms within 1.5x of the default
time and >= 20x faster than a naive `for term in terms: if term in text` loop; 100,000-term pack
loads in under 3 s.

`hostile` (issue #10): cold lint of drafts built to be slow — 8,000 and 16,000 characters of 不, of 你,
of 不好意思你 and of 你。 — in milliseconds (best of 3; budget 50 ms at 8,000, and twice the draft at
most twice the time), and a shop regex that backtracks for seconds on Python's engine (`.*.*.*坏`,
`(a|a)*b`, `\d*\d*\d*\d*\d*x`, `(.|\s)*x`) on 600 and 8,000 characters.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import best_ms, time_calls
from copilot.config import PROJECT_ROOT
from copilot.lint import Linter, load_rules
from copilot.lint.loader import build_rule
from copilot.text.tokenize import lint_tokenizer, warm_up

GOOD = (PROJECT_ROOT / "tests" / "data" / "good_replies.txt").read_text(encoding="utf-8").splitlines()
BAD = ["不好意思,你的快递明天一定到哦", "加我微信 kefu_2024 私聊", "我不清楚,自己选吧我也不懂", "不能便宜了,爱买不买"]


def drafts(count: int, seed: int = 7) -> list[str]:
    """Realistic 100-character drafts: good replies strung together, one in four with a problem in it."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        parts = [rng.choice(BAD)] if i % 4 == 0 else []
        while sum(map(len, parts)) < 100:
            parts.append(rng.choice(GOOD))
        rng.shuffle(parts)
        out.append(",".join(parts)[:100])
    return out


def extra_terms(count: int, seed: int = 11) -> list[str]:
    """Random 3-6 character terms from common Chinese characters, like a big shop's word list."""
    rng = random.Random(seed)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    return ["".join(rng.choices(chars, k=rng.randint(3, 6))) for _ in range(count)]


def write_pack(folder: Path, terms: list[str]) -> Path:
    path = folder / "extra.yaml"
    lines = ["rules:", "  - id: shop-words", "    kind: forbid", "    message: 店铺禁用词", "    terms:"]
    lines += [f"      - {term}" for term in terms]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cold(linter: Linter):
    """Lint with jieba's and the linter's clause caches emptied first: every draft is new to both."""

    def run(text: str) -> object:
        lint_tokenizer().clear_cache()
        linter.clear_cache()
        return linter.lint(text)

    return run


def keystrokes(texts: list[str]) -> list[str]:
    """Every prefix of a few drafts, as the sidebar sends them while an agent types."""
    return [text[:end] for text in texts for end in range(1, len(text) + 1)]


HOSTILE_UNITS = {"bu": "不", "ni": "你", "mixed": "不好意思你", "sentences": "你。"}
REDOS = {r".*.*.*坏": "好", r"(a|a)*b": "a", r"\d*\d*\d*\d*\d*x": "1", r"(.|\s)*x": "好 "}


def hostile(rules_dir: Path) -> dict[str, object]:
    """Cold lint time of repeated 不/你 drafts and of backtracking shop regexes, in milliseconds."""
    default_rules = load_rules([rules_dir])
    linter = Linter(default_rules)

    def cold_lint(text: str) -> Callable[[], object]:
        return lambda: (lint_tokenizer().clear_cache(), linter.clear_cache(), linter.lint(text))

    figures: dict[str, object] = {}
    for name, unit in HOSTILE_UNITS.items():
        for chars in (8000, 16000):
            figures[f"{name}_{chars}_ms"] = best_ms(cold_lint((unit * chars)[:chars]))
    for pattern, unit in REDOS.items():
        shop = build_rule({"id": "redos", "kind": "regex", "pattern": pattern, "message": "m"}, "shop")
        with_shop = Linter([*default_rules, shop])
        for chars in (600, 8000):
            text = (unit * chars)[:chars]
            figures[f"regex {pattern} {chars}_ms"] = best_ms(
                lambda text=text, linter=with_shop: (linter.clear_cache(), linter.lint(text))
            )
    return figures


def main() -> None:
    warm_up()
    rules_dir = PROJECT_ROOT / "rules"
    texts = drafts(200)
    figures: dict[str, object] = {"draft_chars": 100, "drafts": len(texts)}
    default = Linter(load_rules([rules_dir]))
    figures["default"] = time_calls(cold(default), texts, rounds=10)
    figures["default_typing"] = time_calls(default.lint, keystrokes(texts[:20]), rounds=1)
    with tempfile.TemporaryDirectory() as tmp:
        for count in (10_000, 100_000):
            terms = extra_terms(count)
            pack = write_pack(Path(tmp), terms)
            started = time.perf_counter()
            linter = Linter(load_rules([rules_dir, pack]))
            load_s = time.perf_counter() - started
            timing = time_calls(cold(linter), texts, rounds=10)

            def naive(text: str, terms: list[str] = terms) -> list[str]:
                return [term for term in terms if term in text]

            baseline = time_calls(naive, texts[:20], rounds=1)
            figures[f"extra_{count}"] = {
                **timing,
                "load_s": round(load_s, 2),
                "naive_median_us": baseline["median_us"],
                "vs_default_p99": round(timing["p99_us"] / figures["default"]["p99_us"], 2),  # type: ignore[index]
                "speedup_vs_naive": round(baseline["median_us"] / timing["median_us"], 1),
            }
    figures["hostile"] = hostile(rules_dir)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
