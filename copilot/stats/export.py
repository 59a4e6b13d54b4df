"""The stats as CSV files a lead opens in Excel: UTF-8 with BOM, Chinese headers, formula-looking cells kept text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence

from copilot.csvcell import escape_cell
from copilot.lint.categories import CATEGORIES
from copilot.lint.diagnostic import VERDICT_ZH as _VERDICT_ZH
from copilot.stats.tally import VERDICTS, Tally
from copilot.stats.team import TeamFigures

HEADER = ["指标", "名称", "说明", "日期", "客服", "数值"]
# An agent number or title like =HYPERLINK(...) must stay text when the lead opens the file in Excel.
_cell = escape_cell


def rows(found: Tally, messages: Mapping[str, str]) -> Iterator[Sequence[object]]:
    """Long format (one figure per row), so a pivot table can cut it by rule, day or agent."""
    yield HEADER
    for (rule, day, agent), count in sorted(found.rule_hits.items()):
        yield ["规则触发", rule, messages.get(rule, ""), day, agent, count]
    for (verdict, day, agent), count in sorted(found.sent.items(), key=lambda i: (VERDICTS.index(i[0][0]), i[0])):
        yield ["发送", _VERDICT_ZH.get(verdict, verdict), verdict, day, agent, count]
    for phrase_id, count in found.used.most_common():
        yield ["话术使用", phrase_id, found.titles.get(phrase_id, "(已删除)"), "", "", count]
    for phrase_id, title in sorted(found.phrases.items()):
        if phrase_id not in found.used:
            yield ["话术从未使用", phrase_id, title, "", "", 0]
    median = found.median_reply_s()
    yield ["回复时间中位数(秒)", "", f"{found.replies_timed} 次回复", "", "", "" if median is None else median]


def to_csv(found: Tally, messages: Mapping[str, str]) -> bytes:
    """The CSV file's bytes."""
    return _csv_bytes(rows(found, messages))


AGENT_HEADER = [
    "客服",
    "回复数",
    "计时回复数",
    "回复时间中位数（秒）",
    "回复时间P90（秒）",
    "规则触发合计",
    *(f"规则触发·{name}" for name in CATEGORIES.values()),
    "使用话术次数",
]
DAY_HEADER = ["日期", "回复数", "规则触发"]


def _seconds(ms: float | None) -> object:
    return "" if ms is None else round(ms / 1000, 1)


def agent_rows(figures: TeamFigures) -> Iterator[Sequence[object]]:
    """The per-agent table, one row per agent, a column per rule class (all of them, so columns never shift)."""
    yield AGENT_HEADER
    for agent in figures.agents:
        yield [
            agent.agent,
            agent.answered,
            agent.replies_timed,
            _seconds(agent.median_ms),
            _seconds(agent.p90_ms),
            sum(agent.rule_hits.values()),
            *(agent.rule_hits[c] for c in CATEGORIES),
            agent.used,
        ]


def day_rows(figures: TeamFigures) -> Iterator[Sequence[object]]:
    """The by-day series, every day of the range."""
    yield DAY_HEADER
    for day in figures.days():
        yield [day["day"], day["answered"], day["rule_hits"]]


def agents_csv(figures: TeamFigures) -> bytes:
    return _csv_bytes(agent_rows(figures))


def days_csv(figures: TeamFigures) -> bytes:
    return _csv_bytes(day_rows(figures))


def _csv_bytes(table: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([_cell(value) for value in row] for row in table)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
