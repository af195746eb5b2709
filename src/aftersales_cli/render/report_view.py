"""A report for people at a terminal: KPI table, bars for the distributions, the trend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aftersales_cli.render.blocks import Block, Cell, Heading, Line, Table
from aftersales_cli.render.report_tables import ReportTable, formatted, tables

BAR_WIDTH = 28


def bar(value: float, largest: float) -> str:
    """A bar of block characters proportional to `value` (an eighth of a cell precise)."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / largest * BAR_WIDTH * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[rest]


def _met_cell(met: object, *, has_value: bool) -> Cell:
    if met is True:
        return Cell("met", "met")
    if met is False:
        return Cell("MISSED", "breached")
    return Cell("no target" if has_value else "no data", "dim")


def _cells(table: ReportTable) -> list[list[Cell | str]]:
    rows: list[list[Cell | str]] = [list(r) for r in formatted(table)]
    if table.name == "kpis":
        met_column = table.columns.index("met")
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


def report_view(
    report: Mapping[str, Any], zone: str, only: Sequence[str] | None = None
) -> list[Block]:
    """The whole report, or `only` the tables of those names."""
    period, previous = report["period"], report["previous"]
    blocks: list[Block] = [
        Heading(
            f"After-sales report 售后报告 {period['label']}  ·  "
            f"{period['start'][:10]} to {_last_day(period['end'])} ({zone})"
        ),
        Line(
            f"{report['total']} complaints received; previous period "
            f"{previous['period']['label']}: {previous['total']}. "
            f"Penalties ¥{report['penalties_total']:,.2f}, compensation paid "
            f"¥{report['compensation_total']:,.2f}, statutory suggested "
            f"¥{report['statutory_total']:,.2f}. As of {report['generated_at'][:16]}.",
            "dim",
        ),
    ]
    for table in tables(report):
        if only is not None and table.name not in only:
            continue
        if not table.rows:
            blocks.append(Line(f"{table.title}: none.", "dim"))
            continue
        columns: Sequence[str] = list(table.columns) + ([""] if table.chart is not None else [])
        right = frozenset(
            i
            for i, c in enumerate(table.columns)
            if i
            and isinstance(table.rows[0][i], int | float)
            and not isinstance(table.rows[0][i], bool)
        )
        blocks.append(Table(columns, _cells(table), title=table.title, right=right))
    return blocks


def _last_day(end: str) -> str:
    import pendulum

    parsed = pendulum.parse(end)
    assert isinstance(parsed, pendulum.DateTime)
    return parsed.subtract(days=1).date().isoformat()
