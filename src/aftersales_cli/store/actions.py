"""Corrective actions — the actions table: the only SQL over it (but `breaches`, which
lists and notes the late ones with the late milestones, and the report's query).

A row is inserted when an action is opened and only moves on (a trigger refuses any other
change, and every delete); each step is also an entry of its complaint's history, written
here in the same transaction. Times are UTC text.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from aftersales_cli.clock import from_utc_text, local_zone, to_utc_text
from aftersales_cli.errors import NotFound
from aftersales_cli.rules import actions as rules
from aftersales_cli.rules.actions import Action
from aftersales_cli.store import events
from aftersales_cli.store.db import Rows, in_chunks, rows_of_complaints

COLUMNS = (
    "complaint_id",
    "text",
    "department",
    "owner",
    "due_at",
    "opened_at",
    "by",
    "state",
    "done_at",
    "verified_at",
    "breach_noted",
)
# COLUMNS are migration 0013's, in the order benchmarks/seed.py fills them; what an
# action is written with adds the survey aspect it answers (0018), null for most.
WRITTEN = (*COLUMNS, "survey_aspect")


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else to_utc_text(moment)


def _row(action: Action) -> dict[str, Any]:
    return {
        "complaint_id": action.complaint_id,
        "text": action.text,
        "department": action.department,
        "owner": action.owner,
        "due_at": to_utc_text(action.due_at),
        "opened_at": to_utc_text(action.opened_at),
        "by": action.by,
        "state": action.state,
        "done_at": _time(action.done_at),
        "verified_at": _time(action.verified_at),
        "breach_noted": int(action.breach_noted),
        "survey_aspect": action.survey_aspect,
    }


def action_of(row: Mapping[str, Any], zone: tzinfo | None = None) -> Action:
    zone = zone or local_zone()
    return Action(
        id=row["id"],
        complaint_id=row["complaint_id"],
        text=row["text"],
        department=row["department"],
        owner=row["owner"],
        due_at=from_utc_text(row["due_at"], zone),
        opened_at=from_utc_text(row["opened_at"], zone),
        by=row["by"],
        state=row["state"],
        done_at=None if row["done_at"] is None else from_utc_text(row["done_at"], zone),
        verified_at=None if row["verified_at"] is None else from_utc_text(row["verified_at"], zone),
        breach_noted=bool(row["breach_noted"]),
        survey_aspect=row["survey_aspect"],
    )


def changes_json(changes: dict[str, tuple[Any, Any]]) -> str:
    """An action's changes as the history stores them (times as UTC text)."""
    return json.dumps(
        {
            key: [to_utc_text(v) if isinstance(v, datetime) else v for v in pair]
            for key, pair in changes.items()
        },
        ensure_ascii=False,
    )


def insert(conn: sqlite3.Connection, action: Action, *, note: str | None) -> Action:
    """Store a new action and its history entry."""
    marks = ", ".join(f":{c}" for c in WRITTEN)
    cursor = conn.execute(
        f"INSERT INTO actions ({', '.join(WRITTEN)}) VALUES ({marks})", _row(action)
    )
    assert cursor.lastrowid is not None
    stored = Action(**{**action.__dict__, "id": cursor.lastrowid})
    _record(conn, None, stored, at=action.opened_at, by=action.by, note=note)
    return stored


def update(
    conn: sqlite3.Connection,
    before: Action,
    after: Action,
    *,
    at: datetime,
    by: str,
    note: str | None,
) -> None:
    """Move an action on (done, verified) and append the step to its history."""
    row = _row(after)
    conn.execute(
        "UPDATE actions SET state = :state, done_at = :done_at, verified_at = :verified_at "
        "WHERE id = :id",
        {**row, "id": after.id},
    )
    _record(conn, before, after, at=at, by=by, note=note)


def _record(
    conn: sqlite3.Connection,
    before: Action | None,
    after: Action,
    *,
    at: datetime,
    by: str,
    note: str | None,
) -> None:
    events.append(
        conn, after.complaint_id, at, by, "action", changes_json(rules.changes(before, after)), note
    )


