"""Helpers the benchmarks share: timing loops and percentiles."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def time_calls(func: Callable[[Any], object], inputs: Sequence[Any], rounds: int) -> dict[str, float]:
    """Median and p99 microseconds of func over inputs, after one warm-up pass."""
    for item in inputs:
        func(item)
    samples = []
    for _ in range(rounds):
        for item in inputs:
            start = time.perf_counter_ns()
            func(item)
            samples.append((time.perf_counter_ns() - start) / 1000)
    return {"median_us": round(statistics.median(samples), 1), "p99_us": round(percentile(samples, 99), 1)}


def best_ms(func: Callable[[], object], rounds: int = 3) -> float:
    """The fastest of `rounds` calls, in ms: the figure least disturbed by whatever else the machine runs."""
    took = []
    for _ in range(rounds):
        started = time.perf_counter()
        func()
        took.append(time.perf_counter() - started)
    return round(min(took) * 1000, 2)
