"""Lint judgement: recall per class on non-compliant drafts, false alarms on compliant ones, fix quality.

Run: .venv/bin/python -m bench.lint_quality [--set dev|test|all] [--show misses|fixes|alarms]

The corpora are whole agent drafts tagged with a class (bench/data/lint_dev.yaml, tuned on;
bench/data/lint_test.yaml, written blind from whole conversations and never tuned on). For each
non-compliant draft the labelled spans say where the problem is.

- caught: the verdict reaches the class's level (block; warn for style, curt and address) through a
  diagnostic that overlaps a labelled span — an incidental 你 elsewhere does not count.
- same class: a diagnostic of the draft's own category overlaps a labelled span.
- compliant drafts: blocked (must be 0), warned, and warned by anything but the style rules the
  seeds ask for (哦/嗯 particles, 你).
- fix-all: `fixed` is green while a labelled problem is still in it (must be 0); garbled fixes
  (doubled words, half-width punctuation or doubled particles the fix brought in; must be 0).

Prints a JSON line per set, then a Markdown table per set. Runs on older trees too (for the
before/after figures): a diagnostic without a category is classed by its rule id.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from copilot.config import PROJECT_ROOT
from copilot.lint import Linter, load_rules
from copilot.text.normalize import normalize

DATA = Path(__file__).parent / "data"
# dev sets are tuned on; the test set never is
SETS = {
    "dev": DATA / "lint_dev.yaml",
    "dev2": DATA / "lint_dev2.yaml",
    "dev3": DATA / "lint_dev3.yaml",
    "dev4": DATA / "lint_dev4.yaml",
    "dev5": DATA / "lint_dev5.yaml",
    "dev6": DATA / "lint_dev6.yaml",
    "test": DATA / "lint_test.yaml",
}
CLASSES = ["insult", "impatience", "brush_off", "dismissal", "address", "curt", "promise", "offsite", "policy", "style"]
# The verdict a class must reach: block, but warn for style, curt one-word answers (有, 在) and
# over-familiar address (美女, 亲爱的), which are warnings with a one-click fix.
LEVEL = {name: "block" for name in CLASSES} | {"style": "warn", "curt": "warn", "address": "warn"}
RANK = {"ok": 0, "warn": 1, "block": 2}
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
# Rules the seeds ask for on every reply (004 用语基本准则 (4)(6)): compliant drafts may still trip them.
SEED_STYLE = ("style.polite-pronoun", "style.particle")
# Rule ids of the packs before rules carried a category.
LEGACY = {
    "courtesy.insult": "insult",
    "courtesy.interjection": "insult",
    "courtesy.brush-off": "brush_off",
    "courtesy.curt-reply": "curt",
    "promise.": "promise",
    "contact.": "offsite",
    "policy.": "policy",
    "style.": "style",
}
_HAN = r"\u4e00-\u9fff"
_HALF_PUNCT = re.compile(rf"(?<=[{_HAN}])[,!?;:]|[,!?;:](?=[{_HAN}])")
_DOUBLED = re.compile(rf"([{_HAN}]{{2,4}})[，,、\s]?\1")
_DOUBLE_PARTICLE = re.compile(r"([呢吧哦啊呀嘛的])\1")
_STACKED_PUNCT = re.compile(r"[，。！？,.!?；;]{2,}")


def category(diagnostic: Any) -> str:
    found = getattr(diagnostic, "category", None)
    if found:
        return str(found)
    for prefix, name in LEGACY.items():
        if diagnostic.rule.startswith(prefix):
            return name
    return "custom"


def _overlaps(diagnostic: Any, spans: list[tuple[int, int]]) -> bool:
    return any(diagnostic.start < end and start < diagnostic.end for start, end in spans)


def _spans(text: str, labelled: list[str]) -> list[tuple[int, int]]:
    out = []
    for piece in labelled:
        start = text.find(piece)
        if start < 0:
            raise SystemExit(f"span {piece!r} is not in {text!r}")
        out.append((start, start + len(piece)))
    return out


def _fold(text: str) -> str:
    """What 'still the same problem' compares: the normalised view, with 你 and 您 alike."""
    return normalize(text).text.replace("你", "您")


_HEDGES = {"正常", "预计"}


def still_there(name: str, spans: list[str], fixed: str) -> list[str]:
    """The labelled problems the fixed text still carries: a curt reply is gone once the reply says more;
    a style or address problem once its words changed; any other longer span counts as still there even
    if only 你 became 您 (您去找平台客服吧 still pushes away)."""
    if name == "curt":
        core = re.sub(r"[\W_]+", "", fixed)
        return [piece for piece in spans if core == re.sub(r"[\W_]+", "", piece)]
    if name in ("style", "address"):
        # the wording is the problem (你这边, 老哥你): once it is changed, it is gone
        return [piece for piece in spans if piece in fixed]
    if name == "promise":
        # the seed's fix hedges the promise and keeps its date (今晚就能发出 → 正常今晚就能发出)
        folded = _fold(fixed)
        return [
            piece
            for piece in spans
            if (
                piece in fixed
                if len(piece) <= 2
                else (at := folded.find(_fold(piece))) >= 0 and folded[max(0, at - 2) : at] not in _HEDGES
            )
        ]
    return [piece for piece in spans if (_fold(piece) in _fold(fixed) if len(piece) > 2 else piece in fixed)]


def garbled(draft: str, fixed: str) -> list[str]:
    """What a fix brought into the text that a native speaker would not send."""
    found = []
    for pattern, what in (
        (_DOUBLED, "doubled words"),
        (_HALF_PUNCT, "half-width punctuation"),
        (_DOUBLE_PARTICLE, "doubled particle"),
        (_STACKED_PUNCT, "stacked punctuation"),
    ):
        before = Counter(m.group() for m in pattern.finditer(draft))
        after = Counter(m.group() for m in pattern.finditer(fixed))
        extra = after - before
        if extra:
            found.append(f"{what}: {'、'.join(extra)}")
    return found


def evaluate(linter: Linter, drafts: list[dict[str, Any]]) -> dict[str, Any]:
    per_class: dict[str, Counter[str]] = {name: Counter() for name in CLASSES}
    ok = Counter()
    misses, alarms, fixes = [], [], []
    for item in drafts:
        text, name = item["text"], item["class"]
        result = linter.lint(text)
        fixed_verdict = getattr(result, "fixed_verdict", None) or linter.lint(result.fixed).verdict
        if name == "ok":
            ok["n"] += 1
            if result.verdict == "block":
                ok["blocked"] += 1
            if result.verdict != "ok":
                ok["warned"] += 1
                alarms.append((text, [(d.rule, d.text) for d in result.diagnostics]))
            if any(
                SEVERITY_RANK[d.severity.value] >= 1 and not d.rule.startswith(SEED_STYLE) for d in result.diagnostics
            ):
                ok["warned_other"] += 1
            continue
        counts = per_class[name]
        counts["n"] += 1
        spans = _spans(text, item["span"])
        level = RANK[LEVEL[name]]
        on_span = [d for d in result.diagnostics if _overlaps(d, spans)]
        if any(SEVERITY_RANK[d.severity.value] >= level for d in on_span):
            counts["caught"] += 1
        else:
            misses.append((name, text, [(d.rule, d.text) for d in result.diagnostics]))
        if any(category(d) == name for d in on_span):
            counts["same_class"] += 1
        if result.verdict != "ok":
            counts["flagged"] += 1
        if result.fixed != text:
            counts["fixed"] += 1
            problems = garbled(text, result.fixed)
            still = still_there(name, item["span"], result.fixed)
            if fixed_verdict == "ok" and still:
                problems.append(f"green with {'、'.join(still)} still in it")
            if RANK[fixed_verdict] > RANK[result.verdict]:
                problems.append(f"fixed lints worse ({fixed_verdict})")
            if problems:
                counts["bad_fix"] += 1
            fixes.append((text, result.fixed, fixed_verdict, problems))
    total = Counter()
    for counts in per_class.values():
        total.update(counts)
    return {
        "classes": {k: dict(v) for k, v in per_class.items()},
        "total": dict(total),
        "ok": dict(ok),
        "misses": misses,
        "alarms": alarms,
        "fixes": fixes,
    }


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "—"


def markdown(label: str, figures: dict[str, Any]) -> str:
    rows = [
        f"#### {label}",
        "",
        "| class | drafts | caught (recall) | same class | fix-all changed | bad fixes |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name in [*CLASSES, "total"]:
        c = figures["total"] if name == "total" else figures["classes"][name]
        n = c.get("n", 0)
        rows.append(
            f"| {name} | {n} | {c.get('caught', 0)} ({_ratio(c.get('caught', 0), n)}) | "
            f"{_ratio(c.get('same_class', 0), n)} | {c.get('fixed', 0)} | {c.get('bad_fix', 0)} |"
        )
    ok = figures["ok"]
    n = ok.get("n", 0)
    rows += [
        "",
        f"compliant drafts: {n}; blocked {ok.get('blocked', 0)}; warned {ok.get('warned', 0)} "
        f"({_ratio(ok.get('warned', 0), n)}); warned by other than 哦/嗯 and 你: {ok.get('warned_other', 0)} "
        f"({_ratio(ok.get('warned_other', 0), n)})",
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    parser.add_argument("--show", choices=["misses", "fixes", "alarms"], action="append", default=[])
    parser.add_argument("--rules", type=Path, default=PROJECT_ROOT / "rules")
    args = parser.parse_args(argv)
    linter = Linter(load_rules([args.rules]))
    tables = []
    for name in [n for n in SETS if SETS[n].exists()] if args.set == "all" else [args.set]:
        drafts = yaml.safe_load(SETS[name].read_text(encoding="utf-8"))["drafts"]
        figures = evaluate(linter, drafts)
        summary = {"set": name, "total": figures["total"], "ok": figures["ok"], "classes": figures["classes"]}
        print(json.dumps(summary, ensure_ascii=False))
        tables.append(markdown(f"{name} set ({SETS[name].name})", figures))
        for what in args.show:
            print(f"\n## {name}: {what}", file=sys.stderr)
            for row in figures[what]:
                if what == "fixes":
                    text, fixed, verdict, problems = row
                    mark = f"  !! {'; '.join(problems)}" if problems else ""
                    print(f"{text}\n  → {fixed}  [{verdict}]{mark}", file=sys.stderr)
                else:
                    print(" | ".join(map(str, row)), file=sys.stderr)
    print("\n\n".join(tables))


if __name__ == "__main__":
    main()
