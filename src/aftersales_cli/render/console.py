"""Rich for a terminal: colour, tables and panels. The only module that imports Rich."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aftersales_cli.render.blocks import STYLES, Block, Cell, Fields, Heading, Line, cell
from aftersales_cli.render.text import clean

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text


def _text(value: Cell | str) -> Text:
    from rich.text import Text

    c = cell(value)
    return Text(clean(c.text), style=STYLES.get(c.style or "", c.style or ""))


def _renderable(block: Block) -> RenderableType:
    from rich import box
    from rich.table import Table as RichTable

    if isinstance(block, Heading | Line):
        return _text(Cell(block.text, block.style))
    if isinstance(block, Fields):
        grid = RichTable.grid(padding=(0, 2))
        grid.add_column(style="bold cyan", no_wrap=True)
        grid.add_column()
        for label, value in block.rows:
            grid.add_row(clean(label), _text(value))
        if block.title:
            grid.title = clean(block.title)
            grid.title_justify = "left"
            grid.title_style = "bold"
        return grid
    table = RichTable(
        title=clean(block.title) if block.title else None,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        header_style="bold",
    )
    for i, column in enumerate(block.columns):
        table.add_column(clean(column), justify="right" if i in block.right else "left")
    for row in block.rows:
        table.add_row(*(_text(c) for c in row))
    return table


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def render(blocks: Sequence[Block], *, stderr: bool = False) -> None:
    out = console(stderr)
    for block in blocks:
        if isinstance(block, Heading):
            out.print()
        out.print(_renderable(block))
