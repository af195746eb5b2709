"""Where output goes: JSON or a view on stdout, warnings and errors on stderr.

A terminal gets Rich (colour follows NO_COLOR); anything else gets plain text, so
cron mail and pipes stay readable. JSON is printed with `json.dumps`, never through
Rich — one record (or value) per call, so no text of a customer's can break it — and
with `\\u` escapes (`\\u4e2d`) where stdout's encoding cannot hold a character.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

from aftersales_cli.render import holds_unicode
from aftersales_cli.render.blocks import Block, Line
from aftersales_cli.render.text import clean


def on_terminal(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def show(blocks: Sequence[Block]) -> None:
    if on_terminal():
        from aftersales_cli.render import console

        console.render(blocks)
    else:
        from aftersales_cli.render import text

        sys.stdout.write(text.render(blocks))


def dumps(value: Any, *, indent: int | None = None, stream: Any = None) -> str:
    """One JSON text. Non-ASCII characters are written as they are when the stream can
    hold them, else escaped (still valid JSON)."""
    return json.dumps(value, ensure_ascii=not holds_unicode(stream or sys.stdout), indent=indent)


class _Streamed(list[Any]):
    """A JSON array whose items are read only as they are written: json's own (pure
    Python) encoder, which `json.dump` with an indent uses, asks whether a list is empty
    and then iterates it; this one answers from its first row and then hands over the
    rows of an iterable instead of holding them."""

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__()
        self._rows = iter(items)
        self._first: list[Any] = []
        for row in self._rows:  # the first row only: whether there is any
            self._first.append(row)
            break

    def __len__(self) -> int:
        return len(self._first)

    def __iter__(self) -> Iterator[Any]:
        yield from self._first
        yield from self._rows


def _lazy(value: Any) -> Any:
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        return _Streamed(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def print_json(data: Any) -> None:
    """One JSON document, indented; an iterable inside it (a long listing) is written a
    row at a time rather than held."""
    encoder = json.JSONEncoder(ensure_ascii=not holds_unicode(sys.stdout), indent=2, default=_lazy)
    pending: list[str] = []
    size = 0
    for chunk in encoder.iterencode(data):  # (chunks are tiny: written 64 KiB at a time)
        pending.append(chunk)
        size += len(chunk)
        if size >= 1 << 16:
            sys.stdout.write("".join(pending))
            pending, size = [], 0
    sys.stdout.write("".join(pending) + "\n")


def stream_json(items: Iterable[Any], *, indent: int | None = 2) -> None:
    """A JSON array written an item at a time, for listings of any length: with `indent`
    each item pretty-printed, without it one item per line."""
    write = sys.stdout.write
    ascii_only = not holds_unicode(sys.stdout)
    separator = "," if indent is not None else ",\n  "
    write("[")
    n = 0
    for n, item in enumerate(items, start=1):
        text = json.dumps(item, ensure_ascii=ascii_only, indent=indent)
        if indent is not None:
            write(("," if n > 1 else "") + "\n" + text)
        else:
            write((separator if n > 1 else "\n  ") + text)
    write("\n]\n" if n else "]\n")


def json_lines(records: Iterable[Any], handle: IO[str]) -> None:
    """JSON Lines: one record per line (`\\n` only; U+2028 inside text stays text)."""
    ascii_only = not holds_unicode(handle)
    write = handle.write
    for record in records:
        write(json.dumps(record, ensure_ascii=ascii_only) + "\n")


def warn(message: str) -> None:
    note(f"warning: {message}", "warning")


def note(message: str, style: str | None = None) -> None:
    """A line for people on stderr (so that stdout stays data)."""
    if on_terminal(sys.stderr):
        from aftersales_cli.render import console

        console.render([Line(message, style)], stderr=True)
    else:
        sys.stderr.write(clean(message) + "\n")
