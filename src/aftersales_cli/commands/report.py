"""`aftersales report`: the quarterly (or monthly) review for managers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from aftersales_cli import clock, files
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
        str | None,
        typer.Option(
            "--csv",
            metavar="DIR",
            help="Write every table as a CSV file (UTF-8 with BOM) into DIR (created if missing).",
        ),
    ] = None,
    html: Annotated[
        str | None,
        typer.Option(
            "--html", metavar="FILE", help="Write one self-contained HTML page to mail or print."
        ),
    ] = None,
    xlsx: Annotated[
        str | None,
        typer.Option(
            "--xlsx",
            metavar="FILE",
            help="Write one workbook (a sheet per table, KPIs first) for Excel or LibreOffice.",
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace the files --csv, --html and --xlsx write if they exist."
        ),
    ] = False,
    by_handler: Annotated[
        bool,
        typer.Option(
            "--by-handler",
            help="Charge departments by who handled the cases, not by cause (001 §五).",
        ),
    ] = False,
    show_phone: Annotated[
        bool, typer.Option("--show-phone", help="Show repeat complainants' phones in full.")
    ] = False,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
) -> None:
    """Every KPI against its target and the previous period, the distributions, causes,
    breaches, penalties, responsibility, batch clusters and repeat complainants, with
    charts.

    Complaints belong to the period they were received in (local time).

    Example: aftersales report --quarter last --html q3.html --xlsx q3.xlsx --csv q3/
    """
    from aftersales_cli.reports.build import build

    with session(ctx, db=db, rules=rules) as s:
        period = choose_period(quarter, month, from_, to, s.now)
        rules_ = s.rules
        html_file = files.given_path(html, "html")
        xlsx_file = files.given_path(xlsx, "xlsx")
        csv_folder = files.given_path(csv, "csv")
        for path, field in ((html_file, "html"), (xlsx_file, "xlsx")):
            if path is not None:  # refused before any work, never after it
                files.check_target(path, field, overwrite=overwrite, database=s.db_path)
        if csv_folder is not None and csv_folder.exists() and not csv_folder.is_dir():
            raise BadInput("csv", f"{csv_folder} is not a folder")
        keep_statistics(s.conn, now=True)  # created, migrated and analysed before readers
        data = build(s.reader, period, s.now, rules_, show_phone=show_phone)
        if by_handler:
            data = data.by_handler()
        written: list[Line] = []
        if csv_folder is not None:
            from aftersales_cli.render.report_csv import write_csv

            paths = write_csv(data, csv_folder, overwrite=overwrite, database=s.db_path)
            written.append(Line(f"Wrote {len(paths)} CSV files to {csv_folder}/", "ok"))
        if html_file is not None:
            from aftersales_cli.render.report_html import render_html

            page = render_html(data)
            target = files.check_target(html_file, "html", overwrite=overwrite, database=s.db_path)
            with files.writing(target, "html", overwrite=overwrite) as handle:
                handle.write(page)
            written.append(Line(f"Wrote {html_file}", "ok"))
        if xlsx_file is not None:
            from aftersales_cli.render.report_xlsx import write_xlsx

            target = files.check_target(xlsx_file, "xlsx", overwrite=overwrite, database=s.db_path)
            with files.writing_bytes(target, "xlsx", overwrite=overwrite) as binary:
                write_xlsx(data, binary)
            written.append(Line(f"Wrote {xlsx_file}", "ok"))
        if json_:  # the whole ledger is in the CSV (ledger.csv), not in the JSON
            output.print_json(data.to_json())
            for line in written:  # stdout is the JSON alone
                output.note(line.text)
            return
        if written:
            output.show(written)
            return
        from aftersales_cli.render.report_view import report_view

        output.show(report_view(data, s.zone_name))
