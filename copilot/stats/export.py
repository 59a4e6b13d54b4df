"""The stats as one CSV a lead opens in Excel: UTF-8 with BOM, Chinese headers, one row per figure."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping

from copilot.csvcell import escape_cell
from copilot.stats.tally import VERDICTS, Tally

HEADER = ["指标", "名称", "说明", "日期", "客服", "数值"]
_VERDICT_ZH = {"ok": "可发送", "warn": "建议修改", "block": "禁止发送"}
# An agent number or title like =HYPERLINK(...) must stay text when the lead opens the file in Excel.
_cell = escape_cell


def rows(found: Tally, messages: Mapping[str, str]) -> Iterator[list[object]]:
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
    yield ["回复时间中位数(秒)", "", f"{len(found.reply_ms)} 次回复", "", "", "" if median is None else median]


def to_csv(found: Tally, messages: Mapping[str, str]) -> bytes:
    """The CSV file's bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([_cell(value) for value in row] for row in rows(found, messages))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
