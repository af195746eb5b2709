"""Report periods: quarters, months and date ranges, with their boundaries in local time
(the arithmetic is `rules.calendar`'s).

Pure: `now` comes in. A complaint belongs to the period it was received in; a period
is [start, end) in the local zone, so a complaint received 2026-07-01 00:30 Asia/Shanghai
is in 2026Q3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from aftersales_cli.rules.calendar import (
    YEARS,
    calendar_days,
    first_of_month,
    midnight,
    months_later,
    week_start,
)
from aftersales_cli.rules.errors import RuleError

_QUARTER = re.compile(r"^(\d{4})\s*-?\s*[qQ]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class Period:
    start: datetime  # local, inclusive
    end: datetime  # local, exclusive
    label: str
    kind: str  # quarter, month or range

    @property
    def last_day(self) -> date:
        """The last local day in the period (its end is exclusive)."""
        return calendar_days(self.end, -1).date()

    @property
    def days(self) -> int:
        return (self.end.date() - self.start.date()).days

    @property
    def trend_unit(self) -> str:
        """A quarter is charted by week, a month (or a short range) by day."""
        if self.kind == "quarter" or (self.kind == "range" and self.days > 62):
            return "week"
        return "day"

    def previous(self) -> Period:
        """The previous calendar quarter or month; for a range, as many days just before."""
        if self.kind == "quarter":
            start = months_later(self.start, -3)
            return quarter(start.year, (start.month - 1) // 3 + 1, self.start.tzinfo)
        if self.kind == "month":
            start = months_later(self.start, -1)
            return month(start.year, start.month, self.start.tzinfo)
        start = calendar_days(self.start, -self.days)
        end = self.start
        return Period(start, end, _range_label(start, end), "range")


def _year(year: int, field: str) -> int:
    if not YEARS[0] <= year <= YEARS[1]:
        raise RuleError(field, f"the year must be from {YEARS[0]} to {YEARS[1]}")
    return year


def quarter(year: int, q: int, zone: tzinfo | None) -> Period:
    start = first_of_month(year, 3 * (q - 1) + 1, zone)
    return Period(start, months_later(start, 3), f"{year}Q{q}", "quarter")


def month(year: int, m: int, zone: tzinfo | None) -> Period:
    start = first_of_month(year, m, zone)
    return Period(start, months_later(start, 1), f"{year}-{m:02d}", "month")


def _range_label(start: datetime, end: datetime) -> str:
    return f"{start.date()}..{calendar_days(end, -1).date()}"


def parse_quarter(text: str, now: datetime) -> Period:
    """`2026Q3`, `2026-Q3`, `current` or `last`."""
    zone = now.tzinfo
    current = quarter(now.year, (now.month - 1) // 3 + 1, zone)
    word = text.strip().lower()
    if word in ("current", "this", "本季度"):
        return current
    if word in ("last", "previous", "上季度"):
        return current.previous()
    match = _QUARTER.match(text.strip())
    if not match:
        raise RuleError(
            "quarter", f"{text!r} is not a quarter like 2026Q3, 2026-Q3, current or last"
        )
    return quarter(_year(int(match.group(1)), "quarter"), int(match.group(2)), zone)


def parse_month(text: str, now: datetime) -> Period:
    """`2026-07`, `current` or `last`."""
    zone = now.tzinfo
    current = month(now.year, now.month, zone)
    word = text.strip().lower()
    if word in ("current", "this", "本月"):
        return current
    if word in ("last", "previous", "上月"):
        return current.previous()
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise RuleError("month", f"{text!r} is not a month like 2026-07, current or last")
    return month(_year(int(match.group(1)), "month"), int(match.group(2)), zone)


def date_range(start: date, last_day: date, now: datetime) -> Period:
    """From the start of `start` to the end of `last_day` (both local days)."""
    if last_day < start:
        raise RuleError("to", "must not be before --from")
    zone = now.tzinfo
    begin = midnight(start, zone)
    end = calendar_days(midnight(last_day, zone), 1)
    return Period(begin, end, _range_label(begin, end), "range")


def buckets(period: Period) -> list[tuple[datetime, datetime, str]]:
    """The trend's buckets: days, or weeks starting on Monday (clipped to the period)."""
    result = []
    step = period.start
    if period.trend_unit == "day":
        while step < period.end:
            nxt = calendar_days(step, 1)
            result.append((step, nxt, step.strftime("%m-%d")))
            step = nxt
        return result
    while step < period.end:
        nxt = min(calendar_days(week_start(step), 7), period.end)
        result.append((step, nxt, f"W{step.isocalendar()[1]:02d} {step.strftime('%m-%d')}"))
        step = nxt
    return result
