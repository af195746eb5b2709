"""Late milestones: listing those past (or near) their deadline, as `overdue` shows them,
and writing the `breached` event of each whose breach is not yet in the history.

Named for the job rather than the command (`commands.overdue` is the command; a store
module of the same name would shadow it where both are imported). The events are
written through `events.append_all`, like every other history entry.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import NamedTuple

from aftersales_cli.clock import from_utc_text, to_utc_text
from aftersales_cli.rules.taxonomy import MILESTONE_KEYS
from aftersales_cli.store import events
from aftersales_cli.store.db import in_chunks


class Overdue(NamedTuple):
    """A pending milestone past (or near) its deadline, as `overdue` lists it. `due_at`
    stays stored UTC text: a listing of thousands converts only what it shows."""

    id: int
    milestone: str
    due_at: str
    severity: str
    status: str
    customer: str
    org: str | None
    department: str | None
    assignee: str | None
    escalated: int


def unnoted_breaches(conn: sqlite3.Connection, now: datetime) -> bool:
    """Whether any milestone is past due without its `breached` event (read only: cron's
    usual run, with nothing new, takes no write lock)."""
    return (
        conn.execute(
            """SELECT 1 FROM deadlines
               WHERE done_at IS NULL AND due_at IS NOT NULL AND due_at < ? AND breach_noted = 0
               LIMIT 1""",
            (to_utc_text(now),),
        ).fetchone()
        is not None
    )


def note_overdue(
    conn: sqlite3.Connection,
    now: datetime,
    by: str,
    escalate: Iterable[str],
    describe: Callable[[str, datetime, bool], str],
) -> int:
    """Write the `breached` event of every pending milestone past its deadline whose breach
    is not yet in the history, and escalate the cases at the `escalate` levels. Call it
    inside a write transaction: two runs at the same moment write each event once."""
    stamp = to_utc_text(now)
    noted = conn.execute(
        """UPDATE deadlines SET breach_noted = 1
           WHERE done_at IS NULL AND due_at IS NOT NULL AND due_at < ? AND breach_noted = 0
           RETURNING complaint_id, milestone, due_at""",
        (stamp,),
    ).fetchall()
    if not noted:
        return 0
    levels = list(escalate)
    escalated: set[int] = set()
    ids = sorted({row[0] for row in noted})
    for chunk, marks in in_chunks(ids):
        escalated.update(
            row[0]
            for row in conn.execute(
                f"""UPDATE complaints SET escalated_at = ?
                    WHERE id IN ({marks}) AND escalated_at IS NULL
                      AND severity IN ({",".join("?" * len(levels)) or "NULL"})
                    RETURNING id""",
                (stamp, *chunk, *levels),
            )
        )
    noted_events: list[events.Row] = []
    for complaint_id, milestone, due in sorted(noted, key=lambda r: (r[0], r[2])):
        first = complaint_id in escalated
        escalated.discard(complaint_id)  # the first breach of the case carries it
        noted_events.append(
            (
                complaint_id,
                stamp,
                by,
                "breached",
                events.breach_changes(milestone, now if first else None),
                describe(milestone, from_utc_text(due), first),
            )
        )
    events.append_all(conn, noted_events)
    return len(noted_events)


def pending_before(conn: sqlite3.Connection, until: datetime) -> int:
    """How many pending milestones are due before `until`, counted by reading the whole
    deadlines table rather than the index `overdue` reads: a second route to the same
    answer, for when the first found nothing (an index page emptied by damage reads as
    "nothing late")."""
    row = conn.execute(
        # `+` keeps every index out (NOT INDEXED alone lets the partial index in)
        """SELECT COUNT(*) FROM deadlines NOT INDEXED
           WHERE +done_at IS NULL AND +due_at IS NOT NULL AND +due_at < ?""",
        (to_utc_text(until),),
    ).fetchone()
    return int(row[0])


def overdue(
    conn: sqlite3.Connection,
    now: datetime,
    until: datetime,
    rank: Mapping[str, int],
) -> Iterator[Overdue]:
    """Pending milestones due before `until`: those already past `now` first, the most
    severe and the most late first; then those falling due soon, nearest first."""
    order = " ".join(f"WHEN '{severity}' THEN {-r}" for severity, r in rank.items())
    steps = " ".join(f"WHEN '{m}' THEN {n}" for n, m in enumerate(MILESTONE_KEYS))
    cursor = conn.execute(
        f"""SELECT d.complaint_id, d.milestone, d.due_at, c.severity, c.status, c.customer,
                   c.org, c.department, c.assignee, c.escalated_at IS NOT NULL
            FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
            WHERE d.done_at IS NULL AND d.due_at IS NOT NULL AND d.due_at < ?
            ORDER BY d.due_at >= ?, CASE c.severity {order} ELSE 9 END, d.due_at,
                     d.complaint_id, CASE d.milestone {steps} END""",
        (to_utc_text(until), to_utc_text(now)),
    )
    return map(Overdue._make, cursor)
