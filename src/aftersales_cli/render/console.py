"""Rich for a terminal: colour, tables and panels. The only module that imports Rich."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aftersales_cli.render import cells, layout
from aftersales_cli.render.blocks import STYLES, Block, Cell, Fields, Heading, Line, cell
from aftersales_cli.render.cells import clean

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text


def _text(value: Cell | str) -> Text:
    from rich.text import Text

    c = cell(value)
    return Text(clean(c.text), style=STYLES.get(c.style or "", c.style or ""))


def _lines(lines: Sequence[str], style: str | None) -> Text:
    from rich.text import Text

    return Text("\n".join(lines), style=STYLES.get(style or "", style or ""))


def _renderables(block: Block, size: int) -> list[RenderableType]:
    """The block drawn in `size` cells: words wrapped as `layout` decides, measured as
    Rich measures (`cell_len`), so that nothing is cut."""
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table as RichTable

    if isinstance(block, Heading | Line):
        return [_text(Cell(block.text, block.style))]
    out: list[RenderableType] = []
    if block.title:
        out.append(_text(Cell(block.title, "bold")))
    if isinstance(block, Fields):
        grid = RichTable.grid(padding=(0, 2))
        label_size = max((cell_len(clean(label, keep=False)) for label, _ in block.rows), default=0)
        grid.add_column(style="bold cyan", no_wrap=True, width=label_size)
        value_size = max(1, size - label_size - 2)
        grid.add_column(no_wrap=True, width=value_size)
        for label, value in block.rows:
            c = cell(value)
            grid.add_row(
                clean(label, keep=False), _lines(cells.wrap(c.text, value_size, cell_len), c.style)
            )
        return [*out, grid]
    fitted = layout.fit(block, size, cell_len)
    if isinstance(fitted, layout.Stacked):
        for title, style, fields in fitted.rows:
            out.append(_lines(title, style or "bold"))
            grid = RichTable.grid(
                padding=(0, 0, 0, layout.GAP), pad_edge=True, collapse_padding=False
            )
            grid.add_column(style="cyan", no_wrap=True, width=fitted.label_width)
            grid.add_column(
                no_wrap=True,
                width=max(1, size - layout.STACK_INDENT - fitted.label_width - layout.GAP),
            )
            for label, lines, style_ in fields:
                grid.add_row(label, _lines(lines, style_))
            out.append(grid)
        return out
    table = RichTable(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, layout.GAP - 1, 0, 0),
        header_style="bold",
    )
    for index, header, width in zip(fitted.columns, fitted.headers, fitted.widths, strict=True):
        table.add_column(
            header, justify="right" if index in block.right else "left", no_wrap=True, width=width
        )
    for row, styles in zip(fitted.rows, fitted.styles, strict=True):
        table.add_row(*(_lines(lines, style) for lines, style in zip(row, styles, strict=True)))
    return [*out, table]


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def render(blocks: Sequence[Block], *, stderr: bool = False) -> None:
    out = console(stderr)
    for n, block in enumerate(blocks):
        if isinstance(block, Heading) or (n and getattr(block, "title", None)):
            out.print()
        for renderable in _renderables(block, out.width):
            out.print(renderable)
