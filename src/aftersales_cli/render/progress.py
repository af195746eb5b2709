"""Progress of a long job, on stderr: a Rich bar when stderr is a terminal — done of
total, rate, time left — and nothing at all otherwise (cron, pipes, CI) or when asked to
be quiet, so that stderr then carries only the one-line summary or the error.

`progress(...)` yields the function a job calls as it goes (`advance(n)`); Rich draws four
times a second from its own thread, so a call costs a lock and an addition.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, TypeVar

T = TypeVar("T")

Advance = Callable[[int], None]


def _nothing(_done: int) -> None:
    return None


def shown(quiet: bool) -> bool:
    """Whether a bar is drawn: stderr is a terminal and quiet was not asked for."""
    return not quiet and bool(getattr(sys.stderr, "isatty", lambda: False)())


@contextmanager
def progress(what: str, total: int, unit: str, *, quiet: bool = False) -> Iterator[Advance]:
    """A bar for `total` `unit`s of `what` (`Backing up`, 2_000 pages) while the block
    runs, erased when it ends; off a terminal, or `quiet`, a function that does nothing."""
    if total <= 0 or not shown(quiet):
        yield _nothing
        return
    from rich.console import Console  # only where a bar is drawn
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        """`1,234 pages/s` once Rich has measured it."""

        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else "", style="progress.data.speed")

    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        Rate(),
        TimeRemainingColumn(),
    )
    console = Console(stderr=True)
    with Progress(*columns, console=console, transient=True, refresh_per_second=4) as bar:
        task = bar.add_task(what, total=total)

        def advance(done: int) -> None:
            bar.advance(task, done)

        yield advance


def counted(items: Iterable[T], advance: Advance, every: int = 256) -> Iterator[T]:
    """`items`, the bar advanced as they go (`every` at a time: a lock less per item)."""
    n = 0
    for n, item in enumerate(items, start=1):
        yield item
        if n % every == 0:
            advance(every)
    advance(n % every)


class CountedReader:
    """A binary file read line by line (`readline`, all `exchange` uses), the bar
    advanced by the bytes read (a KiB at a time)."""

    def __init__(self, raw: IO[bytes], advance: Advance) -> None:
        self.raw = raw
        self.advance = advance
        self.pending = 0

    def readline(self, limit: int = -1) -> bytes:
        data = self.raw.readline(limit)
        self.pending += len(data)
        if self.pending >= 1 << 16 or not data:
            self.advance(self.pending >> 10)
            self.pending &= 1023
        return data
