"""A report as one workbook for managers: a sheet per table, the KPIs first.

Cells keep their type, as in the CSV files, and each is formatted by its column's unit
(in the sheet of KPIs, by its row's): counts and money are numbers (money shown `¥`),
rates are fractions shown in percent, hours are numbers shown `h`, survey scores'
means are numbers shown with two decimals, met or missed is
text. The report's times (the columns whose unit is `time`) are date-time cells in the
report's local time (a workbook has no time zones). Text stays text: a customer's name
that starts with `=` is never a formula. Each sheet has its title on the first row and
its header, frozen, on the second; columns are as wide as their content (Chinese
characters count two); printed, a sheet is one A4 page wide, its header on every page.

Imported only by `report --xlsx`: it loads openpyxl.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import IO, NamedTuple

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from aftersales_cli.clock import local_zone
from aftersales_cli.render.cells import width
from aftersales_cli.render.report_html import period_text
from aftersales_cli.render.report_tables import ReportTable, Value, tables
from aftersales_cli.reports.report import Report
from aftersales_cli.reports.units import Unit

# Number formats by unit; a change (the KPIs' delta) is signed.
FORMATS = {
    Unit.COUNT: "0",
    Unit.RATE: "0.0%",
    Unit.HOURS: '0.0" h"',
    Unit.MONEY: '"¥"#,##0.00;-"¥"#,##0.00',
    Unit.SCORE: "0.00",
}
CHANGES = {
    Unit.COUNT: "+0;-0;0",
    Unit.RATE: "+0.0%;-0.0%;0.0%",
    Unit.HOURS: '+0.0" h";-0.0" h";0.0" h"',
    Unit.MONEY: '+"¥"#,##0.00;-"¥"#,##0.00;"¥"0.00',
}
MOMENT = "yyyy-mm-dd hh:mm"
FLAGS = {True: "met", False: "missed"}
GREEN, RED = "2E7D32", "C62828"
TITLE_ROW, HEADER_ROW = 1, 2
WIDEST = 60  # characters; longer text (reasons) wraps in the cell's own width
A4_PORTRAIT = 90  # characters a portrait A4 page holds across; wider sheets print landscape


def write_xlsx(report: Report, handle: IO[bytes]) -> None:
    """The workbook of `report`, saved into `handle`."""
    book = Workbook()
    book.remove(book.worksheets[0])
    book.properties.title = f"After-sales report 售后报告 {report.period.label}"
    book.properties.creator = "aftersales-cli"
    period = f"{report.period.label}, {period_text(report.period)}"
    for table in tables(report):
        sheet = book.create_sheet(table.name[:31])
        title = table.title if table.name != "kpis" else f"{table.title} — {period}"
        _fill(sheet, table, title if table.rows else f"{title}: none in this period")
    book.save(handle)


class Put(NamedTuple):
    """A cell as written: its value, number format, font and how wide it is shown."""

    value: str | int | float | datetime | None
    number_format: str = "General"
    font: Font | None = None
    shown: str = ""


def put(table: ReportTable, r: int, row: Sequence[Value], i: int) -> Put:
    """How cell `i` of row `r` is written, by its unit."""
    column, value = table.columns[i], row[i]
    unit = column.unit or table.row_units[r]
    if unit is Unit.FLAG:
        if not isinstance(value, bool):
            return Put(None)
        colour = GREEN if value else RED
        return Put(FLAGS[value], font=Font(bold=True, color=colour), shown=FLAGS[value])
    if isinstance(value, bool):
        return Put(table.format(r, row, i), shown=table.format(r, row, i))  # yes or no
    if isinstance(value, int | float):
        formats = CHANGES if column.change else FORMATS
        return Put(value, formats.get(unit, "General"), shown=table.format(r, row, i))
    if value is None or value == "":
        return Put(None)
    if unit is Unit.TIME:  # a moment (local ISO-8601 text): a date-time cell
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(local_zone()).replace(tzinfo=None)
        return Put(moment, MOMENT, shown=MOMENT)
    return Put(_text(value), shown=value)


def _fill(sheet: Worksheet, table: ReportTable, title: str) -> None:
    sheet.cell(TITLE_ROW, 1, _text(title)).font = Font(bold=True, size=12)
    sizes = [width(name) for name in table.names]
    for i, name in enumerate(table.names, start=1):
        sheet.cell(HEADER_ROW, i, name).font = Font(bold=True)
    for r, row in enumerate(table.rows):
        for i in range(len(row)):
            how = put(table, r, row, i)
            cell = sheet.cell(HEADER_ROW + 1 + r, i + 1, how.value)
            if isinstance(how.value, str):
                cell.data_type = "s"  # text, even when it starts with `=`
            cell.number_format = how.number_format
            if how.font is not None:
                cell.font = how.font
            sizes[i] = max(sizes[i], width(how.shown))
    for i, size in enumerate(sizes, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = min(size, WIDEST) + 2
        if size > WIDEST:
            for (long,) in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=i, max_col=i):
                long.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"  # printed: on every page
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if sum(sizes) > A4_PORTRAIT else "portrait"
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0  # as wide as a page
    if table.rows:
        last = get_column_letter(len(table.columns))
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(table.rows)}"


def _text(text: str) -> str:
    """Text as a workbook holds it: the control characters XML forbids become U+FFFD, and
    a carriage return a line break (XML reads it as one anyway)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return str(ILLEGAL_CHARACTERS_RE.sub("\ufffd", text))
