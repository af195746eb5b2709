"""Complaints and their deadlines — the complaints and deadlines tables: the only SQL
that writes a complaint or reads one back by id.

Named, like `events` and `ledger`, for the tables it keeps. Every change goes through
`insert` or `update`, which append an event (`events`) with what changed in the same
transaction, keep the text index (`fulltext`) in step, and keep the repeat figures
(minutes since the same phone's or client's previous complaint) true around the
complaint. How a row holds a case is `codec`'s; finding complaints is `search`'s, late
milestones `breaches`'.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime, tzinfo
from typing import Any

from aftersales_cli.clock import local_zone, to_utc_text
from aftersales_cli.errors import NotFound
from aftersales_cli.rules.case import Case, Deadline
from aftersales_cli.store import events, fulltext
from aftersales_cli.store.codec import (
    DEADLINE_COLUMNS,
    UNREADABLE,
    deadline_of,
    deadline_row,
    decode,
    to_row,
)
from aftersales_cli.store.db import Rows, rows_of_complaints

# The repeat figures: minutes since the previous complaint in the same category from the
# same phone (the repeat KPI, migration 0003) and from the same client (migration 0006).
GAPS = {"phone_key": "same_gap_minutes", "org_key": "client_gap_minutes"}


def previous_gap(row: str, by: str = "phone_key") -> str:
    """SQL for "minutes since the previous complaint in the same category with the same
    `by` (phone_key or org_key)" of the complaint `row` names (a table alias). None
    without a key — said first, or the planner looks for a predecessor among every
    complaint of the category (a complaint filed under no client)."""
    return f"""(CASE WHEN {row}.{by} IS NULL THEN NULL ELSE (
             SELECT CAST((julianday({row}.received_at) - julianday(p.received_at)) * 1440
                         AS INTEGER)
             FROM complaints p
             WHERE p.{by} = {row}.{by} AND p.category = {row}.category
               AND p.received_at <= {row}.received_at
               AND (p.received_at < {row}.received_at OR p.id < {row}.id)
             ORDER BY p.received_at DESC, p.id DESC LIMIT 1) END)"""


def refresh_repeats(
    conn: sqlite3.Connection,
    key: str | None,
    category: str,
    complaint_id: int,
    received: str,
    *,
    by: str = "phone_key",
) -> None:
    """Keep "minutes since the same phone's (or, by org_key, client's) previous complaint
    in the same category" true around one complaint that entered (or left) that key and
    category: its own figure, and that of the next complaint after it, whose predecessor
    it now is (or was). No key (a complaint filed under no client) has no next complaint:
    its own figure alone."""
    if key is None:
        conn.execute(
            f"UPDATE complaints SET {GAPS[by]} = {previous_gap('complaints', by)} WHERE id = ?",
            (complaint_id,),
        )
        return
    conn.execute(
        f"""UPDATE complaints SET {GAPS[by]} = {previous_gap("complaints", by)}
           WHERE id = :id OR id = (
             SELECT n.id FROM complaints n
             WHERE n.{by} = :key AND n.category = :category AND n.received_at >= :received
               AND (n.received_at > :received OR n.id > :id)
             ORDER BY n.received_at, n.id LIMIT 1)""",
        {"key": key, "category": category, "id": complaint_id, "received": received},
    )


def _refresh_all(conn: sqlite3.Connection, row: Mapping[str, Any], complaint_id: int) -> None:
    for by in GAPS:
        refresh_repeats(conn, row[by], row["category"], complaint_id, row["received_at"], by=by)


_UPSERT_DEADLINES = f"""INSERT INTO deadlines ({", ".join(DEADLINE_COLUMNS)})
    VALUES ({", ".join(":" + c for c in DEADLINE_COLUMNS)})
    ON CONFLICT (complaint_id, milestone) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in DEADLINE_COLUMNS[2:])}"""


def _upsert_deadlines(
    conn: sqlite3.Connection, complaint_id: int, items: Iterable[tuple[str, Deadline]]
) -> None:
    conn.executemany(_UPSERT_DEADLINES, [deadline_row(complaint_id, m, d) for m, d in items])


def _insert_row(conn: sqlite3.Connection, row: Mapping[str, Any]) -> int:
    cursor = conn.execute(
        f"INSERT INTO complaints ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})",
        row,
    )
    assert cursor.lastrowid is not None
    fulltext.add_case(conn, cursor.lastrowid, row)
    return cursor.lastrowid


def insert(
    conn: sqlite3.Connection,
    case: Case,
    *,
    by: str,
    at: datetime,
    note: str | None = None,
    action: str = "log",
) -> Case:
    """Store a new complaint with its deadlines and its first history entry."""
    row = to_row(case)
    if case.id is not None:
        row["id"] = case.id
    complaint_id = _insert_row(conn, row)
    _upsert_deadlines(conn, complaint_id, case.deadlines.items())
    _refresh_all(conn, row, complaint_id)
    stored = Case(
        **{f.name: getattr(case, f.name) for f in fields(Case) if f.name != "id"}, id=complaint_id
    )
    events.append(conn, complaint_id, at, by, action, events.changes_json(None, stored), note)
    return stored


def restore(conn: sqlite3.Connection, case: Case, history: Sequence[events.Event]) -> None:
    """Store a complaint exactly as exported — its id, deadlines and whole history."""
    assert case.id is not None
    row = {**to_row(case), "id": case.id}
    _insert_row(conn, row)
    _upsert_deadlines(conn, case.id, case.deadlines.items())
    _refresh_all(conn, row, case.id)
    events.restore(conn, case.id, history)


def none(conn: sqlite3.Connection) -> bool:
    """Whether the database holds no complaint yet."""
    return conn.execute("SELECT 1 FROM complaints LIMIT 1").fetchone() is None


def refresh_repeats_of(conn: sqlite3.Connection, ids: Iterable[int] | None) -> None:
    """Make the repeat figures true around the complaints `ids` (many, restored without
    them; None: every complaint, a load into an empty database): one sorted pass over the
    keys and categories they are in, as migration 0006 computed them, written where they
    differ — what `refresh_repeats` does for one. The figures are put in the order of
    the ids before they are written, so that the rows are found one page after another
    rather than in the order of the keys (a million complaints, every figure written:
    17.6 → 11.3 s)."""
    if ids is not None:
        conn.execute("CREATE TEMP TABLE restored (id INTEGER PRIMARY KEY)")
        conn.executemany("INSERT OR IGNORE INTO temp.restored VALUES (?)", ((i,) for i in ids))
    try:
        for by, column in GAPS.items():
            among = (
                f"""JOIN (SELECT DISTINCT c.{by} AS key, c.category FROM complaints c
                          JOIN temp.restored r ON r.id = c.id WHERE c.{by} IS NOT NULL) t
                      ON c.{by} = t.key AND c.category = t.category"""
                if ids is not None
                else f"WHERE c.{by} IS NOT NULL"
            )
            conn.execute(
                f"""WITH g AS MATERIALIZED (
                      SELECT c.id, CAST((julianday(c.received_at) - julianday(LAG(c.received_at)
                               OVER (PARTITION BY c.{by}, c.category
                                     ORDER BY c.received_at, c.id))) * 1440 AS INTEGER) AS gap
                      FROM complaints c {among} ORDER BY c.id)
                    UPDATE complaints SET {column} = g.gap FROM g
                    WHERE g.id = complaints.id AND complaints.{column} IS NOT g.gap"""
            )
    finally:
        if ids is not None:
            conn.execute("DROP TABLE temp.restored")


def update(
    conn: sqlite3.Connection,
    before: Case,
    after: Case,
    *,
    action: str,
    by: str,
    at: datetime,
    note: str | None = None,
    said: Mapping[str, tuple[Any, Any]] | None = None,
) -> None:
    """Write what changed from `before` to `after` and append it to the history (with
    what the entry `said` besides: `events.changes_json`)."""
    write(conn, before, after)
    assert after.id is not None
    changes = events.changes_json(before, after, said)
    events.append(conn, after.id, at, by, action, changes, note)


def write(conn: sqlite3.Connection, before: Case, after: Case) -> None:
    """Write what changed from `before` to `after` (the caller records why)."""
    assert before.id is not None and before.id == after.id
    old, new = to_row(before), to_row(after)
    changed = {name: value for name, value in new.items() if old[name] != value}
    if changed:
        fulltext.replace_case(conn, after.id, changed)
        assignments = ", ".join(f"{name} = :{name}" for name in changed)
        conn.execute(
            f"UPDATE complaints SET {assignments} WHERE id = :id", {**changed, "id": after.id}
        )
    moved = [(m, d) for m, d in after.deadlines.items() if before.deadlines.get(m) != d]
    _upsert_deadlines(conn, after.id, moved)
    for column in GAPS:  # the complaint left one key and category (or time) for another
        places = {(row[column], row["category"], row["received_at"]) for row in (old, new)}
        if len(places) > 1:
            for key, category, received in places:
                refresh_repeats(conn, key, category, after.id, received, by=column)


def deadlines_for(
    conn: sqlite3.Connection, ids: Sequence[int], zone: tzinfo
) -> dict[int, dict[str, Deadline] | None]:
    """The deadlines of each complaint; None for one whose deadlines cannot be read."""
    return deadlines_of(deadline_rows(conn, ids), ids, zone)


def deadline_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> Rows:
    """The deadline rows of the complaints `ids`, as read (`deadlines_of` reads them)."""
    return rows_of_complaints(conn, "deadlines", ids, columns=DEADLINE_COLUMNS)


def deadlines_of(
    rows: Rows, ids: Sequence[int], zone: tzinfo
) -> dict[int, dict[str, Deadline] | None]:
    """The deadlines of each complaint from its rows; None for one whose deadlines
    cannot be read (no database: this may run in a worker)."""
    result: dict[int, dict[str, Deadline] | None] = {i: {} for i in ids}
    for row in rows.values:  # in the order of DEADLINE_COLUMNS
        found = result.get(row[0])
        if found is None:
            continue
        try:
            found[row[1]] = deadline_of(row, zone)
        except UNREADABLE:
            result[row[0]] = None
    return result


def cases_of(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Case]:
    """The cases of complaint rows read by the caller, with their deadlines."""
    zone = local_zone()
    deadlines = deadlines_for(conn, [row["id"] for row in rows], zone)
    return [decode(row, deadlines[row["id"]], zone) for row in rows]


def get(conn: sqlite3.Connection, complaint_id: int) -> Case:
    row = conn.execute("SELECT * FROM complaints WHERE id = ?", (complaint_id,)).fetchone()
    if row is None:
        raise NotFound(f"id: no complaint {complaint_id}")
    return cases_of(conn, [row])[0]


def totals(conn: sqlite3.Connection) -> tuple[int, int]:
    """How many complaints and history entries the database holds."""
    complaints = conn.execute("SELECT COUNT(*) FROM complaints").fetchone()[0]
    events_ = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    return int(complaints), int(events_)


def refile(
    conn: sqlite3.Connection,
    keys: Sequence[str],
    org: str,
    key: str,
    *,
    at: datetime,
    by: str,
    note: str,
) -> int:
    """File every complaint whose client key is one of `keys` under the client `org`
    (its key `key`) — what `write` does for one complaint, done for all of them in a few
    set-based statements (a client may have tens of thousands): the org and what derives
    from it (org_key; supply_event, whose client part is replaced), the text index, one
    `edit` history entry each (org old → new, the reason in `note`), and the client
    repeat figures of the whole joined client. Returns how many complaints moved."""
    marks = ",".join("?" * len(keys))
    conn.execute("CREATE TEMP TABLE refiled (id INTEGER PRIMARY KEY, org TEXT)")
    try:
        conn.execute(
            f"INSERT INTO temp.refiled SELECT id, org FROM complaints WHERE org_key IN ({marks})",
            list(keys),
        )
        (moved,) = conn.execute("SELECT COUNT(*) FROM temp.refiled").fetchone()
        if not moved:
            return 0
        chosen = "SELECT id FROM temp.refiled"
        fulltext.refile_cases(conn, chosen, org)
        conn.execute(
            f"""UPDATE complaints SET org = :org, org_key = :key,
                  supply_event = CASE WHEN supply_event IS NULL THEN NULL
                    ELSE :key || substr(supply_event, instr(supply_event, char(31))) END
                WHERE id IN ({chosen})""",
            {"org": org, "key": key},
        )
        (last,) = conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()
        conn.execute(
            """INSERT INTO events (complaint_id, at, by, action, changes, note)
               SELECT id, ?, ?, 'edit', json_object('org', json_array(org, ?)), ?
               FROM temp.refiled ORDER BY id""",
            (to_utc_text(at), by, org, note),
        )
        fulltext.add_notes_after(conn, last)
    finally:
        conn.execute("DROP TABLE temp.refiled")
    # minutes since the client's previous complaint in the category, for the joined
    # client: one sorted pass (as migration 0006 computed them), written where they differ
    conn.execute(
        """WITH g AS (
             SELECT id, CAST((julianday(received_at) - julianday(LAG(received_at) OVER (
                               PARTITION BY category ORDER BY received_at, id)))
                             * 1440 AS INTEGER) AS gap
             FROM complaints WHERE org_key = ?)
           UPDATE complaints SET client_gap_minutes = g.gap FROM g
           WHERE g.id = complaints.id AND complaints.client_gap_minutes IS NOT g.gap""",
        (key,),
    )
    return int(moved)


def pending_of(conn: sqlite3.Connection, keys: Sequence[str]) -> list[int]:
    """The complaints filed under one of the client `keys` that have a milestone pending
    (not done, with a due), by id."""
    marks = ",".join("?" * len(keys))
    return [
        r[0]
        for r in conn.execute(
            f"""SELECT c.id FROM complaints c WHERE c.org_key IN ({marks}) AND EXISTS (
                  SELECT 1 FROM deadlines d WHERE d.complaint_id = c.id
                    AND d.done_at IS NULL AND d.due_at IS NOT NULL)
                ORDER BY c.id""",
            list(keys),
        )
    ]


def counted_pending(conn: sqlite3.Connection) -> list[int]:
    """The complaints with a pending deadline counted in business time (not breached, not
    a time promised by an extension), in id order."""
    return [
        row[0]
        for row in conn.execute(
            """SELECT DISTINCT complaint_id FROM deadlines
               WHERE done_at IS NULL AND due_at IS NOT NULL AND late = 0
                 AND counting IS NOT NULL AND extended_from IS NULL
               ORDER BY complaint_id"""
        )
    ]
