"""Calendar arithmetic, in one place: elapsed time, local days, months and weeks — used by
deadlines, report periods and the desk alike. Pure; times are aware datetimes in their
local zone.

The standard library does it (`datetime` and `zoneinfo`): minutes and hours are added
through UTC, so a change of clocks does not move them; days and months move on the local
calendar, keeping the wall-clock time. pendulum does the same, but importing it costs
about 9 ms of a command's start-up (measured: `python -X importtime -c "import
pendulum"`), for nothing these few functions need; it stays for reading the unusual
ISO-8601 forms people type (`clock`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

# The years a complaint (and so a report) can be about: anything else is a typing error
# (and keeps date arithmetic far from the ends of the calendar).
YEARS = (2000, 2099)


def elapsed(start: datetime, minutes: float) -> datetime:
    """`start` plus clock minutes (through UTC, so a DST change does not move it)."""
    return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


def calendar_days(start: datetime, days: int) -> datetime:
    """`start` moved by whole days on the local calendar (same wall-clock time)."""
    moved = start.replace(tzinfo=None) + timedelta(days=days)
    return moved.replace(tzinfo=start.tzinfo).astimezone(start.tzinfo)


def midnight(day: date, zone: tzinfo | None) -> datetime:
    """The start of a local day."""
    return datetime.combine(day, time(0), tzinfo=zone)


def local_day(moment: datetime) -> tuple[datetime, datetime]:
    """The calendar day `moment` falls on in its own zone, as [start, end)."""
    start = midnight(moment.date(), moment.tzinfo)
    return start, calendar_days(start, 1)


def first_of_month(year: int, month: int, zone: tzinfo | None) -> datetime:
    return midnight(date(year, month, 1), zone)


def months_later(start: datetime, months: int) -> datetime:
    """The start of the month `months` after (or before) the month of `start`."""
    index = start.year * 12 + start.month - 1 + months
    return first_of_month(index // 12, index % 12 + 1, start.tzinfo)


def months_after(day: date, months: int) -> date:
    """The same day of the month `months` after (or before) `day`, or that month's last
    day when it is shorter (a year before 2028-02-29 is 2027-02-28)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 of the week `moment` falls in (local)."""
    return midnight(moment.date() - timedelta(days=moment.weekday()), moment.tzinfo)
