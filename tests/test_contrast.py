"""The colours that carry meaning on white (underlines, dots, chart bars) stand out at least 3:1 (WCAG 1.4.11)."""

from __future__ import annotations

import re

import pytest

from copilot.config import PROJECT_ROOT

SIDEBAR_CSS = (PROJECT_ROOT / "static" / "sidebar.css").read_text(encoding="utf-8")


def luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_on_white(colour: str) -> float:
    return 1.05 / (luminance(colour) + 0.05)


def test_the_contrast_formula_matches_known_values() -> None:
    assert contrast_on_white("#000000") == pytest.approx(21.0)
    assert contrast_on_white("#767676") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("variable", ["--warn-line", "--warn", "--err", "--ok", "--info", "--accent", "--muted"])
def test_severity_and_chart_colours_reach_three_to_one_on_white(variable: str) -> None:
    found = re.search(rf"{variable}:\s*(#[0-9a-fA-F]{{6}})\b", SIDEBAR_CSS)
    assert found, f"{variable} is not a #rrggbb colour in sidebar.css"
    assert contrast_on_white(found[1]) >= 3.0, (variable, found[1])
