"""Where output goes: JSON or a view on stdout, warnings and errors on stderr.

A terminal gets Rich (colour follows NO_COLOR); anything else gets plain text, so
cron mail and pipes stay readable. JSON is printed with `json.dumps`, never through
Rich.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from aftersales_cli.render.blocks import Block, Line


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


def stream_json(items: Iterable[Any]) -> None:
    """A JSON array written an item at a time, for listings of any length."""
    write = sys.stdout.write
    write("[")
    n = 0
    for n, item in enumerate(items, start=1):
        write(("," if n > 1 else "") + "\n" + json.dumps(item, ensure_ascii=False, indent=2))
    write("\n]\n" if n else "]\n")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def warn(message: str) -> None:
    note(f"warning: {message}", "warning")


def note(message: str, style: str | None = None) -> None:
    """A line for people on stderr (so that stdout stays data)."""
    if on_terminal(sys.stderr):
        from aftersales_cli.render import console

        console.render([Line(message, style)], stderr=True)
    else:
        sys.stderr.write(message + "\n")
