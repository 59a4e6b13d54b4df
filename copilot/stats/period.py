"""The date range a stats view covers: the shop's local days, both ends included, defaulting to the last 7."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

DEFAULT_DAYS = 7
MAX_DAYS = 366  # a leap year: enough for a year-on-year look, small enough to chart one bar per day


class BadPeriod(ValueError):
    """A range the stats refuse; `field` names the query parameter, the message says why in Chinese."""

    def __init__(self, field: str, message: str, reason: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def parse_day(value: str | None, field: str) -> date | None:
    """A YYYY-MM-DD day, None when left empty; anything else is a BadPeriod naming the parameter."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) != 10:  # fromisoformat also takes 20240501, which nobody means
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise BadPeriod(
            field, f"{field} 应为 YYYY-MM-DD 格式的日期（如 2025-06-01），收到 {value!r}", "应为 YYYY-MM-DD"
        ) from None


def today_in(tz: tzinfo) -> date:
    """Today in the shop's time zone (the one events are bucketed in), not the server's."""
    return datetime.now(tz).date()


def resolve(start: str | None, end: str | None, today: date) -> Period:
    """from/to as given; `to` defaults to today and `from` to the 7 days ending at `to`."""
    first, last = parse_day(start, "from"), parse_day(end, "to")
    last = last or today
    # (a `to` in the first week of year 1 has fewer than 7 days before it)
    first = first or last - timedelta(days=min(DEFAULT_DAYS - 1, (last - date.min).days))
    if first > last:
        raise BadPeriod("from", f"开始日期 {first} 晚于结束日期 {last}，请调换或修改日期", "晚于 to")
    span = (last - first).days + 1
    if span > MAX_DAYS:
        raise BadPeriod("to", f"日期范围共 {span} 天，超过了 {MAX_DAYS} 天的上限，请缩短范围", f"超过 {MAX_DAYS} 天")
    return Period(first, last)
