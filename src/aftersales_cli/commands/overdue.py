"""`aftersales overdue`: what is late, for cron every few minutes and for people.

Exit 1 when anything is overdue, 0 when nothing is, 2 on bad input — so that
`aftersales overdue || notify` works. Nothing at all is printed when nothing is overdue
or due soon: cron mails whatever a job prints.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from datetime import datetime
from itertools import chain, islice
from typing import Annotated, Any

import typer

from aftersales_cli import clock
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    JsonOption,
    RulesOption,
    session,
)
from aftersales_cli.desk.work import breach_note, late_action_note
from aftersales_cli.errors import BadInput, DatabaseUnusable
from aftersales_cli.render import output, records
from aftersales_cli.render.blocks import Block, Cell, Line, Table, person
from aftersales_cli.render.text import Columns
from aftersales_cli.rules.calendar import elapsed
from aftersales_cli.rules.case import unofficial_warning
from aftersales_cli.rules.config import parse_duration
from aftersales_cli.rules.errors import RulesFileError
from aftersales_cli.rules.taxonomy import DEPARTMENTS, SEVERITIES, SEVERITY_RANK
from aftersales_cli.store import breaches

TERMINAL_ROWS = 30  # a terminal shows the most pressing; pipes and JSON get every row
FOUND = 1
WITHIN_MAX_DAYS = 366


def _within(text: str | None) -> int:
    if text is None:
        return 0
    try:
        minutes = parse_duration(text, "within").approx_minutes
    except RulesFileError:
        minutes = -1
    if not 0 <= minutes <= WITHIN_MAX_DAYS * 24 * 60:
        raise BadInput(
            "within", f"a duration up to {WITHIN_MAX_DAYS}d, like 30m, 1h or 1d, got {text!r}"
        )
    return minutes


class Lateness:
    """How late each row is, as of `now`: what the listing computes per row, kept lean
    (a listing may hold thousands)."""

    def __init__(self, now: datetime, levels: frozenset[str]) -> None:
        self.now = now
        self.now_text = clock.to_utc_text(now)
        self.zone = clock.local_zone()
        self.levels = levels
        self.unofficial: set[int] = set()  # years without official holidays of rows shown

    def late(self, row: breaches.Overdue) -> bool:
        return row.due_at < self.now_text  # stored UTC text sorts as time does

    def escalate(self, row: breaches.Overdue) -> bool:
        """To management: late, at an escalated level (urgent)."""
        return row.severity in self.levels and row.due_at < self.now_text

    def due(self, row: breaches.Overdue) -> datetime:
        """When the row is due; a due counted in a year without official holidays is
        noted (`unofficial`) as the row is shown."""
        if row.unofficial is not None:
            self.unofficial.update(json.loads(row.unofficial)["unofficial_years"])
        return self.local(row.due_at)

    def local(self, stored: str) -> datetime:
        return datetime.fromisoformat(stored).astimezone(self.zone)

    def json_row(self, row: breaches.Overdue) -> dict[str, Any]:
        due = self.due(row)
        data: dict[str, Any] = {
            "id": row.id,
            "customer": row.customer,
            "org": row.org,
            "severity": row.severity,
            "status": row.status,
            "milestone": row.milestone,
            "due_at": due.isoformat(),
            "overdue_minutes": int((self.now - due).total_seconds() // 60),
            "department": row.department,
            "assignee": row.assignee,
            "escalate": self.escalate(row),
        }
        if row.action_id is not None:  # (keys added only where they apply: thousands of rows)
            data["action_id"], data["owner"] = row.action_id, row.owner
        if row.paused_at is not None:
            data["paused_at"] = self.local(row.paused_at).isoformat()
            data["pause_reason"] = row.pause_reason
        return data

    def cells(self, row: breaches.Overdue) -> list[str]:
        due = self.due(row)
        seconds = (self.now - due).total_seconds()
        late = f"{clock.span(seconds)} late" if seconds > 0 else f"due in {clock.span(seconds)}"
        return [
            str(row.id),
            row.severity,
            milestone(row),
            f"{due.month:02d}-{due.day:02d} {due.hour:02d}:{due.minute:02d}",
            late,
            row.department or "",
            row.assignee or "",
            row.org or "",
            row.customer,
            " ".join(filter(None, ("ESCALATE" if self.escalate(row) else "", paused(row)))),
        ]


def paused(row: breaches.Overdue) -> str:
    """A case paused past its limit: since when and why (`paused 11-20 16:00: 等待样品`)."""
    if row.paused_at is None:
        return ""
    since = datetime.fromisoformat(row.paused_at).astimezone(clock.local_zone())
    return f"paused {since:%m-%d %H:%M}: {row.pause_reason}"


def milestone(row: breaches.Overdue) -> str:
    """The milestone, or `action 7` for a late corrective action."""
    return row.milestone if row.action_id is None else f"action {row.action_id}"


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


# Piped: fixed columns, streamed (a listing may hold thousands of rows).
PLAIN = Columns((6, 10, 13, 11, 18, 16, 10, 16, 10, 0))


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
    """Most urgent and most late first. Open corrective actions past their due time are
    listed too, as milestone `action N` with their department and owner. A paused
    complaint's deadlines are left out (and not breached) until it resumes; once it has
    been paused longer than the rules allow (pause_limit) it is listed as milestone
    `paused`, due when the limit was reached, with since when and why.

    Exit code 1 when anything is overdue, 0 when nothing is; prints nothing at all when
    nothing is overdue or due soon. The first run that sees a milestone late writes its
    `breached` event; an urgent complaint overdue is escalated to management.

    Example: aftersales overdue --within 30m   (in a crontab: */5 * * * * …)
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        soon = _within(within)
        rules_, operator, now = s.rules, s.operator, s.now
        try:
            if breaches.unnoted_breaches(s.conn, now):
                levels = rules_.severity.escalate_when_overdue
                with s.writing() as conn:
                    breaches.note_overdue(conn, now, operator, levels, breach_note)
                    breaches.note_late_actions(conn, now, operator, levels, late_action_note)
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc):
                raise
            output.warn(
                "the database is read-only: breaches are listed but not written to the history"
            )
        rows = breaches.overdue(s.conn, now, elapsed(now, soon), SEVERITY_RANK)
        lateness = Lateness(now, rules_.severity.escalate_when_overdue)
        first = next(rows, None)
        if first is None:
            if breaches.pending_before(s.conn, elapsed(now, soon)):
                raise DatabaseUnusable(
                    f"database: {s.db_path} is damaged: its index of pending deadlines "
                    "disagrees with the deadlines themselves, so what is late cannot be "
                    "listed — run `aftersales check`, and restore from a backup"
                )
            if json_:
                output.print_json([])
            return
        found = lateness.late(first)
        everything = chain([first], rows)
        if json_:
            output.stream_json(map(lateness.json_row, everything), indent=None)
        elif output.on_terminal():
            output.show(terminal_view(everything, lateness, s.zone_name))
        else:
            PLAIN.write(chain([COLUMNS], map(lateness.cells, everything)), sys.stdout)
        for year in sorted(lateness.unofficial):  # only for rows shown: cron mail stays quiet
            output.warn(unofficial_warning(year, "the listed deadlines"))
        if found:
            raise typer.Exit(FOUND)


