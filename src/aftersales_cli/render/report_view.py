"""A report for people at a terminal: KPI table, bars for the distributions, the trend."""

from __future__ import annotations

from collections.abc import Sequence

from aftersales_cli.clock import local_zone
from aftersales_cli.render.blocks import Block, Cell, Heading, Line, Table, bar
from aftersales_cli.render.report_tables import ReportTable, formatted, tables
from aftersales_cli.reports.report import Report
from aftersales_cli.reports.units import Unit


def _met_cell(met: object, *, has_value: bool) -> Cell:
    if met is True:
        return Cell("met", "met")
    if met is False:
        return Cell("MISSED", "breached")
    return Cell("no target" if has_value else "no data", "dim")


def _cells(table: ReportTable) -> list[list[Cell | str]]:
    rows: list[list[Cell | str]] = [list(r) for r in formatted(table)]
    if table.name == "kpis":
        met_column = table.names.index("met")
        for row, raw in zip(rows, table.rows, strict=True):
            row[met_column] = _met_cell(raw[met_column], has_value=raw[1] is not None)
    if table.chart is not None:
        values = [r[table.chart] for r in table.rows]
        numbers = [float(v) for v in values if isinstance(v, int | float)]
        largest = max(numbers, default=0.0)
        for row, value in zip(rows, values, strict=True):
            length = float(value) if isinstance(value, int | float) else 0.0
            row.append(Cell(bar(length, largest), "pending"))
    return rows


def report_view(report: Report, zone: str, only: Sequence[str] | None = None) -> list[Block]:
    """The whole report, or `only` the tables of those names."""
    period, previous = report.period, report.previous
    as_of = report.generated_at.astimezone(local_zone())
    blocks: list[Block] = [
        Heading(
            f"After-sales report 售后报告 {period.label}  ·  "
            f"{period.start.date()} to {period.last_day} ({zone})"
        ),
        Line(
            f"{report.total} complaints received; previous period "
            f"{previous.period.label}: {previous.total}. "
            f"Penalties ¥{report.penalties_total:,.2f}, compensation paid "
            f"¥{report.compensation_total:,.2f}, statutory suggested "
            f"¥{report.statutory_total:,.2f}. As of {as_of:%Y-%m-%dT%H:%M}.",
            "dim",
        ),
    ]
    for table in tables(report):
        if only is not None and table.name not in only:
            continue
        if not table.rows:
            blocks.append(Line(f"{table.title}: none.", "dim"))
            continue
        columns: Sequence[str] = table.names + ([""] if table.chart is not None else [])
        right = frozenset(
            i
            for i in range(1, len(table.columns))
            if isinstance(table.rows[0][i], int | float) and not isinstance(table.rows[0][i], bool)
        )
        # Figures are never wrapped; words are; bars are drawn where the width allows.
        keep = right | {i for i, c in enumerate(table.columns) if c.unit is not Unit.TEXT}
        bars = (len(table.columns),) if table.chart is not None else ()
        blocks.append(
            Table(
                columns,
                _cells(table),
                title=table.title,
                right=right,
                keep=frozenset(keep | set(bars)),
                optional=bars,
            )
        )
    return blocks
