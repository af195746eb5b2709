"""The view model: what to show, not how. Styles are names: plain text ignores them."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple


def show_yuan(value: Decimal | float | None) -> str:
    """Money as everyone reads it, wherever it is shown: `¥1,234.50`, `-¥80.00`."""
    if value is None:
        return ""
    return f"-¥{-value:,.2f}" if value < 0 else f"¥{value:,.2f}"


class Cell(NamedTuple):
    text: str
    style: str | None = None


def cell(value: Cell | str | None, style: str | None = None) -> Cell:
    if isinstance(value, Cell):
        return value
    return Cell("" if value is None else value, style)


class Heading(NamedTuple):
    text: str
    style: str | None = "bold"


class Line(NamedTuple):
    text: str
    style: str | None = None


class Fields(NamedTuple):
    """Label: value pairs, e.g. the fields of one complaint."""

    rows: Sequence[tuple[str, Cell | str]]
    title: str | None = None


class Table(NamedTuple):
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell | str]]
    title: str | None = None
    right: frozenset[int] = frozenset()  # right-aligned columns


Block = Heading | Line | Fields | Table

# The meaning of each style name, for the terminal.
STYLES: dict[str, str] = {
    "met": "green",
    "pending": "yellow",
    "breached": "bold red",
    "n/a": "dim",
    "urgent": "bold red",
    "general": "yellow",
    "non_urgent": "cyan",
    "warning": "yellow",
    "danger": "bold white on red",
    "dim": "dim",
    "bold": "bold",
    "ok": "green",
}
