"""Late milestones: listing those past (or near) their deadline, as `overdue` shows them,
and writing the `breached` event of each whose breach is not yet in the history.

A paused case's deadlines do not run (`aftersales pause`): they are neither listed nor
breached while it is paused; the case itself is listed (milestone `paused`) once it has
been paused longer than the rules allow, read off the index of paused cases alone.

Named for the job rather than the command (`commands.overdue` is the command; a store
module of the same name would shadow it where both are imported). The events are
written through `events.append_all`, like every other history entry.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple

from aftersales_cli.clock import from_utc_text, to_utc_text
from aftersales_cli.rules.taxonomy import MILESTONE_KEYS
from aftersales_cli.store import events
from aftersales_cli.store.db import in_chunks


class Overdue(NamedTuple):
    """A pending milestone past (or near) its deadline, or an open corrective action past
    its due time (milestone `action`), as `overdue` lists it. `due_at` stays stored UTC
    text: a listing of thousands converts only what it shows."""

    id: int
    milestone: str
    due_at: str
    severity: str
    status: str
    customer: str
    org: str | None
    department: str | None
    assignee: str | None  # for a corrective action: its owner
    escalated: int
    action_id: int | None = None  # milestone `action`: a late corrective action
    owner: str | None = None
    paused_at: str | None = None  # milestone `paused`: paused since (stored UTC text)
    pause_reason: str | None = None
    # a deadline counted in a year without official holidays: how (`counting`'s JSON)
    unofficial: str | None = None


# The complaints that are paused (the partial index `complaints_paused` holds just them).
_PAUSED = "SELECT id FROM complaints WHERE paused_at IS NOT NULL"


# What `overdue` lists of a row of its query (the rest are its sort keys).
_LISTED = itemgetter(slice(0, len(Overdue._fields)))


def unnoted_breaches(conn: sqlite3.Connection, now: datetime) -> bool:
    """Whether any milestone is past due without its `breached` event (read only: cron's
    usual run, with nothing new, takes no write lock)."""
    stamp = to_utc_text(now)
    return (
        conn.execute(
            f"""SELECT 1 FROM deadlines
               WHERE done_at IS NULL AND due_at IS NOT NULL AND due_at < ? AND breach_noted = 0
                 AND complaint_id NOT IN ({_PAUSED})
               LIMIT 1""",
            (stamp,),
        ).fetchone()
        is not None
        or conn.execute(
            """SELECT 1 FROM actions
               WHERE state = 'open' AND due_at < ? AND breach_noted = 0 LIMIT 1""",
            (stamp,),
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
        f"""UPDATE deadlines SET breach_noted = 1
           WHERE done_at IS NULL AND due_at IS NOT NULL AND due_at < ? AND breach_noted = 0
             AND complaint_id NOT IN ({_PAUSED})
           RETURNING complaint_id, milestone, due_at""",
        (stamp,),
    ).fetchall()
    if not noted:
        return 0
    escalated = _escalate(conn, {row[0] for row in noted}, stamp, escalate)
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


def _escalate(
    conn: sqlite3.Connection, ids: Iterable[int], stamp: str, escalate: Iterable[str]
) -> set[int]:
    """Escalate those of the complaints `ids` at the `escalate` levels not escalated yet;
    the ones it escalated."""
    levels = list(escalate)
    escalated: set[int] = set()
    for chunk, marks in in_chunks(sorted(ids)):
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
    return escalated


def note_late_actions(
    conn: sqlite3.Connection,
    now: datetime,
    by: str,
    escalate: Iterable[str],
    describe: Callable[[int, str, str | None, datetime, bool], str],
    only: int | None = None,
) -> int:
    """As `note_overdue`, for corrective actions: the `breached` entry (on its complaint,
    `actions.ID.late`) of every open action past its due time whose breach is not yet in
    the history — or of the action `only` — escalating its complaint as a late milestone
    would (the first breach of an escalated case carries `escalated_at`)."""
    stamp = to_utc_text(now)
    noted = conn.execute(
        f"""UPDATE actions SET breach_noted = 1
            WHERE state = 'open' AND due_at < ? AND breach_noted = 0
            {"AND id = ?" if only is not None else ""}
            RETURNING id, complaint_id, due_at, department, owner""",
        (stamp,) if only is None else (stamp, only),
    ).fetchall()
    if not noted:
        return 0
    escalated = _escalate(conn, {row[1] for row in noted}, stamp, escalate)
    rows: list[events.Row] = []
    for action_id, complaint_id, due, department, owner in sorted(noted, key=lambda r: r[0]):
        first = complaint_id in escalated
        escalated.discard(complaint_id)
        changes: dict[str, list[object]] = {f"actions.{action_id}.late": [False, True]}
        if first:
            changes["escalated_at"] = [None, stamp]
        rows.append(
            (
                complaint_id,
                stamp,
                by,
                "breached",
                json.dumps(changes),
                describe(action_id, department, owner, from_utc_text(due), first),
            )
        )
    events.append_all(conn, rows)
    return len(rows)


def pending_before(conn: sqlite3.Connection, until: datetime) -> int:
    """How many pending milestones are due before `until`, counted by reading the whole
    deadlines table rather than the index `overdue` reads: a second route to the same
    answer, for when the first found nothing (an index page emptied by damage reads as
    "nothing late"). Paused cases' deadlines do not count: `overdue` leaves them out."""
    row = conn.execute(
        # `+` keeps every index out (NOT INDEXED alone lets the partial index in)
        f"""SELECT (SELECT COUNT(*) FROM deadlines NOT INDEXED
                   WHERE +done_at IS NULL AND +due_at IS NOT NULL AND +due_at < :until
                     AND +complaint_id NOT IN ({_PAUSED}))
                + (SELECT COUNT(*) FROM actions NOT INDEXED
                   WHERE +state = 'open' AND +due_at < :until)""",
        {"until": to_utc_text(until)},
    ).fetchone()
    return int(row[0])


