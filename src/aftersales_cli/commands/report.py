"""`aftersales report`: the quarterly (or monthly) review for managers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aftersales_cli import clock
from aftersales_cli.commands.context import DbOption, JsonOption, RulesOption, session
from aftersales_cli.errors import BadInput
from aftersales_cli.render import output
from aftersales_cli.render.blocks import Line
from aftersales_cli.store.db import keep_statistics

if TYPE_CHECKING:
    from aftersales_cli.reports.period import Period


def choose_period(
    quarter: str | None,
    month: str | None,
    from_: str | None,
    to: str | None,
    now: datetime,
) -> Period:
    from aftersales_cli.reports.period import date_range, parse_month, parse_quarter

    given = [
        name
        for name, value in (
            ("--quarter", quarter),
            ("--month", month),
            ("--from", from_ if from_ is not None else to),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise BadInput(
            "period", f"give one of --quarter, --month or --from/--to, not {' and '.join(given)}"
        )
    if quarter is not None:
        return parse_quarter(quarter, now)
    if month is not None:
        return parse_month(month, now)
    if from_ is not None or to is not None:
        if from_ is None:
            raise BadInput("from", "--to needs --from (the first day of the range)")
        start = clock.parse_day_or_time(from_, "from", now)[0]
        last = clock.parse_day_or_time(to, "to", now)[0] if to is not None else now.date()
        return date_range(start, last, now)
    return parse_quarter("current", now)


def report(
    ctx: typer.Context,
    quarter: Annotated[
        str | None,
        typer.Option(help="A quarter: 2026Q3, 2026-Q3, current or last [default: current]."),
    ] = None,
    month: Annotated[
        str | None,
        typer.Option(help="A month: 2026-07, current or last (the monthly responsibility review)."),
    ] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day of a range.")] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Last day of a range (included) [default: today].")
    ] = None,
    csv: Annotated[
        Path | None,
        typer.Option(
            "--csv", metavar="DIR", help="Write every table as a CSV file (UTF-8 with BOM) here."
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", metavar="FILE", help="Write one self-contained HTML page to mail or print."
        ),
    ] = None,
    show_phone: Annotated[
        bool, typer.Option("--show-phone", help="Show repeat complainants' phones in full.")
    ] = False,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
) -> None:
    """Report a period: every KPI against its target and the previous period, the
    distributions, causes, breaches, penalties, responsibility, batch clusters and
    repeat complainants, with charts.

    Complaints belong to the period they were received in (local time).

    Example: aftersales report --quarter last --html q3.html --csv q3/
    """
    from aftersales_cli.reports.build import build

    with session(ctx, db=db, rules=rules) as s:
        period = choose_period(quarter, month, from_, to, s.now)
        rules_ = s.rules
        keep_statistics(s.conn, now=True)  # created, migrated and analysed before readers
        data = build(s.reader, period, s.now, rules_, show_phone=show_phone)
        if json_:
            output.print_json(data)
            return
        written: list[Line] = []
        if csv is not None:
            from aftersales_cli.render.report_csv import write_csv

            try:
                paths = write_csv(data, csv)
            except OSError as exc:
                raise BadInput("csv", f"cannot write to {csv}: {exc.strerror}") from None
            written.append(Line(f"Wrote {len(paths)} CSV files to {csv}/", "ok"))
        if html is not None:
            from aftersales_cli.render.report_html import render_html

            try:
                html.write_text(render_html(data), encoding="utf-8")
            except OSError as exc:
                raise BadInput("html", f"cannot write {html}: {exc.strerror}") from None
            written.append(Line(f"Wrote {html}", "ok"))
        if written:
            output.show(written)
            return
        from aftersales_cli.render.report_view import report_view

        output.show(report_view(data, s.zone_name))