def terminal_view(rows: Iterator[breaches.Overdue], lateness: Lateness, zone: str) -> list[Block]:
    """The most pressing rows as a table for a screen, and how many more there are: the
    id, the deadline and how late, the severity, the customer and the client and
    `ESCALATE` always; the department and the assignee as the width allows — always
    where a late corrective action is shown, since its department and owner are whom to
    chase (on a narrow screen in their short forms: `生产`, `整改 2`, `16 h late` under
    `late` as `16 h`)."""
    shown = list(islice(rows, TERMINAL_ROWS))
    more = sum(1 for _ in rows)
    table_rows: list[list[Cell | str]] = []
    for row in shown:
        texts = lateness.cells(row)
        style = "breached" if lateness.late(row) else "pending"
        late = Cell(texts[4], style, texts[4].removesuffix(" late"))
        if row.paused_at is not None:
            when, late = records.when_cells(row.milestone, lateness.due(row), late, "暂停")
        elif row.action_id is None:
            when, late = records.when_cells(row.milestone, lateness.due(row), late)
        else:
            action = f"整改 {row.action_id}"
            when, late = records.when_cells(milestone(row), lateness.due(row), late, action)
        assignee = person(row.assignee)
        table_rows.append(
            [
                texts[0],
                when,
                late,
                records.term_cell(SEVERITIES, row.severity, row.severity),
                row.customer,
                row.org or "",
                records.term_cell(DEPARTMENTS, row.department),
                Cell(assignee) if row.assignee else Cell(assignee, None, "—"),
                Cell(texts[9], "danger" if lateness.escalate(row) else "warning")
                if texts[9]
                else "",
            ]
        )
    title = f"Overdue at {clock.show(lateness.now)} ({zone})"
    actions = any(row.action_id is not None for row in shown)
    table = Table(
        [
            "id",
            "deadline",
            "late",
            Cell("severity", short="级别"),
            Cell("customer", short="客户"),
            "org",
            Cell("department", short="部门"),
            Cell("assignee", short="负责人"),
            "",
        ],
        table_rows,
        title=title,
        right=frozenset({0}),
        keep=frozenset({0, 1, 2, 3, 6, 8}),
        optional=() if actions else (7, 6),
        lines=2,
    )
    blocks: list[Block] = [table]
    if more:
        blocks.append(Line(f"… and {more} more (pipe it or use --json for every row).", "warning"))
    return blocks
