"""Business time (rules.business): working minutes and working days across nights, lunch
breaks, weekends, China's holidays and make-up workdays — and a year without official data
is counted by weekends alone and said so."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.rules import business
from aftersales_cli.rules.business import WorkCalendar, add_days, add_minutes, minutes_between
from aftersales_cli.rules.errors import RuleError

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
# An office open Monday to Friday 08:00-18:00, the hand-checked cases' calendar.
WEEK = (((time(8), time(18)),),) * 5 + ((), ())
OFFICE = WorkCalendar(WEEK)
LUNCH = ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
WITH_LUNCH = WorkCalendar(week=(LUNCH,) * 5 + ((), ()))


def at(*parts: int, zone: ZoneInfo = SH) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def shown(counted: business.Counted) -> list[str]:
    return [
        f"{day.day:%m-%d} {day.kind} {day.holiday.name if day.holiday else ''}".strip()
        for day in counted.skipped
    ]


# -- the official data -------------------------------------------------------------------


def test_the_package_knows_2026_with_its_make_up_workdays_and_not_2027() -> None:
    notice = business.china(2026)
    assert notice is not None
    assert sorted(notice.workdays) == [
        date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28),
        date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10),
    ]  # fmt: skip
    assert notice.holidays[date(2026, 10, 1)].name == "国庆节"
    assert notice.holidays[date(2026, 9, 25)].english == "Mid-autumn Festival"
    assert business.china(2027) is None
    assert 2004 in business.china_years() and 2026 in business.china_years()
    assert OFFICE.has_official(2026) and not OFFICE.has_official(2027)


def test_what_each_kind_of_day_is() -> None:
    assert OFFICE.day(date(2026, 10, 10)).kind == "makeup"  # a Saturday, 补班
    assert OFFICE.day(date(2026, 10, 10)).hours == ((time(8), time(18)),)
    assert OFFICE.day(date(2026, 10, 5)).kind == "holiday"  # a Monday
    assert OFFICE.day(date(2026, 10, 11)).kind == "weekend"
    assert OFFICE.day(date(2026, 10, 12)).kind == "workday"
    assert not OFFICE.day(date(2027, 10, 1)).official


def test_the_rules_file_dates_override_the_official_ones() -> None:
    cal = WorkCalendar(
        WEEK,
        holidays={date(2026, 10, 10): "公司庆典", date(2027, 10, 1): "国庆节"},
        workdays={date(2026, 10, 5): ""},
    )
    assert cal.day(date(2026, 10, 10)).kind == "holiday"
    assert cal.day(date(2026, 10, 10)).holiday == business.Holiday("公司庆典", "公司庆典")
    assert cal.day(date(2026, 10, 5)).kind == "workday"
    assert cal.day(date(2026, 10, 5)).source == "rules"
    assert cal.day(date(2027, 10, 1)).kind == "holiday"


# -- hand-checked: National Day and Spring Festival 2026 ---------------------------------


def test_one_business_hour_from_the_eve_of_national_day() -> None:
    # DECISIONS §14: 1 business hour from 2026-09-30 18:20 is due 10-08 09:00, and only
    # 国庆节 falls in 10-01 to 10-07 (the package agrees).
    counted = add_minutes(at(2026, 9, 30, 18, 20), 60, OFFICE)
    assert counted.due == at(2026, 10, 8, 9, 0)
    assert shown(counted) == [f"10-0{d} holiday 国庆节" for d in range(1, 8)]
    assert counted.makeup == () and counted.unofficial_years == ()
    assert business.spans(counted.skipped) == (
        business.Span(date(2026, 10, 1), date(2026, 10, 7), "holiday", ("国庆节",)),
    )


def test_the_make_up_saturday_after_national_day_counts() -> None:
    # Friday 10-09 17:00 + 2 h: 17-18 on Friday, 08-09 on Saturday 10-10 (补班).
    counted = add_minutes(at(2026, 10, 9, 17), 120, OFFICE)
    assert counted.due == at(2026, 10, 10, 9)
    assert [day.day for day in counted.makeup] == [date(2026, 10, 10)]
    assert counted.makeup[0].holiday is not None and counted.makeup[0].holiday.name == "国庆节"
    # Received on the make-up Saturday itself, in working time and after it.
    assert add_minutes(at(2026, 10, 10, 10), 60, OFFICE).due == at(2026, 10, 10, 11)
    after = add_minutes(at(2026, 10, 10, 19), 60, OFFICE)
    assert after.due == at(2026, 10, 12, 9)
    assert shown(after) == ["10-11 weekend"]


def test_spring_festival_2026() -> None:
    # Friday 02-13 17:30 + 1 h: 30 min on Friday, Saturday 02-14 is 补班 → 08:30.
    assert add_minutes(at(2026, 2, 13, 17, 30), 60, OFFICE).due == at(2026, 2, 14, 8, 30)
    # Saturday 02-14 17:00 + 2 h: off 02-15 to 02-23 (春节), back Tuesday 02-24 at 09:00.
    counted = add_minutes(at(2026, 2, 14, 17), 120, OFFICE)
    assert counted.due == at(2026, 2, 24, 9)
    assert shown(counted) == [f"02-{d} holiday 春节" for d in range(15, 24)]
    assert [(s.first.day, s.last.day) for s in business.spans(counted.skipped)] == [(15, 23)]
    # One working day from the eve: the same time on the next working day, 02-24.
    assert add_days(at(2026, 2, 14, 10, 15), 1, OFFICE).due == at(2026, 2, 24, 10, 15)
    # ... and 02-28 (Saturday) is 补班 too: 3 working days from Thursday 02-26 11:00 are
    # Friday, Saturday, Monday.
    days = add_days(at(2026, 2, 26, 11), 3, OFFICE)
    assert days.due == at(2026, 3, 2, 11)
    assert [day.day for day in days.makeup] == [date(2026, 2, 28)]


def test_off_hours_lunch_and_the_end_of_the_day() -> None:
    # Received at night: starts at 08:00; a due on the end of the day stays at 18:00.
    assert add_minutes(at(2026, 11, 3, 2), 60, OFFICE).due == at(2026, 11, 3, 9)
    assert add_minutes(at(2026, 11, 3, 17), 60, OFFICE).due == at(2026, 11, 3, 18)
    assert add_minutes(at(2026, 11, 3, 17), 61, OFFICE).due == at(2026, 11, 4, 8, 1)
    # Zero minutes: the start itself in working time, else the next working moment.
    assert add_minutes(at(2026, 11, 3, 9), 0, OFFICE).due == at(2026, 11, 3, 9)
    assert add_minutes(at(2026, 11, 3, 18), 0, OFFICE).due == at(2026, 11, 4, 8)
    # A lunch break is skipped; the morning's end is a due that stays there.
    assert add_minutes(at(2026, 11, 3, 11), 120, WITH_LUNCH).due == at(2026, 11, 3, 14, 30)
    assert add_minutes(at(2026, 11, 3, 11), 60, WITH_LUNCH).due == at(2026, 11, 3, 12)
    # Friday evening: over the weekend to Monday.
    weekend = add_minutes(at(2026, 11, 6, 17, 50), 60, OFFICE)
    assert weekend.due == at(2026, 11, 9, 8, 50)
    assert shown(weekend) == ["11-07 weekend", "11-08 weekend"]
    assert business.spans(weekend.skipped) == (
        business.Span(date(2026, 11, 7), date(2026, 11, 8), "weekend", ()),
    )


def test_working_days_keep_the_local_time() -> None:
    assert add_days(at(2026, 11, 3, 10), 1, OFFICE).due == at(2026, 11, 4, 10)
    assert add_days(at(2026, 11, 6, 10), 1, OFFICE).due == at(2026, 11, 9, 10)
    # Received off-hours: counted from the next working moment.
    assert add_days(at(2026, 11, 6, 19), 1, OFFICE).due == at(2026, 11, 10, 8)
    assert add_days(at(2026, 11, 3, 10), 0, OFFICE).due == at(2026, 11, 3, 10)
    # The same time is not working time on the day found: that day's work up to it.
    short_friday = WorkCalendar(
        week=(((time(8), time(18)),),) * 4 + (((time(8), time(16)),), (), ())
    )
    assert add_days(at(2026, 11, 5, 17), 1, short_friday).due == at(2026, 11, 6, 16)
    lunch = add_days(at(2026, 11, 3, 8, 0), 1, WITH_LUNCH)
    assert lunch.due == at(2026, 11, 4, 8, 30)  # before the day's first range: its start


def test_a_year_without_official_data_counts_weekends_and_says_so() -> None:
    # 2027-10-01 is a Friday; no notice for 2027 in the package: a plain working day.
    counted = add_minutes(at(2027, 9, 30, 17), 120, OFFICE)
    assert counted.due == at(2027, 10, 1, 9)
    assert counted.unofficial_years == (2027,)
    # Crossing into it from a year with data names the one without.
    assert add_minutes(at(2026, 12, 31, 17), 120, OFFICE).unofficial_years == (2027,)
    assert add_minutes(at(2026, 12, 30, 17), 60, OFFICE).unofficial_years == ()
    # The rules file's dates count in such a year.
    entered = WorkCalendar(WEEK, holidays={date(2027, 10, 1): "国庆节"})
    assert add_minutes(at(2027, 9, 30, 17), 120, entered).due == at(2027, 10, 4, 9)


def test_refusals() -> None:
    with pytest.raises(RuleError, match="at least one weekday"):
        WorkCalendar(week=((),) * 7)
    with pytest.raises(RuleError, match="overlap"):
        WorkCalendar(week=(((time(8), time(12)), (time(11), time(18))),) * 7)
    with pytest.raises(RuleError, match="start before it ends"):
        WorkCalendar(week=(((time(18), time(8)),),) * 7)
    with pytest.raises(RuleError, match="both a holiday and a workday"):
        WorkCalendar(WEEK, holidays={date(2027, 1, 1): ""}, workdays={date(2027, 1, 1): ""})
    with pytest.raises(RuleError, match="minutes"):
        add_minutes(at(2026, 11, 3, 9), -1, OFFICE)
    always_off = WorkCalendar(
        WEEK, holidays={date(2030, 1, 1) + timedelta(days=n): "" for n in range(1200)}
    )
    with pytest.raises(RuleError, match="no working time"):
        add_minutes(at(2030, 1, 1, 9), 1, always_off)


def test_a_change_of_clocks_does_not_change_working_minutes() -> None:
    # New York goes to summer time on Sunday 2026-03-08; Friday 17:00 + 2 h → Monday 09:00.
    assert add_minutes(at(2026, 3, 6, 17, zone=NY), 120, OFFICE).due == at(2026, 3, 9, 9, zone=NY)


def test_the_package_is_imported_only_when_a_date_is_looked_up() -> None:
    code = (
        "import sys; from aftersales_cli.rules import business;"
        "assert 'chinese_calendar' not in sys.modules;"
        "from datetime import date, time;"
        "business.WorkCalendar((((time(8), time(18)),),) * 7).day(date(2026, 10, 1));"
        "assert 'chinese_calendar' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- properties ------------------------------------------------------------------------

# Moments from 2025 to 2027: both Spring Festivals and National Days with data, and a year
# without; minutes up to about two working weeks.
moments = st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31)).map(
    lambda moment: moment.replace(second=0, microsecond=0, tzinfo=SH)
)
amounts = st.integers(0, 6000)
calendars = st.sampled_from([OFFICE, WITH_LUNCH])


def working(moment: datetime, cal: WorkCalendar, closed_end: bool) -> bool:
    for start, end in cal.day(moment.date()).hours:
        if start <= moment.time() < end or (closed_end and moment.time() == end):
            return True
    return False


@given(moments, amounts, calendars)
def test_the_due_is_in_working_time_and_that_many_minutes_away(
    start: datetime, minutes: int, cal: WorkCalendar
) -> None:
    due = add_minutes(start, minutes, cal).due
    assert due >= start
    assert working(due, cal, closed_end=minutes > 0)
    assert minutes_between(start, due, cal) == minutes
    if minutes == 0 and working(start, cal, closed_end=False):
        assert due == start


@given(moments, moments, amounts, amounts, calendars)
def test_adding_is_monotonic(
    one: datetime, two: datetime, a: int, b: int, cal: WorkCalendar
) -> None:
    early, late = sorted((one, two))
    assert add_minutes(early, a, cal).due <= add_minutes(late, a, cal).due
    low, high = sorted((a, b))
    assert add_minutes(early, low, cal).due <= add_minutes(early, high, cal).due


@given(moments, amounts, st.integers(1, 6000), calendars)
def test_adding_is_additive(start: datetime, a: int, b: int, cal: WorkCalendar) -> None:
    # b ≥ 1: adding nothing to a due that stays on 18:00 moves it to the next morning.
    first = add_minutes(start, a, cal).due
    assert add_minutes(first, b, cal).due == add_minutes(start, a + b, cal).due


saturdays = st.dates(date(2027, 1, 1), date(2027, 12, 31)).map(
    lambda day: day + timedelta(days=(5 - day.weekday()) % 7)
)
weekdays = st.dates(date(2027, 1, 1), date(2027, 12, 31)).filter(lambda day: day.weekday() < 5)
times_of_day = st.times().map(lambda moment: moment.replace(second=0, microsecond=0))


@given(saturdays, times_of_day, st.integers(0, 600))
def test_a_make_up_saturday_counts_like_a_weekday(
    saturday: date, clock: time, minutes: int
) -> None:
    # 2027 has no official data, so each Saturday is a plain weekend day unless entered.
    cal = WorkCalendar(WEEK, workdays={saturday: ""})
    plain_monday = date(2027, 3, 1)  # an ordinary Monday, the day after a weekend too
    on_saturday = add_minutes(datetime.combine(saturday, clock, SH), minutes, cal).due
    on_monday = add_minutes(datetime.combine(plain_monday, clock, SH), minutes, OFFICE).due
    if on_monday.date() == plain_monday:
        assert (on_saturday.date(), on_saturday.time()) == (saturday, on_monday.time())
    midnight = datetime.combine(saturday, time(0), SH)
    assert minutes_between(midnight, midnight + timedelta(days=1), cal) == 600


@given(weekdays, times_of_day, st.integers(0, 6000))
def test_a_holiday_weekday_counts_like_a_sunday(day: date, clock: time, minutes: int) -> None:
    cal = WorkCalendar(WEEK, holidays={day: "假日"})
    next_morning = datetime.combine(day + timedelta(days=1), time(0), SH)
    assert (
        add_minutes(datetime.combine(day, clock, SH), minutes, cal).due
        == add_minutes(next_morning, minutes, cal).due
    )
    assert minutes_between(datetime.combine(day, time(0), SH), next_morning, cal) == 0
    sunday = day + timedelta(days=6 - day.weekday())
    assert (
        add_minutes(datetime.combine(sunday, clock, SH), minutes, cal).due
        == add_minutes(datetime.combine(sunday + timedelta(days=1), time(0), SH), minutes, cal).due
    )


@given(moments, st.integers(0, 15), calendars)
def test_working_days_land_on_a_working_day_in_order(
    start: datetime, days: int, cal: WorkCalendar
) -> None:
    due = add_days(start, days, cal).due
    more = add_days(start, days + 1, cal).due
    assert start <= due < more
    assert working(due, cal, closed_end=True)
    assert add_minutes(start, 0, cal).due <= due


def test_spans_keep_holidays_and_weekends_apart() -> None:
    # A company holiday on Friday 2026-11-13, then the weekend: two runs, named apart.
    cal = WorkCalendar(WEEK, holidays={date(2026, 11, 13): "公司庆典"})
    counted = add_minutes(at(2026, 11, 12, 17), 120, cal)
    assert counted.due == at(2026, 11, 16, 9)
    assert business.spans(counted.skipped) == (
        business.Span(date(2026, 11, 13), date(2026, 11, 13), "holiday", ("公司庆典",)),
        business.Span(date(2026, 11, 14), date(2026, 11, 15), "weekend", ()),
    )
