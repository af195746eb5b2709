"""Calendar arithmetic (rules.calendar): local days and months keep the wall clock, elapsed
minutes go through UTC — across a change of clocks too."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.rules import calendar

NY = ZoneInfo("America/New_York")  # clocks go forward 2026-03-08 02:00
SH = ZoneInfo("Asia/Shanghai")


def test_a_day_keeps_the_wall_clock_and_minutes_do_not() -> None:
    before = datetime(2026, 3, 7, 9, 0, tzinfo=NY)
    assert calendar.calendar_days(before, 1) == datetime(2026, 3, 8, 9, 0, tzinfo=NY)
    assert calendar.elapsed(before, 24 * 60) == datetime(2026, 3, 8, 10, 0, tzinfo=NY)


def test_months_weeks_and_days() -> None:
    start = datetime(2026, 11, 22, 10, 0, tzinfo=SH)
    assert calendar.months_later(start, 1) == datetime(2026, 12, 1, tzinfo=SH)
    assert calendar.months_later(start, 2) == datetime(2027, 1, 1, tzinfo=SH)
    assert calendar.months_later(start, -11) == datetime(2025, 12, 1, tzinfo=SH)
    assert calendar.week_start(start) == datetime(2026, 11, 16, tzinfo=SH)  # a Monday
    assert calendar.local_day(start) == (
        datetime(2026, 11, 22, tzinfo=SH),
        datetime(2026, 11, 23, tzinfo=SH),
    )


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.integers(-1200, 1200))
def test_months_later_is_the_first_of_the_right_month(day: date, months: int) -> None:
    start = calendar.midnight(day, NY)
    moved = calendar.months_later(start, months)
    assert moved.day == 1 and moved.hour == 0
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_a_local_day_is_one_calendar_day_whatever_the_clocks(day: date) -> None:
    start, end = calendar.local_day(calendar.midnight(day, NY))
    assert (start.date(), end.date(), end.hour) == (day, day + timedelta(days=1), 0)
