"""Business time: working hours, China's public holidays and make-up workdays (补班).

Pure: no database, no clock, no printing. A `WorkCalendar` says which moments are working
time — working hours per weekday (several ranges a day, in the zone of the times given),
the official holidays and make-up workdays of the year (from the `chinesecalendar`
package, imported the first time a date's status is needed, then kept), and the rules
file's own dated `holidays` and `workdays`, which override any date.

Never a silent guess: a year the package has no official data for counts by weekends and
the rules file's dates only, and every answer names the years it counted that way
(`Counted.unofficial_years`) so the caller can warn.

`add_minutes` counts N working minutes; `add_days` finds the same local time on the Nth
working day (DECISIONS §14). Both return the due with what is needed to explain it later:
the off-days skipped (with the holiday's name) and the make-up workdays counted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal, NamedTuple

from aftersales_cli.rules.case import Counting, Skipped
from aftersales_cli.rules.errors import RuleError

Hours = tuple[tuple[time, time], ...]
"""The working ranges of one day, sorted, each [start, end) with start < end."""


# A calendar with no working time for this long is refused rather than searched forever.
SEARCH_LIMIT_DAYS = 3 * 366


class Holiday(NamedTuple):
    """A named day off (`name` Chinese, `english` English; the rules file's own name is
    both)."""

    name: str
    english: str


class OfficialYear(NamedTuple):
    """One year's official notice: the days off (weekends inside a holiday included) and
    the make-up workdays, each with the holiday it belongs to."""

    holidays: Mapping[date, Holiday]
    workdays: Mapping[date, Holiday]


DayKind = Literal["workday", "weekend", "holiday", "makeup"]


class Day(NamedTuple):
    """What one date is: `kind` workday (its weekday's hours), weekend (a weekday with no
    hours), holiday (off) or makeup (a working day that would be off); `source` says who
    decided (the rules file, the official notice or the plain week); `official` whether
    the year's holidays are known (its official notice, or dates the rules file gives for
    it)."""

    day: date
    kind: DayKind
    hours: Hours
    holiday: Holiday | None
    source: Literal["rules", "official", "week"]
    official: bool

    @property
    def working(self) -> bool:
        return bool(self.hours)


def china(year: int) -> OfficialYear | None:
    """The official holidays and make-up workdays of `year` (None: no data for it)."""
    return _china_years().get(year)


def china_years() -> range:
    """The years the package has official data for."""
    years = _china_years()
    return range(min(years), max(years) + 1)


@functools.cache
def _china_years() -> dict[int, OfficialYear]:
    # Imported here: only a deadline that needs a date's status pays for it (about 2.5 ms).
    from chinese_calendar import constants

    def named(english: str) -> Holiday:
        return Holiday(constants.Holiday(english).chinese, english)

    holidays: dict[int, dict[date, Holiday]] = {}
    workdays: dict[int, dict[date, Holiday]] = {}
    for day, english in constants.holidays.items():
        holidays.setdefault(day.year, {})[day] = named(english)
    for day, english in constants.workdays.items():
        workdays.setdefault(day.year, {})[day] = named(english)
    return {year: OfficialYear(days, workdays.get(year, {})) for year, days in holidays.items()}


def _checked_hours(hours: Hours, where: str) -> Hours:
    """Sorted, non-overlapping ranges, touching ones merged; refused otherwise."""
    merged: list[tuple[time, time]] = []
    for start, end in sorted(hours):
        if not start < end:
            raise RuleError(where, f"a working range must start before it ends ({start}-{end})")
        if merged and start < merged[-1][1]:
            raise RuleError(where, f"working ranges overlap ({merged[-1][0]}-{merged[-1][1]})")
        if merged and start == merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class WorkCalendar:
    """Which moments are working time. `week` holds the hours of Monday..Sunday;
    `makeup_hours` those of a make-up workday that falls on a day with no hours (default:
    the first weekday's that has some); `holidays`/`workdays` are the rules file's dates,
    overriding the official ones; `official` looks a year's notice up (the package)."""

    week: tuple[Hours, ...]
    holidays: Mapping[date, str] = field(default_factory=dict)
    workdays: Mapping[date, str] = field(default_factory=dict)
    makeup_hours: Hours | None = None
    official: Callable[[int], OfficialYear | None] = china
    # the years the rules file gives dates for (their holidays count as known)
    entered: frozenset[int] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise RuleError("hours", "give the working hours of all seven weekdays")
        week = tuple(_checked_hours(hours, "hours") for hours in self.week)
        if not any(week):
            raise RuleError("hours", "at least one weekday needs working hours")
        makeup = next(hours for hours in week if hours)
        if self.makeup_hours is not None:
            makeup = _checked_hours(self.makeup_hours, "hours")
            if not makeup:
                raise RuleError("hours", "a make-up workday needs working hours")
        both_kinds = (*self.holidays, *self.workdays)
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise RuleError("holidays", f"{both[0]} is both a holiday and a workday")
        object.__setattr__(self, "entered", frozenset(d.year for d in both_kinds))
        object.__setattr__(self, "week", week)
        object.__setattr__(self, "makeup_hours", makeup)

    def has_official(self, year: int) -> bool:
        """Whether the year's holidays are known: the official notice, or dates the rules
        file gives for it (the company entering a new notice the day it is published)."""
        return self.official(year) is not None or year in self.entered

    def day(self, day: date) -> Day:
        notice = self.official(day.year)
        found = notice is not None or day.year in self.entered
        usual = self.week[day.weekday()]
        makeup = usual or self._makeup()
        if day in self.holidays:
            name = self.holidays[day] or "holiday"
            return Day(day, "holiday", (), Holiday(name, name), "rules", found)
        if day in self.workdays:
            kind: DayKind = "workday" if usual else "makeup"
            return Day(day, kind, makeup, None, "rules", found)
        if notice is not None and day in notice.holidays:
            return Day(day, "holiday", (), notice.holidays[day], "official", found)
        if notice is not None and day in notice.workdays:
            kind = "workday" if usual else "makeup"
            return Day(day, kind, makeup, notice.workdays[day], "official", found)
        return Day(day, "workday" if usual else "weekend", usual, None, "week", found)

    def _makeup(self) -> Hours:
        assert self.makeup_hours is not None  # set by __post_init__
        return self.makeup_hours


class Counted(NamedTuple):
    """A due time and how it was counted: the off-days from the start to the due (weekends
    and holidays), the make-up workdays counted, and the years counted without official
    data (the caller warns about those)."""

    due: datetime
    skipped: tuple[Day, ...]
    makeup: tuple[Day, ...]
    unofficial_years: tuple[int, ...]


class Span(NamedTuple):
    """Consecutive days of one kind, for an explanation: `first` to `last`, with the
    names of the holidays among them (Chinese, in order, each once)."""

    first: date
    last: date
    kind: DayKind
    names: tuple[str, ...]


def spans(days: tuple[Day, ...]) -> tuple[Span, ...]:
    """`days` (in order) grouped into runs of consecutive dates of the same kind — a
    holiday's weekend days belong to the holiday, so 10-01 to 10-07 is one run."""
    result: list[Span] = []
    for day in days:
        name = (day.holiday.name,) if day.holiday else ()
        last = result[-1] if result else None
        if last and last.kind == day.kind and last.last + timedelta(days=1) == day.day:
            names = last.names + tuple(n for n in name if n not in last.names)
            result[-1] = Span(last.first, day.day, day.kind, names)
        else:
            result.append(Span(day.day, day.day, day.kind, name))
    return tuple(result)


def _periods(day: Day, zone: tzinfo | None) -> Iterator[tuple[datetime, datetime]]:
    """The day's working ranges as UTC moments (so a change of clocks counts right)."""
    for start, end in day.hours:
        yield (
            datetime.combine(day.day, start, tzinfo=zone).astimezone(UTC),
            datetime.combine(day.day, end, tzinfo=zone).astimezone(UTC),
        )


def _days(first: date, cal: WorkCalendar) -> Iterator[Day]:
    for offset in range(SEARCH_LIMIT_DAYS):
        yield cal.day(first + timedelta(days=offset))
    raise RuleError("hours", f"no working time within {SEARCH_LIMIT_DAYS} days of {first}")


def _counted(due: datetime, seen: list[Day]) -> Counted:
    last = due.date()
    upto = [day for day in seen if day.day <= last]
    return Counted(
        due,
        tuple(day for day in upto if not day.working),
        tuple(day for day in upto if day.kind == "makeup"),
        tuple(sorted({day.day.year for day in upto if not day.official})),
    )


def add_minutes(start: datetime, minutes: int, cal: WorkCalendar) -> Counted:
    """`minutes` working minutes after `start` (an aware local time). A start outside
    working time begins at the next working moment (so 0 minutes gives that moment, or
    `start` itself inside working time); a due that lands on the end of a working range
    stays there (18:00, not the next morning)."""
    if minutes < 0:
        raise RuleError("minutes", "must be 0 or more")
    zone = start.tzinfo
    moment = start.astimezone(UTC)
    left = timedelta(minutes=minutes)
    seen: list[Day] = []
    for day in _days(start.date(), cal):
        seen.append(day)
        for begin, end in _periods(day, zone):
            if end <= moment:
                continue
            begin = max(begin, moment)
            if left <= end - begin:
                return _counted((begin + left).astimezone(zone), seen)
            left -= end - begin
    raise AssertionError("unreachable: _days raises first")  # pragma: no cover


def add_days(start: datetime, days: int, cal: WorkCalendar) -> Counted:
    """The same local time on the `days`-th working day after `start`; a start outside
    working time begins at the next working moment. Where that time is not working time
    on the day found, the due is the end of the working range before it (or, before the
    day's first range, its start): the day's work up to that time is what was promised."""
    if days < 0:
        raise RuleError("days", "must be 0 or more")
    begin = add_minutes(start, 0, cal).due
    zone = start.tzinfo
    seen: list[Day] = []
    found = 0
    for day in _days(start.date(), cal):
        seen.append(day)
        if day.day < begin.date() or not day.working:
            continue
        if found == days:
            break
        found += 1
    wall = datetime.combine(day.day, begin.time(), tzinfo=zone)
    moment = wall.astimezone(UTC)
    ranges = list(_periods(day, zone))
    due = ranges[0][0]
    for period_start, period_end in ranges:
        if period_start <= moment:
            due = min(moment, period_end)
    return _counted(due.astimezone(zone), seen)


def minutes_between(earlier: datetime, later: datetime, cal: WorkCalendar) -> int:
    """The working minutes from `earlier` to `later` (0 if `later` is not after it) —
    what a pause of business-time clocks lasted."""
    start, stop = earlier.astimezone(UTC), later.astimezone(UTC)
    if stop <= start:
        return 0
    total = timedelta()
    day_one = earlier.date()
    last = later.astimezone(earlier.tzinfo).date()
    for offset in range((last - day_one).days + 1):
        for begin, end in _periods(cal.day(day_one + timedelta(days=offset)), earlier.tzinfo):
            overlap = min(end, stop) - max(begin, start)
            if overlap > timedelta():
                total += overlap
    return int(total.total_seconds() // 60)


def explained(
    start: datetime, due: datetime, duration: str, cal: WorkCalendar, paused_minutes: int = 0
) -> Counting:
    """How a due `duration` of working time (and `paused_minutes` more, for pauses) from
    `start` was counted: the days off from the start's day to the due's, the make-up
    workdays among them, and the years without official data."""
    zone = start.tzinfo
    first, last = start.date(), due.astimezone(zone).date()
    days = tuple(cal.day(first + timedelta(days=n)) for n in range((last - first).days + 1))
    off = tuple(day for day in days if not day.working)
    return Counting(
        start=start,
        duration=duration,
        skipped=tuple(Skipped(s.first, s.last, s.kind, s.names) for s in spans(off)),
        makeup=tuple(
            (day.day, day.holiday.name if day.holiday else "")
            for day in days
            if day.kind == "makeup"
        ),
        unofficial=tuple(sorted({day.day.year for day in days if not day.official})),
        paused_minutes=paused_minutes,
    )
