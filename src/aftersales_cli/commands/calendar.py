"""`aftersales calendar`: the work calendar of a month or a year — working days, weekends,
China's official holidays, make-up workdays (补班) and the rules file's own dates — so
the operator can see why a date counts as it does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from aftersales_cli.commands.context import JsonOption, RulesOption, session
from aftersales_cli.errors import BadInput
from aftersales_cli.render import output

if TYPE_CHECKING:
    from aftersales_cli.rules import business

YEAR_MIN, YEAR_MAX = 1900, 2199  # a typing error beyond, not a calendar

YearOption = Annotated[
    int | None,
    typer.Option("--year", help="The year (alone: all its months) [default: this year]."),
]
MonthOption = Annotated[
    int | None, typer.Option("--month", help="The month, 1-12 [default: this month].")
]


def calendar(
    ctx: typer.Context,
    year: YearOption = None,
    month: MonthOption = None,
    json_: JsonOption = False,
    rules: RulesOption = None,
) -> None:
    """A month grid (this month by default; --year alone shows the whole year) marking days
    off, China's official holidays with their names, make-up workdays and the rules
    file's own [calendar] dates; --json prints one record per day. A year without official
    data is warned about on stderr, with how to add its dates to the rules file.

    Example: aftersales calendar --year 2026 --month 10
    """
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise BadInput("--year", f"a year from {YEAR_MIN} to {YEAR_MAX}, got {year}")
    if month is not None and not 1 <= month <= 12:
        raise BadInput("--month", f"a month from 1 to 12, got {month}")
    from aftersales_cli import clock
    from aftersales_cli.render import calendar_view as view
    from aftersales_cli.rules import business

    with session(ctx, rules=rules) as s:
        today = s.now.astimezone(clock.local_zone()).date()
        shown_year = today.year if year is None else year
        if month is not None or year is None:
            wanted = [month or today.month]
        else:
            wanted = list(range(1, 13))
        settings = s.rules.calendar
        work = settings.work_calendar()
        names = {**settings.holidays, **settings.workdays}
        by_month = [(m, list(_days(work, shown_year, m))) for m in wanted]
        if not work.has_official(shown_year):
            output.warn(view.unofficial_warning(shown_year, business.china_years()))
        if json_:
            output.print_json([view.day_record(d, names) for _, days in by_month for d in days])
            return
        blocks = [
            block for m, days in by_month for block in view.month_view(shown_year, m, days, names)
        ]
        output.show([*blocks, view.legend()])


def _days(work: business.WorkCalendar, year: int, month: int) -> Iterator[business.Day]:
    day = date(year, month, 1)
    while day.month == month:
        yield work.day(day)
        day += timedelta(days=1)
