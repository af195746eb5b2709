"""Plain text: aligned columns, no colour, no box drawing — for pipes, files and cron."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from aftersales_cli.render.blocks import Block, Cell, Fields, Heading, Line, Table, cell


def width(text: str) -> int:
    """Columns `text` takes in a terminal: Chinese characters take two."""
    return len(text) if text.isascii() else _wide(text)


@lru_cache(maxsize=8192)
def _wide(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, size: int, *, right: bool = False) -> str:
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


def _one_line(text: str) -> str:
    return " ".join(text.split())


def table_lines(
    columns: Sequence[str],
    rows: Sequence[Sequence[Cell | str]],
    right: frozenset[int] = frozenset(),
) -> list[str]:
    texts = [[_one_line(cell(c).text) for c in row] for row in rows]
    sizes = [width(c) for c in columns]
    for row in texts:
        for i, value in enumerate(row):
            sizes[i] = max(sizes[i], width(value))
    lines = []
    for row in [list(columns), *texts]:
        parts = [pad(v, sizes[i], right=i in right) for i, v in enumerate(row)]
        lines.append("  ".join(parts).rstrip())
    return lines


def render(blocks: Sequence[Block]) -> str:
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
