"""A report as CSV files: one per table, raw typed values, for Excel and for scripts.

UTF-8 with a byte-order mark so Excel opens Chinese correctly (LibreOffice asks: import
as UTF-8, see the README); text that a spreadsheet would run as a formula
(customer-supplied org names, say) gets a leading apostrophe. Rates and shares are
fractions rounded to 4 decimals (0.3333 is 33.33 %), so are survey scores' means; times
stay ISO text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from aftersales_cli.render.report_tables import ReportTable, Value, tables
from aftersales_cli.render.spreadsheet import csv_cell
from aftersales_cli.reports.report import Report
from aftersales_cli.reports.units import Unit

RATE_DECIMALS = 4


def _rounded(table: ReportTable) -> Iterator[list[Value]]:
    """The table's rows, each rate and mean score (a column's, or in a table of measures,
    a row's) to `RATE_DECIMALS` decimals."""
    for r, row in enumerate(table.rows):
        yield [_cell(table, r, row, i) for i in range(len(row))]


def _cell(table: ReportTable, r: int, row: Sequence[Value], i: int) -> Value:
    value = row[i]
    if isinstance(value, bool) or not isinstance(value, float):
        return value
    unit = table.columns[i].unit or table.row_units[r]
    return round(value, RATE_DECIMALS) if unit in (Unit.RATE, Unit.SCORE) else value


def write_csv(
    report: Report,
    folder: Path,
    *,
    overwrite: bool = False,
    database: Path | None = None,
) -> list[Path]:
    """Write `{table.name}.csv` for every table of the report into `folder` (created,
    0700, when missing) and return the paths, in table order. The files follow the rules
    of `files`: if any exists and `overwrite` is not given nothing is written; all of
    them land together or none does."""
    from aftersales_cli import files

    report_tables = tables(report, full=True)
    targets = [
        files.check_target(
            folder / f"{table.name}.csv",
            "csv",
            overwrite=overwrite,
            database=database,
            folder_must_exist=False,
        )
        for table in report_tables
    ]
    files.make_folder(folder, "csv")
    with files.writing_many(targets, "csv", overwrite=overwrite, encoding="utf-8-sig") as out:
        for table, handle in zip(report_tables, out, strict=True):
            writer = csv.writer(handle)
            writer.writerow([csv_cell(c) for c in table.names])
            writer.writerows([csv_cell(v) for v in row] for row in _rounded(table))
    return [folder / f"{table.name}.csv" for table in report_tables]
