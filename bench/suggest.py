"""Suggest speed: the default phrasebank, and a generated one of 10,000 phrases / 50,000 example questions.

Prints one JSON line. Run: .venv/bin/python -m bench.suggest
Budgets (issues #3, #9): 10,000 phrases p99 <= 5 ms per suggest in-process, index build with the
intent model's training <= 5 s (median of three builds), resident memory <= 400 MB; default
phrasebank p99 <= 2 ms.
"""

from __future__ import annotations

import gc
import json
import resource
import statistics
import time

import yaml

from bench.common import time_calls
from bench.phrasebank import default_lexicon, default_phrases, generated_phrases
from copilot.config import PROJECT_ROOT
from copilot.suggest.index import SuggestIndex, forget_caches
from copilot.suggest.suggester import Suggester
from copilot.text.tokenize import warm_up

DEFAULTS = {"agent_no": "1", "shop": "本店", "customer": "亲"}


def messages() -> list[str]:
    dev = yaml.safe_load((PROJECT_ROOT / "bench" / "data" / "suggest_dev.yaml").read_text(encoding="utf-8"))
    return [m["text"] for m in dev["messages"]]


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(phrases: list, texts: list[str], builds: int = 3) -> dict[str, float]:
    # the median of a few builds: one build's time on a shared machine swings by a second
    lexicon = default_lexicon()  # read once at start-up; a rebuild reuses it
    times, trains = [], []
    suggester = None
    for _ in range(builds):
        suggester = None  # the previous build is freed first, as a worker swaps its index
        forget_caches()  # and the model is trained afresh, as after an edit to keywords and examples
        gc.collect()
        started = time.perf_counter()
        suggester = Suggester(SuggestIndex(phrases, lexicon), DEFAULTS)
        times.append(time.perf_counter() - started)
        trains.append(suggester.index.train_seconds)
    build_s = statistics.median(times)
    assert suggester is not None
    timing = time_calls(lambda text: suggester.suggest(text), texts, rounds=3)
    return {
        "phrases": len(phrases),
        "examples": sum(len(p.examples) for p in phrases),
        "build_s": round(build_s, 2),
        "train_s": round(statistics.median(trains), 2),
        "median_ms": round(timing["median_us"] / 1000, 3),
        "p99_ms": round(timing["p99_us"] / 1000, 3),
    }


def main() -> None:
    warm_up()
    texts = messages()
    figures = {"messages": len(texts), "default": measure(default_phrases(), texts)}
    figures["large"] = measure(generated_phrases(10_000), texts)
    figures["peak_rss_mb"] = rss_mb()
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
