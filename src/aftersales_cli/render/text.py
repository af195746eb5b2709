"""Plain text: aligned columns, no colour, no box drawing — for pipes, files and cron."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import IO

from aftersales_cli.render.blocks import Block, Cell, Fields, Heading, Line, Table, cell
from aftersales_cli.render.cells import clean, width, wrap


def pad(text: str, size: int, *, right: bool = False) -> str:
    """`text` made harmless on one line and padded to `size` columns (never cut)."""
    if text.isascii() and text.isprintable():  # the usual case, and cheap
        return text.rjust(size) if right else text.ljust(size)
    text = clean(text, keep=False)
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


class Columns:
    """The one plain-text table writer, a row at a time (a listing streamed to a pipe
    keeps memory flat): every cell made harmless (`clean`) and padded to its column's
    width as a terminal counts it; a width of 0 leaves a cell as long as it is (the last
    column, usually); two spaces between columns, none at the end of a line. A cell
    wider than its column pushes the rest of its line along, never cut."""

    def __init__(self, widths: Sequence[int], right: frozenset[int] = frozenset()) -> None:
        self.columns = [(size, i in right) for i, size in enumerate(widths)]

    def line(self, cells: Sequence[str]) -> str:
        return "  ".join(
            [pad(text, size, right=r) for text, (size, r) in zip(cells, self.columns, strict=False)]
        ).rstrip()

    def write(self, rows: Iterable[Sequence[str]], stream: IO[str]) -> None:
        """Each row as a line on `stream`, a thousand lines a write (a write per line
        costs more than the line)."""
        lines = (self.line(row) + "\n" for row in rows)
        for batch in iter(lambda: list(islice(lines, 1000)), []):
            stream.write("".join(batch))


def _one_line(text: str) -> str:
    return clean(" ".join(text.split()), keep=False)


def table_lines(
    columns: Sequence[Cell | str],
    rows: Sequence[Sequence[Cell | str]],
    right: frozenset[int] = frozenset(),
) -> list[str]:
    """A table whose rows are all at hand: each column as wide as its widest cell."""
    texts = [[_one_line(cell(c).text) for c in row] for row in rows]
    headers = [cell(c).text for c in columns]
    sizes = [width(c) for c in headers]
    for row in texts:
        for i, value in enumerate(row):
            sizes[i] = max(sizes[i], width(value))
    writer = Columns(sizes, right)
    return [writer.line(row) for row in [headers, *texts]]


def render(blocks: Sequence[Block], size: int | None = None) -> str:
    """Plain text of the blocks, made harmless (`clean`): lines as long as they are, or,
    given a `size`, fitted to that many columns (`layout`)."""
    if size is not None:
        return _fitted(blocks, size)
    return clean(_render(blocks))


def _render(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            if out:
                out.append("")
            out.append(block.text)
        elif isinstance(block, Line):
            out.append(block.text)
        elif isinstance(block, Fields):
            if block.title:
                if out:
                    out.append("")
                out.append(block.title)
            label_size = max((width(label) for label, _ in block.rows), default=0)
            for label, value in block.rows:
                text = cell(value).text
                first, *rest = text.splitlines() or [""]
                out.append(f"  {pad(label, label_size)}  {first}".rstrip())
                out.extend(f"  {' ' * label_size}  {more}".rstrip() for more in rest)
        elif isinstance(block, Table):
            if block.title:
                if out:
                    out.append("")
                out.append(block.title)
            out.extend(table_lines(block.columns, block.rows, block.right))
    return "\n".join(out) + "\n"


def _fitted(blocks: Sequence[Block], size: int) -> str:
    from aftersales_cli.render import layout

    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading | Line):
            if isinstance(block, Heading) and out:
                out.append("")
            out.extend(wrap(block.text, size))
            continue
        if block.title:
            if out:
                out.append("")
            out.extend(wrap(block.title, size))
        if isinstance(block, Fields):
            label_size = max((width(label) for label, _ in block.rows), default=0)
            indent = 2 + label_size + 2
            for label, value in block.rows:
                first, *rest = wrap(cell(value).text, size - indent)
                out.append(f"  {pad(label, label_size)}  {first}".rstrip())
                out.extend(f"{' ' * indent}{more}".rstrip() for more in rest)
            continue
        fitted = layout.fit(block, size)
        if isinstance(fitted, layout.Grid):
            right = [i in block.right for i in fitted.columns]
            out.append(_grid_line([[h] for h in fitted.headers], fitted.widths, right)[0])
            for row in fitted.rows:
                out.extend(_grid_line(row, fitted.widths, right))
        else:
            for title, _, fields in fitted.rows:
                out.extend(title)
                for label, lines, _ in fields:
                    head = f"  {pad(label, fitted.label_width)}  "
                    out.append((head + lines[0]).rstrip())
                    out.extend((" " * len(head) + more).rstrip() for more in lines[1:])
    return "\n".join(out) + "\n"


def _grid_line(
    cells: Sequence[Sequence[str]], sizes: Sequence[int], right: Sequence[bool]
) -> list[str]:
    """One row of a fitted table: as many lines as its tallest cell."""
    height = max((len(c) for c in cells), default=1)
    return [
        "  ".join(
            pad(c[n] if n < len(c) else "", size, right=r)
            for c, size, r in zip(cells, sizes, right, strict=True)
        ).rstrip()
        for n in range(height)
    ]
