"""Every colour the stats charts draw data or labels with stands out from the white page (WCAG non-text
contrast, at least 3:1), so a bar is seen without relying on a good screen; values are labelled as text too."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
# The grey track drawn when there is nothing to chart: a background, not data (its text is drawn in #5f6670).
BACKGROUNDS = {"#e5e7eb"}


def contrast_with_white(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_every_chart_colour_is_at_least_three_to_one_against_white() -> None:
    script = (STATIC / "editor-stats.js").read_text(encoding="utf-8")
    css = (STATIC / "editor.css").read_text(encoding="utf-8")
    chart_css = "\n".join(line for line in css.splitlines() if line.startswith((".chart", ".day-chart", ".kpi.k-")))
    colours = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", script + chart_css)} - BACKGROUNDS
    assert len(colours) >= 5  # the verdicts, the two day series, the axis and label greys
    assert {c: round(contrast_with_white(c), 2) for c in colours if contrast_with_white(c) < 3} == {}
