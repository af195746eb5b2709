"""The work calendar as people read it: a month grid with its off-days, holidays and
make-up workdays (补班) marked, the named days listed under it, and the JSON record of a
day. Pure: it is given the `Day`s; it looks nothing up."""

from __future__ import annotations

import calendar as months
from collections.abc import Sequence
from datetime import date, time
from typing import Any

from aftersales_cli.render.blocks import Block, Cell, Fields, Heading, Line, Table
from aftersales_cli.rules.business import Day

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_ZH = ("一", "二", "三", "四", "五", "六", "日")
SOURCES = {"official": "official", "rules": "rules", "week": "weekday"}
LEGEND = "休 holiday · 班 make-up workday · * the rules file's date · (—) no hours"

Hours = tuple[tuple[time, time], ...]


def hours_text(hours: Hours) -> str:
    """`08:00-12:00, 13:00-18:00`, or `off`."""
    return ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in hours) or "off"


def week_text(week: Sequence[Hours]) -> str:
    """The week's hours, runs of weekdays with the same hours together:
    `Mon–Fri 08:00-18:00; Sat–Sun off`."""
    runs: list[tuple[int, int]] = []
    for index, hours in enumerate(week):
        if runs and week[runs[-1][0]] == hours:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    parts = []
    for first, last in runs:
        days = WEEKDAY_NAMES[first] + ("" if first == last else f"–{WEEKDAY_NAMES[last]}")
        parts.append(f"{days} {hours_text(week[first])}")
    return "; ".join(parts)


def name_of(day: Day, rules_names: dict[date, str]) -> str | None:
    """The day's name: the rules file's own, else the holiday's (Chinese and English)."""
    if day.source == "rules":
        return rules_names.get(day.day) or None
    if day.holiday is not None:
        return day.holiday.name
    return None


def day_record(day: Day, rules_names: dict[date, str]) -> dict[str, Any]:
    """One day, as `calendar --json` prints it (stable keys)."""
    return {
        "date": day.day.isoformat(),
        "weekday": WEEKDAY_NAMES[day.day.weekday()],
        "working": day.working,
        "kind": day.kind,
        "name": name_of(day, rules_names),
        "source": SOURCES[day.source],
        "hours": [f"{a:%H:%M}-{b:%H:%M}" for a, b in day.hours],
    }


_MARK = {"holiday": " 休", "makeup": " 班", "workday": "", "weekend": ""}
_STYLE = {"holiday": "breached", "makeup": "warning", "workday": None, "weekend": "dim"}


def _cell(day: Day) -> Cell:
    text = f"{day.day.day}{_MARK[day.kind]}"
    if day.kind == "weekend" and day.day.weekday() < 5:
        text += " (—)"  # a weekday the rules give no hours
    if day.source == "rules":
        text += "*"
    return Cell(text, _STYLE[day.kind])


def month_view(
    year: int, month: int, days: Sequence[Day], rules_names: dict[date, str]
) -> list[Block]:
    """A month: the grid (weeks from Monday), then its holidays and make-up workdays, one
    line per run of consecutive days with the same name."""
    by_date = {day.day: day for day in days}
    rows = []
    for week in months.Calendar().monthdatescalendar(year, month):
        rows.append([_cell(by_date[d]) if d.month == month else Cell("") for d in week])
    columns = [
        Cell(f"{en} {zh}", short=en) for en, zh in zip(WEEKDAY_NAMES, WEEKDAY_ZH, strict=True)
    ]
    grid = Table(columns, rows, right=frozenset(range(7)), keep=frozenset(range(7)))
    blocks: list[Block] = [Heading(f"{year}-{month:02d} {months.month_name[month]}"), grid]
    named = _named_runs(
        [d for d in days if d.kind in ("holiday", "makeup") or d.source == "rules"], rules_names
    )
    if named:
        blocks.append(Fields(named))
    return blocks


def _named_runs(days: Sequence[Day], rules_names: dict[date, str]) -> list[tuple[str, str]]:
    runs: list[list[Day]] = []
    for day in days:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and (last.day - day.day).days == -1
            and (last.kind, last.source, name_of(last, rules_names))
            == (day.kind, day.source, name_of(day, rules_names))
        ):
            runs[-1].append(day)
        else:
            runs.append([day])
    rows = []
    for run in runs:
        first, last = run[0], run[-1]
        when = f"{first.day:%m-%d} {WEEKDAY_NAMES[first.day.weekday()]}"
        if len(run) > 1:
            when += f" – {last.day:%m-%d} {WEEKDAY_NAMES[last.day.weekday()]}"
        rows.append((when, _describe(first, rules_names)))
    return rows


def _describe(day: Day, rules_names: dict[date, str]) -> str:
    name = name_of(day, rules_names)
    english = day.holiday.english if day.holiday and day.source == "official" else None
    label = " ".join(part for part in (name, english) if part)
    what = {"holiday": "休", "makeup": "补班", "workday": "workday", "weekend": "day off"}
    source = "rules file" if day.source == "rules" else "official"
    return f"{what[day.kind]}{f' {label}' if label else ''} ({source})"


def unofficial_warning(year: int, known: range) -> str:
    """What the calendar says for a year the package has no official notice for."""
    return (
        f"{year} has no official holidays or make-up workdays in the chinesecalendar "
        f"package (it knows {known.start}–{known.stop - 1}); {year} is counted by weekends "
        "and the rules file's own dates only. Add the State Council's notice to the rules "
        f'file: [calendar] holidays = {{ {year}-01-01 = "元旦" }}, '
        f'workdays = {{ {year}-MM-DD = "补班" }}'
    )


def legend() -> Line:
    return Line(LEGEND, "dim")
