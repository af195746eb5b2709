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


# What people read where there is no client or no one assigned: the report's JSON keeps
# its stable `none` and `unassigned`, which read like a client's or a person's name.
NO_CLIENT = "(no client)"
UNASSIGNED = "(unassigned)"


def client(org: str | None) -> str:
    return NO_CLIENT if org is None or org in ("", "none") else org


def person(name: str | None) -> str:
    return UNASSIGNED if name is None or name in ("", "unassigned") else name


class Cell(NamedTuple):
    text: str
    style: str | None = None
    short: str | None = None  # a narrower form (e.g. 紧急), where the full one does not fit


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
    """Rows under column names. On a screen of some width (`layout.fit`) the columns not
    in `optional` are always shown and the optional ones as the width allows, in that
    order; cells of `keep` columns (ids, times, money, flags) are never wrapped, the
    others wrap, into at most `lines` lines a row where that is set; a table that cannot
    fit is shown stacked, a block of label and value per row. A column's name may be a
    `Cell` with a narrower form, used where the column's cells are shown short."""

    columns: Sequence[Cell | str]
    rows: Sequence[Sequence[Cell | str]]
    title: str | None = None
    right: frozenset[int] = frozenset()  # right-aligned columns
    keep: frozenset[int] = frozenset()
    optional: Sequence[int] = ()
    lines: int = 0  # 0: as many as the words need


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


BAR_WIDTH = 28


def bar(value: float, largest: float) -> str:
    """A bar of block characters proportional to `value` (an eighth of a cell precise)."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / largest * BAR_WIDTH * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[rest]
