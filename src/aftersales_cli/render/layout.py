"""How a table fits a width: its columns chosen, narrowed or stacked, their words wrapped
by the cells a terminal gives them (`cells.wrap`: a Chinese character takes two). Pure:
`text` (plain) and `console` (Rich) both draw what it decides, each measuring as it prints.

Nothing is cut: a word longer than its line is folded onto the next (`cells.wrap`), a table
that cannot fit even with its optional columns left out and its words wrapped is stacked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from aftersales_cli.render.blocks import Table, cell
from aftersales_cli.render.cells import Measure, clean, units, width, wrap

GAP = 2  # cells between two columns
WORD_MIN, WORD_MAX = 10, 20  # a column of words is made as narrow as its longest word,
# within these bounds (a longer word is folded), where no row limit says otherwise
ROOMY = 24  # a column of words this wide (or as wide as its words) is left so for more columns
STACK_INDENT = 2


def lines_of(text: str) -> list[str]:
    """A cell kept whole: its own lines only, made harmless."""
    return [clean(part.replace("\t", " "), keep=False) for part in text.split("\n")]


# ---- tables -------------------------------------------------------------------------------


class Grid(NamedTuple):
    """A table as it fits: the columns shown (their index in the table), the width of
    each, and every cell as its lines."""

    columns: list[int]
    widths: list[int]
    headers: list[str]
    rows: list[list[list[str]]]
    styles: list[list[str | None]]


class Stacked(NamedTuple):
    """A table too wide for its width: each row its first cell as a title (its lines and
    style), then a label and the value's lines (and style) for every other cell."""

    label_width: int
    rows: list[tuple[list[str], str | None, list[tuple[str, list[str], str | None]]]]


class _Column:
    def __init__(self, table: Table, index: int, measure: Measure) -> None:
        self.index = index
        self.keep = index in table.keep
        named = cell(table.columns[index])
        self.header = clean(named.text, keep=False)
        self.short_header = clean(named.short or named.text, keep=False)
        cells = [cell(row[index]) for row in table.rows]
        self.full = [c.text for c in cells]
        self.short = [c.short if c.short is not None else c.text for c in cells]
        self.has_short = named.short is not None or any(c.short is not None for c in cells)
        self.styles = [c.style for c in cells]
        self.measure = measure
        self.lines = table.lines
        # `fit` asks the same questions of a column many times over: each answer is
        # worked out once (a terminal list of 50 rows: 54 → 6 ms).
        self._natural: dict[bool, int] = {}
        self._least: dict[tuple[bool, bool], int] = {}

    def texts(self, short: bool) -> list[str]:
        return self.short if short else self.full

    def named(self, short: bool) -> str:
        return self.short_header if short else self.header

    def natural(self, short: bool) -> int:
        if short not in self._natural:
            sizes = [self.measure(line) for text in self.texts(short) for line in lines_of(text)]
            self._natural[short] = max([self.measure(self.named(short)), *sizes])
        return self._natural[short]

    def least(self, short: bool, limit: bool = True) -> int:
        if (short, limit) not in self._least:
            self._least[short, limit] = self._narrowest(short, limit)
        return self._least[short, limit]

    def _narrowest(self, short: bool, limit: bool) -> int:
        natural = self.natural(short)
        if self.keep:
            return natural
        floor = self.measure(self.named(short))
        if not (limit and self.lines):
            longest = max(
                (measure for text in self.texts(short) for measure in self._words(text)),
                default=0,
            )
            return max(floor, min(natural, max(WORD_MIN, min(longest, WORD_MAX))))
        low, high = max(1, floor), natural  # the fewest cells that keep every row in `lines`
        while low < high:
            middle = (low + high) // 2
            if all(len(self.cell(t, middle)) <= self.lines for t in self.texts(short)):
                high = middle
            else:
                low = middle + 1
        return low

    def _words(self, text: str) -> list[int]:
        return [self.measure(u) for line in lines_of(text) for u in units(line, self.measure)]

    def roomy(self, short: bool, limit: bool) -> int:
        least = self.least(short, limit)
        return least if self.keep else max(least, min(self.natural(short), ROOMY))

    def cell(self, text: str, size: int) -> list[str]:
        return lines_of(text) if self.keep else wrap(text, size, self.measure)


def _total(sizes: Sequence[int]) -> int:
    return sum(sizes) + GAP * max(0, len(sizes) - 1)


def fit(table: Table, size: int, measure: Measure = width) -> Grid | Stacked:
    """Which columns of `table` to show in `size` cells, in which form, how wide: the
    columns always shown at their narrowest (short forms, words wrapped); then, left to
    right, their full forms, and then the optional columns in their order (each full or
    short), where they fit beside columns of words left roomy; what is left widens the
    columns of words."""
    columns = [_Column(table, i, measure) for i in range(len(table.columns))]
    base = [c for c in columns if c.index not in table.optional]
    short = {c.index for c in columns if c.has_short}
    limit = True

    def least(shown: Sequence[_Column], shorts: set[int]) -> int:
        return _total([c.least(c.index in shorts, limit) for c in shown])

    def roomy(shown: Sequence[_Column], shorts: set[int]) -> int:
        return _total([c.roomy(c.index in shorts, limit) for c in shown])

    if least(base, short) > size:
        limit = False  # rows of more lines rather than a stack
        if least(base, short) > size:
            return _stack(table, columns, size, measure)
    shown = list(base)
    for c in base:
        if c.index in short and roomy(shown, short - {c.index}) <= size:
            short.discard(c.index)
    for index in table.optional:
        c = columns[index]
        for form in (short - {index}, short):
            if roomy([*shown, c], form) <= size:
                shown.append(c)
                short = form
                break
    shown.sort(key=lambda c: c.index)
    widths = [c.least(c.index in short, limit) for c in shown]
    wants = [c.natural(c.index in short) - w for c, w in zip(shown, widths, strict=True)]
    spare = size - _total(widths)
    wanting = sorted((want, n) for n, want in enumerate(wants) if want > 0)
    for k, (want, n) in enumerate(wanting):  # shared evenly, a column that wants less whole
        grow = min(want, spare // (len(wanting) - k))
        widths[n] += grow
        spare -= grow
    rows = [
        [c.cell(c.texts(c.index in short)[r], widths[n]) for n, c in enumerate(shown)]
        for r in range(len(table.rows))
    ]
    styles = [[c.styles[r] for c in shown] for r in range(len(table.rows))]
    headers = [c.named(c.index in short) for c in shown]
    return Grid([c.index for c in shown], widths, headers, rows, styles)


def _stack(table: Table, columns: list[_Column], size: int, measure: Measure) -> Stacked:
    label_width = max((measure(c.header) for c in columns[1:]), default=0)
    value_width = size - STACK_INDENT - label_width - GAP
    rows: list[tuple[list[str], str | None, list[tuple[str, list[str], str | None]]]] = []
    for r, row in enumerate(table.rows):
        first = cell(row[0])
        fields = [
            (c.header, wrap(c.full[r], value_width, measure), c.styles[r])
            for c in columns[1:]
            if c.full[r]
        ]
        title = f"{columns[0].header} {first.text}" if columns[0].keep else first.text
        rows.append((wrap(title, size, measure), first.style, fields))
    return Stacked(label_width, rows)
