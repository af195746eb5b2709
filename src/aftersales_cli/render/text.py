"""Plain text: aligned columns, no colour, no box drawing — for pipes, files and cron."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from aftersales_cli.render.blocks import Block, Cell, Fields, Heading, Line, Table, cell

# What must never reach a terminal as it is: C0 and C1 control characters (escape
# sequences start with ESC or CSI; BEL ends some), DEL, lone surrogates, and the bidi
# controls that reorder what the reader sees. Newline and tab are kept where layout
# allows (`keep`); everything else becomes a visible escape such as `\x1b` or `\u202e`.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str, *, keep: bool = True) -> str:
    """`text` made harmless for a terminal or a plain-text file: control characters and
    bidi controls as visible escapes; newline and tab kept unless `keep` is False."""
    if text.isprintable() and (keep or "\t" not in text):
        return text  # the usual case, and cheap
    return (_UNSAFE if keep else _UNSAFE_ALL).sub(_escape, text)


def width(text: str) -> int:
    """Columns `text` takes in a terminal: Chinese characters take two."""
    return len(text) if text.isascii() else _wide(text)


@lru_cache(maxsize=8192)
def _wide(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, size: int, *, right: bool = False) -> str:
    text = clean(text, keep=False)
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


def _one_line(text: str) -> str:
    return clean(" ".join(text.split()), keep=False)


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
    """Plain text of the blocks, made harmless (`clean`)."""
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