def overdue(
    conn: sqlite3.Connection,
    now: datetime,
    until: datetime,
    rank: Mapping[str, int],
) -> Iterator[Overdue]:
    """Pending milestones and open corrective actions due before `until`, and the cases
    paused until their limit (`pause_limit_at`) before it (milestone `paused`): those
    already past `now` first, the most severe and the most late first; then those falling
    due soon, nearest first. A paused case's deadlines are left out. The actions and the
    paused cases come from their own indexes (a few rows), never from a second scan of
    the complaints."""
    order = " ".join(f"WHEN '{severity}' THEN {-r}" for severity, r in rank.items())
    steps = " ".join(f"WHEN '{m}' THEN {n}" for n, m in enumerate(MILESTONE_KEYS))
    # One compound SELECT ordered by its result columns: each part is sorted on its own
    # and the two are merged (a sort of the parts' union, as a subquery, took a quarter
    # longer at a million complaints). The three columns after the listing's are the keys.
    cursor = conn.execute(
        f"""SELECT d.complaint_id, d.milestone, d.due_at, c.severity, c.status, c.customer,
                   c.org, c.department, c.assignee, c.escalated_at IS NOT NULL, NULL, NULL,
                   NULL, NULL,
                   CASE WHEN instr(d.counting, '"unofficial_years":[]') = 0 THEN d.counting END,
                   d.due_at >= :now, CASE c.severity {order} ELSE 9 END,
                   CASE d.milestone {steps} ELSE {len(MILESTONE_KEYS)} END
            FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
            WHERE d.done_at IS NULL AND d.due_at IS NOT NULL AND d.due_at < :until
              AND c.paused_at IS NULL
            UNION ALL
            SELECT a.complaint_id, 'action', a.due_at, c.severity, c.status, c.customer,
                   c.org, a.department, a.owner, c.escalated_at IS NOT NULL, a.id, a.owner,
                   NULL, NULL, NULL,
                   a.due_at >= :now, CASE c.severity {order} ELSE 9 END, {len(MILESTONE_KEYS)}
            FROM actions a JOIN complaints c ON c.id = a.complaint_id
            WHERE a.state = 'open' AND a.due_at < :until
            UNION ALL
            SELECT c.id, 'paused', c.pause_limit_at, c.severity, c.status, c.customer,
                   c.org, c.department, c.assignee, c.escalated_at IS NOT NULL, NULL, NULL,
                   c.paused_at, c.pause_reason, NULL,
                   c.pause_limit_at >= :now, CASE c.severity {order} ELSE 9 END,
                   {len(MILESTONE_KEYS) + 1}
            FROM complaints c INDEXED BY complaints_paused
            WHERE c.paused_at IS NOT NULL AND c.pause_limit_at < :until
            ORDER BY 16, 17, 3, 1, 18, 11""",
        {"until": to_utc_text(until), "now": to_utc_text(now)},
    )
    return map(Overdue._make, map(_LISTED, cursor))
