"""`aftersales overdue`: what is late, for cron every few minutes and for people.

Exit 1 when anything is overdue, 0 when nothing is, 2 on bad input — so that
`aftersales overdue || notify` works. Nothing at all is printed when nothing is overdue
or due soon: cron mails whatever a job prints.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Annotated, Any

import typer

from aftersales_cli import clock
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    JsonOption,
    RulesOption,
    breach_note,
    session,
)
from aftersales_cli.errors import BadInput
from aftersales_cli.render import output
from aftersales_cli.render.blocks import Block, Cell, Line, Table
from aftersales_cli.render.text import pad
from aftersales_cli.rules.config import parse_duration
from aftersales_cli.rules.deadlines import elapsed
from aftersales_cli.rules.errors import RulesFileError
from aftersales_cli.rules.taxonomy import SEVERITY_RANK
from aftersales_cli.store import complaints as store

TERMINAL_ROWS = 30  # a terminal shows the most pressing; pipes and JSON get every row
FOUND = 1


def _within(text: str | None) -> int:
    if text is None:
        return 0
    try:
        duration = parse_duration(text, "within")
    except RulesFileError:
        raise BadInput("within", f"a duration like 30m, 1h or 1d, got {text!r}") from None
    return duration.approx_minutes


def escalates(levels: frozenset[str], now: datetime) -> Callable[[store.Overdue], bool]:
    """Whether a row is to be escalated to management: late, at an escalated level."""
    return lambda row: row.severity in levels and row.due_at < now


def _minutes_late(row: store.Overdue, now: datetime) -> int:
    return int((now - row.due_at).total_seconds() // 60)


def _json_row(row: store.Overdue, now: datetime, escalate: bool) -> dict[str, Any]:
    return {
        "id": row.id,
        "customer": row.customer,
        "org": row.org,
        "severity": row.severity,
        "status": row.status,
        "milestone": row.milestone,
        "due_at": clock.iso_local(row.due_at),
        "overdue_minutes": _minutes_late(row, now),
        "department": row.department,
        "assignee": row.assignee,
        "escalate": escalate,
    }


def _lateness(row: store.Overdue, now: datetime) -> str:
    seconds = (now - row.due_at).total_seconds()
    return f"{clock.span(seconds)} late" if seconds > 0 else f"due in {clock.span(seconds)}"


COLUMNS = (
    "id",
    "severity",
    "milestone",
    "due",
    "late",
    "department",
    "assignee",
    "org",
    "customer",
    "",
)
WIDTHS = (6, 10, 13, 11, 18, 16, 10, 16, 10, 0)


def _cells(row: store.Overdue, now: datetime, escalate: bool) -> list[str]:
    return [
        str(row.id),
        row.severity,
        row.milestone,
        clock.show(row.due_at)[5:],
        _lateness(row, now),
        row.department or "",
        row.assignee or "",
        row.org or "",
        row.customer,
        "ESCALATE" if escalate else "",
    ]


def _plain_line(cells: list[str]) -> str:
    return "  ".join(pad(c, w) for c, w in zip(cells, WIDTHS, strict=True)).rstrip() + "\n"


def overdue(
    ctx: typer.Context,
    within: Annotated[
        str | None,
        typer.Option(
            help="Also list what falls due within this time (30m, 1h, 1d), marked as such."
        ),
    ] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """List every pending milestone past its deadline, most urgent and most late first.

    Exit code 1 when anything is overdue, 0 when nothing is; prints nothing at all when
    nothing is overdue or due soon. The first run that sees a milestone late writes its
    `breached` event; an urgent complaint overdue is escalated to management.

    Example: aftersales overdue --within 30m   (in a crontab: */5 * * * * …)
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        soon = _within(within)
        rules_, operator, now = s.rules, s.operator, s.now
        try:
            with s.writing() as conn:
                store.note_overdue(conn, now, operator, rules_.escalate_when_overdue, breach_note)
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc):
                raise
            output.warn(
                "the database is read-only: breaches are listed but not written to the history"
            )
        rows = store.overdue(s.conn, now, elapsed(now, soon), SEVERITY_RANK)
        escalate = escalates(rules_.escalate_when_overdue, now)
        first = next(rows, None)
        if first is None:
            if json_:
                output.print_json([])
            return
        found = first.due_at < now
        everything = _chain(first, rows)
        if json_:
            _stream_json(_json_row(r, now, escalate(r)) for r in everything)
        elif output.on_terminal():
            output.show(terminal_view(everything, now, s.zone_name, escalate))
        else:
            sys.stdout.write(_plain_line(list(COLUMNS)))
            for row in everything:
                sys.stdout.write(_plain_line(_cells(row, now, escalate(row))))
        if found:
            raise typer.Exit(FOUND)


def _chain(first: store.Overdue, rest: Iterator[store.Overdue]) -> Iterator[store.Overdue]:
    yield first
    yield from rest


def _stream_json(items: Iterable[dict[str, Any]]) -> None:
    import json

    write = sys.stdout.write
    write("[")
    for n, item in enumerate(items):
        write((",\n  " if n else "\n  ") + json.dumps(item, ensure_ascii=False))
    write("\n]\n")


def terminal_view(
    rows: Iterator[store.Overdue],
    now: datetime,
    zone: str,
    escalate: Callable[[store.Overdue], bool],
) -> list[Block]:
    """The most pressing rows as a table, and how many more there are."""
    shown = list(islice(rows, TERMINAL_ROWS))
    more = sum(1 for _ in rows)
    table_rows = []
    for row in shown:
        texts = _cells(row, now, escalate(row))
        cells: list[Cell | str] = list(texts)
        cells[1] = Cell(row.severity, row.severity)
        cells[4] = Cell(texts[4], "breached" if row.due_at < now else "pending")
        cells[9] = Cell(texts[9], "danger") if texts[9] else ""
        table_rows.append(cells)
    title = f"Overdue at {clock.show(now)} ({zone})"
    blocks: list[Block] = [Table(list(COLUMNS), table_rows, title=title, right=frozenset({0}))]
    if more:
        blocks.append(Line(f"… and {more} more (pipe it or use --json for every row).", "warning"))
    return blocks