def restore(conn: sqlite3.Connection, actions: Sequence[Action]) -> None:
    """Store a complaint's actions as exported, with their ids (its history, which names
    them, comes with the complaint)."""
    restore_rows(conn, [stored_row(a) for a in actions])


def stored_row(action: Action) -> dict[str, Any]:
    """An exported action as `restore_rows` stores it: with its id."""
    return {**_row(action), "id": action.id}


def restore_rows(conn: sqlite3.Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Store exported actions (`stored_row`), each with its id (an IntegrityError when
    one is taken)."""
    marks = ", ".join(f":{c}" for c in WRITTEN)
    conn.executemany(f"INSERT INTO actions (id, {', '.join(WRITTEN)}) VALUES (:id, {marks})", rows)


def taken(conn: sqlite3.Connection, ids: Iterable[int]) -> int | None:
    """The first of `ids` that an action already has, if any."""
    wanted = sorted(ids)
    for chunk, marks in in_chunks(wanted):
        row = conn.execute(f"SELECT MIN(id) FROM actions WHERE id IN ({marks})", chunk).fetchone()
        if row[0] is not None:
            return int(row[0])
    return None


def get(conn: sqlite3.Connection, action_id: int) -> Action:
    row = conn.execute("SELECT * FROM actions WHERE id = ?", (action_id,)).fetchone()
    if row is None:
        raise NotFound(f"action: no corrective action {action_id}")
    return action_of(row)


def of_case(conn: sqlite3.Connection, complaint_id: int) -> list[Action]:
    zone = local_zone()
    return [
        action_of(row, zone)
        for row in conn.execute(
            "SELECT * FROM actions WHERE complaint_id = ? ORDER BY id", (complaint_id,)
        )
    ]


def of_cases(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[Action]]:
    return of_rows(rows_of(conn, ids), ids, local_zone())


def rows_of(conn: sqlite3.Connection, ids: Sequence[int]) -> Rows:
    """The rows of the complaints `ids`, as read (`of_rows` reads them)."""
    return rows_of_complaints(conn, "actions", ids, "id")


def of_rows(rows: Rows, ids: Sequence[int], zone: tzinfo) -> dict[int, list[Action]]:
    """Each complaint's, from the rows (no database: this may run in a worker)."""
    found: dict[int, list[Action]] = {i: [] for i in ids}
    for row in rows.dicts():
        found[row["complaint_id"]].append(action_of(row, zone))
    return found


def answering_aspects(
    conn: sqlite3.Connection, start: datetime, end: datetime
) -> dict[str, list[int]]:
    """The actions opened in [start, end) as the improvement measure of a survey aspect:
    their ids by aspect, oldest first."""
    found: dict[str, list[int]] = {}
    for aspect, action_id in conn.execute(
        """SELECT survey_aspect, id FROM actions
           WHERE survey_aspect IS NOT NULL AND opened_at >= ? AND opened_at < ?
           ORDER BY survey_aspect, opened_at, id""",
        (to_utc_text(start), to_utc_text(end)),
    ):
        found.setdefault(aspect, []).append(action_id)
    return found


def listing(
    conn: sqlite3.Connection,
    *,
    open_only: bool,
    departments: Sequence[str],
    late_at: datetime | None,
) -> Iterator[Action]:
    """Actions, oldest first: only the open ones, those of some departments, or those
    open past their due time at `late_at` (the soonest due first)."""
    where, params = [], []
    if open_only or late_at is not None:
        where.append("state = 'open'")
    if late_at is not None:
        where.append("due_at < ?")
        params.append(to_utc_text(late_at))
    if departments:
        where.append(f"department IN ({','.join('?' * len(departments))})")
        params.extend(departments)
    order = "due_at, id" if late_at is not None else "id"
    sql = "SELECT * FROM actions" + (f" WHERE {' AND '.join(where)}" if where else "")
    zone = local_zone()
    return (action_of(row, zone) for row in conn.execute(f"{sql} ORDER BY {order}", params))
