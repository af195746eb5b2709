"""Complaints, their deadlines and their history: the only SQL over them.

Rows become `rules.case.Case` values and back: times are UTC text, money is whole fen,
booleans 0/1. Every change goes through `insert` or `update`, which append an event
with what changed (old → new) in the same transaction.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, NamedTuple

from aftersales_cli.clock import from_utc_text, local_zone, to_utc_text
from aftersales_cli.errors import DatabaseUnusable, NotFound
from aftersales_cli.rules.case import Case, Deadline, Penalty
from aftersales_cli.rules.fields import client_key, phone_key
from aftersales_cli.rules.ledger import event_key
from aftersales_cli.rules.taxonomy import MILESTONE_KEYS

# How each field of a Case is kept in its row.
_TEXT = (
    "status",
    "channel",
    "customer",
    "phone",
    "org",
    "order_no",
    "product",
    "batch",
    "description",
    "request",
    "category",
    "severity",
    "department",
    "assignee",
    "remedy",
    "cause",
    "finding",
    "note",
    "staff",
    "revisit_method",
    "revisit_note",
)
_INT = ("quantity", "defective", "people", "satisfaction", "reopen_count")
_BOOL = ("ill", "injured", "incident")
_TIME = ("received_at", "delivered_at", "closed_at", "reopened_at", "escalated_at")
_MONEY = ("amount", "supply_value", "price", "loss", "staff_fine", "statutory_compensation")


def fen(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 100)


def yuan(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value) / 100


def _time(value: str | None, zone: tzinfo | None = None) -> datetime | None:
    return None if value is None else from_utc_text(value, zone)


def _utc(value: datetime | None) -> str | None:
    return None if value is None else to_utc_text(value)


def to_row(case: Case) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(case, name) for name in _TEXT + _INT}
    row.update({name: int(getattr(case, name)) for name in _BOOL})
    row.update({name: _utc(getattr(case, name)) for name in _TIME})
    row.update({f"{name}_fen": fen(getattr(case, name)) for name in _MONEY})
    row["ours"] = None if case.ours is None else int(case.ours)
    row["delivery_date"] = case.delivery_date.isoformat() if case.delivery_date else None
    row.update(match_keys(case))
    row["remedies"] = ",".join(case.remedies) or None
    row["supply_event"] = event_key(case.org, case.delivery_date, case.batch, case.product)
    penalty = case.penalty
    row["penalty_offence"] = penalty.offence if penalty else None
    row["penalty_multiplier"] = str(penalty.multiplier) if penalty else None
    row["penalty_fen"] = fen(penalty.amount) if penalty else None
    row.update(report_figures(case))
    return row


def match_keys(case: Case) -> dict[str, str | None]:
    """How the case's phone and client are matched (`phone_key`, `client_key`)."""
    return {"phone_key": phone_key(case.phone), "org_key": client_key(case.org)}


def _minutes(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else int((end - start).total_seconds() // 60)


def report_figures(case: Case) -> dict[str, Any]:
    """What reports add up, derived from the case and kept on its row (migration 0003)."""
    outcomes = [case.deadlines[m].outcome for m in MILESTONE_KEYS]
    return {
        "contact_minutes": _minutes(case.received_at, case.deadlines["contact"].done_at),
        "handling_minutes": _minutes(case.received_at, case.closed_at),
        "met_mask": sum(1 << i for i, o in enumerate(outcomes) if o == "met"),
        "breached_mask": sum(1 << i for i, o in enumerate(outcomes) if o == "breached"),
    }


# The repeat figures: minutes since the previous complaint in the same category from the
# same phone (the repeat KPI, migration 0003) and from the same client (migration 0006).
GAPS = {"phone_key": "same_gap_minutes", "org_key": "client_gap_minutes"}


def previous_gap(row: str, by: str = "phone_key") -> str:
    """SQL for "minutes since the previous complaint in the same category with the same
    `by` (phone_key or org_key)" of the complaint `row` names (a table alias)."""
    return f"""(
             SELECT CAST((julianday({row}.received_at) - julianday(p.received_at)) * 1440
                         AS INTEGER)
             FROM complaints p
             WHERE p.{by} = {row}.{by} AND p.category = {row}.category
               AND p.received_at <= {row}.received_at
               AND (p.received_at < {row}.received_at OR p.id < {row}.id)
             ORDER BY p.received_at DESC, p.id DESC LIMIT 1)"""


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
    it now is (or was)."""
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


def from_row(
    row: sqlite3.Row, deadlines: Mapping[str, Deadline], zone: tzinfo | None = None
) -> Case:
    values: dict[str, Any] = {name: row[name] for name in _TEXT + _INT}
    values.update({name: bool(row[name]) for name in _BOOL})
    zone = zone or local_zone()
    values.update({name: _time(row[name], zone) for name in _TIME})
    values.update({name: yuan(row[f"{name}_fen"]) for name in _MONEY})
    values["ours"] = None if row["ours"] is None else bool(row["ours"])
    values["remedies"] = tuple(row["remedies"].split(",")) if row["remedies"] else ()
    day = row["delivery_date"]
    values["delivery_date"] = date.fromisoformat(day) if day else None
    if row["penalty_offence"] is not None:
        values["penalty"] = Penalty(
            offence=row["penalty_offence"],
            multiplier=Decimal(row["penalty_multiplier"]),
            amount=yuan(row["penalty_fen"]) or Decimal(0),
        )
    full = {m: deadlines.get(m, Deadline()) for m in MILESTONE_KEYS}
    return Case(id=row["id"], deadlines=full, **values)


def _deadline(row: sqlite3.Row, zone: tzinfo) -> Deadline:
    return Deadline(
        due_at=_time(row["due_at"], zone),
        done_at=_time(row["done_at"], zone),
        extended_from=_time(row["extended_from"], zone),
        reason=row["reason"],
        late=bool(row["late"]),
        breach_noted=bool(row["breach_noted"]),
    )


def _deadline_row(complaint_id: int, milestone: str, deadline: Deadline) -> dict[str, Any]:
    return {
        "complaint_id": complaint_id,
        "milestone": milestone,
        "due_at": _utc(deadline.due_at),
        "done_at": _utc(deadline.done_at),
        "extended_from": _utc(deadline.extended_from),
        "reason": deadline.reason,
        "late": int(deadline.late),
        "breach_noted": int(deadline.breach_noted),
    }


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _changes_json(before: Case | None, after: Case) -> str:
    from aftersales_cli.rules.lifecycle import changes  # what writes need, not reads

    diff = changes(before, after)
    return json.dumps(
        {key: [_encode(old), _encode(new)] for key, (old, new) in diff.items()},
        ensure_ascii=False,
    )


def _upsert_deadlines(
    conn: sqlite3.Connection, complaint_id: int, items: Iterable[tuple[str, Deadline]]
) -> None:
    conn.executemany(
        """INSERT INTO deadlines (complaint_id, milestone, due_at, done_at, extended_from,
                                  reason, late, breach_noted)
           VALUES (:complaint_id, :milestone, :due_at, :done_at, :extended_from, :reason, :late,
                   :breach_noted)
           ON CONFLICT (complaint_id, milestone) DO UPDATE SET
             due_at = excluded.due_at, done_at = excluded.done_at,
             extended_from = excluded.extended_from, reason = excluded.reason,
             late = excluded.late, breach_noted = excluded.breach_noted""",
        [_deadline_row(complaint_id, m, d) for m, d in items],
    )


def append_event(
    conn: sqlite3.Connection,
    complaint_id: int,
    at: datetime,
    by: str,
    action: str,
    changes_json: str,
    note: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO events (complaint_id, at, by, action, changes, note) VALUES (?,?,?,?,?,?)",
        (complaint_id, to_utc_text(at), by, action, changes_json, note),
    )


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
    columns = ", ".join(row)
    placeholders = ", ".join(f":{name}" for name in row)
    cursor = conn.execute(f"INSERT INTO complaints ({columns}) VALUES ({placeholders})", row)
    complaint_id = cursor.lastrowid
    assert complaint_id is not None
    _upsert_deadlines(conn, complaint_id, case.deadlines.items())
    _refresh_all(conn, row, complaint_id)
    stored = Case(
        **{f.name: getattr(case, f.name) for f in fields(Case) if f.name != "id"}, id=complaint_id
    )
    append_event(conn, complaint_id, at, by, action, _changes_json(None, stored), note)
    return stored


def restore(conn: sqlite3.Connection, case: Case, history: Sequence[Event]) -> None:
    """Store a complaint exactly as exported — its id, deadlines and whole history."""
    assert case.id is not None
    row = {**to_row(case), "id": case.id}
    conn.execute(
        f"INSERT INTO complaints ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})",
        row,
    )
    _upsert_deadlines(conn, case.id, case.deadlines.items())
    _refresh_all(conn, row, case.id)
    conn.executemany(
        "INSERT INTO events (complaint_id, at, by, action, changes, note) VALUES (?,?,?,?,?,?)",
        [
            (
                case.id,
                to_utc_text(e.at),
                e.by,
                e.action,
                json.dumps(e.changes, ensure_ascii=False),
                e.note,
            )
            for e in history
        ],
    )


def existing_ids(conn: sqlite3.Connection, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            r[0] for r in conn.execute(f"SELECT id FROM complaints WHERE id IN ({marks})", chunk)
        )
    return found


class Unreadable(DatabaseUnusable):
    """A stored value the tool cannot read back (a database edited by hand, or damaged
    where SQLite cannot tell): named, never a crash. `aftersales check` lists them."""

    def __init__(self, complaint_id: int, what: str, reason: Exception) -> None:
        super().__init__(
            f"database: complaint {complaint_id} holds {what} that cannot be read "
            f"({type(reason).__name__}: {str(reason)[:80]}); run `aftersales check`"
        )
        self.complaint_id = complaint_id
        self.what = what


_UNREADABLE = (ValueError, TypeError, KeyError, IndexError, OverflowError, ArithmeticError)


def iterate(
    conn: sqlite3.Connection,
    query: Query,
    batch: int = 1000,
    *,
    unreadable: Callable[[Unreadable], None] | None = None,
) -> Iterator[tuple[Case, list[Event]]]:
    """Every complaint matching `query` with its history, in id order, a batch at a time
    (memory stays flat however large the database). A complaint that cannot be read back
    raises `Unreadable` — or, given `unreadable`, is handed to it and skipped."""
    where, params = _where(query)
    zone = local_zone()
    last = 0
    while True:
        rows = conn.execute(
            f"SELECT c.* FROM complaints c WHERE c.id > ? {'AND ' + where if where else ''}"
            " ORDER BY c.id LIMIT ?",
            [last, *params, batch],
        ).fetchall()
        if not rows:
            return
        deadlines = _deadlines_for(conn, [row["id"] for row in rows], zone)
        history: dict[int, list[Event]] = {row["id"]: [] for row in rows}
        marks = ",".join("?" * len(history))
        broken: dict[int, Unreadable] = {}
        for row in conn.execute(
            f"SELECT * FROM events WHERE complaint_id IN ({marks}) ORDER BY id", list(history)
        ):
            try:
                history[row["complaint_id"]].append(_event(row, zone))
            except Unreadable as exc:
                broken.setdefault(exc.complaint_id, exc)
        for row in rows:
            try:
                if row["id"] in broken:
                    raise broken[row["id"]]
                case = _decode(row, deadlines[row["id"]], zone)
            except Unreadable as exc:
                if unreadable is None:
                    raise
                unreadable(exc)
                continue
            yield case, history[row["id"]]
        last = rows[-1]["id"]


def totals(conn: sqlite3.Connection) -> tuple[int, int]:
    """How many complaints and history entries the database holds."""
    complaints = conn.execute("SELECT COUNT(*) FROM complaints").fetchone()[0]
    events_ = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    return int(complaints), int(events_)


def update(
    conn: sqlite3.Connection,
    before: Case,
    after: Case,
    *,
    action: str,
    by: str,
    at: datetime,
    note: str | None = None,
) -> None:
    """Write what changed from `before` to `after` and append it to the history."""
    write(conn, before, after)
    assert after.id is not None
    append_event(conn, after.id, at, by, action, _changes_json(before, after), note)


def write(conn: sqlite3.Connection, before: Case, after: Case) -> None:
    """Write what changed from `before` to `after` (the caller records why)."""
    assert before.id is not None and before.id == after.id
    old, new = to_row(before), to_row(after)
    changed = {name: value for name, value in new.items() if old[name] != value}
    if changed:
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


def _deadlines_for(
    conn: sqlite3.Connection, ids: Sequence[int], zone: tzinfo
) -> dict[int, dict[str, Deadline] | None]:
    """The deadlines of each complaint; None for one whose deadlines cannot be read."""
    result: dict[int, dict[str, Deadline] | None] = {i: {} for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(f"SELECT * FROM deadlines WHERE complaint_id IN ({marks})", chunk):
            found = result.get(row["complaint_id"])
            if found is None:
                continue
            try:
                found[row["milestone"]] = _deadline(row, zone)
            except _UNREADABLE:
                result[row["complaint_id"]] = None
    return result


def _decode(row: sqlite3.Row, deadlines: Mapping[str, Deadline] | None, zone: tzinfo) -> Case:
    try:
        if deadlines is None:
            raise ValueError("its deadlines cannot be read")
        return from_row(row, deadlines, zone)
    except _UNREADABLE as exc:
        raise Unreadable(row["id"], "a value", exc) from None


def _cases(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Case]:
    zone = local_zone()
    deadlines = _deadlines_for(conn, [row["id"] for row in rows], zone)
    return [_decode(row, deadlines[row["id"]], zone) for row in rows]


def get(conn: sqlite3.Connection, complaint_id: int) -> Case:
    row = conn.execute("SELECT * FROM complaints WHERE id = ?", (complaint_id,)).fetchone()
    if row is None:
        raise NotFound(f"id: no complaint {complaint_id}")
    return _cases(conn, [row])[0]


class Event(NamedTuple):
    id: int
    at: datetime
    by: str
    action: str
    changes: dict[str, list[Any]]
    note: str | None


def _event(row: sqlite3.Row, zone: tzinfo) -> Event:
    try:
        changes = json.loads(row["changes"])
        if not isinstance(changes, dict):
            raise ValueError("its changes are not an object")
        return Event(
            row["id"],
            from_utc_text(row["at"], zone),
            row["by"],
            row["action"],
            changes,
            row["note"],
        )
    except (*_UNREADABLE, RecursionError) as exc:
        raise Unreadable(row["complaint_id"], f"history entry {row['id']}", exc) from None


def events(conn: sqlite3.Connection, complaint_id: int) -> list[Event]:
    zone = local_zone()
    return [
        _event(row, zone)
        for row in conn.execute(
            "SELECT * FROM events WHERE complaint_id = ? ORDER BY id", (complaint_id,)
        )
    ]


class Neighbour(NamedTuple):
    """Another complaint that bears on one being logged."""

    id: int
    received_at: datetime
    category: str
    status: str
    customer: str


def _neighbours(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[Neighbour]:
    return [
        Neighbour(row[0], from_utc_text(row[1]), row[2], row[3], row[4])
        for row in conn.execute(sql, params)
    ]


def same_phone(
    conn: sqlite3.Connection,
    phone: str,
    since: datetime,
    until: datetime,
    exclude: int | None,
) -> list[Neighbour]:
    """Complaints from the same phone received in [since, until]."""
    return _neighbours(
        conn,
        """SELECT id, received_at, category, status, customer FROM complaints
           WHERE phone_key = ? AND received_at BETWEEN ? AND ? AND id IS NOT ?
           ORDER BY received_at""",
        (phone_key(phone), to_utc_text(since), to_utc_text(until), exclude),
    )


def same_client(
    conn: sqlite3.Connection,
    org: str | None,
    categories: Iterable[str],
    since: datetime,
    before: datetime,
    exclude: int | None,
) -> list[Neighbour]:
    """Complaints from the same client (by `client_key`) in these categories, received in
    [since, before): one look-up of the index complaints_by_client."""
    key, wanted = client_key(org), list(categories)
    if key is None or not wanted:
        return []
    return _neighbours(
        conn,
        f"""SELECT id, received_at, category, status, customer FROM complaints
            WHERE org_key = ? AND category IN ({",".join("?" * len(wanted))})
              AND received_at >= ? AND received_at < ? AND id IS NOT ?
            ORDER BY received_at, id""",
        (key, *wanted, to_utc_text(since), to_utc_text(before), exclude),
    )


def same_batch(
    conn: sqlite3.Connection,
    case: Case,
    since: datetime,
    until: datetime,
) -> list[Neighbour]:
    """Complaints on the same batch, or the same product and delivery date, in the window."""
    clauses, params = [], []
    if case.batch:
        clauses.append("batch = ?")
        params.append(case.batch)
    if case.product and case.delivery_date:
        clauses.append("(product = ? AND delivery_date = ?)")
        params.extend([case.product, case.delivery_date.isoformat()])
    if not clauses:
        return []
    return _neighbours(
        conn,
        f"""SELECT id, received_at, category, status, customer FROM complaints
            WHERE ({" OR ".join(clauses)}) AND received_at BETWEEN ? AND ? AND id IS NOT ?
            ORDER BY received_at""",
        (*params, to_utc_text(since), to_utc_text(until), case.id),
    )


class Query(NamedTuple):
    """What `list` asks for. Empty tuples mean "any"."""

    statuses: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    limit: int | None = None


# Something still to do: open, or closed and awaiting its revisit.
ACTIVE_STATUSES = ("new", "classified", "assigned", "reopened", "closed")


def _in(column: str, values: Sequence[str], params: list[Any]) -> str:
    params.extend(values)
    return f"{column} IN ({','.join('?' * len(values))})"


_PHONE_LIKE = re.compile(r"^\+?[0-9 ()\-]*[0-9][0-9 ()\-]*$")


def phone_digits(text: str) -> str | None:
    """The digits `--text` looks for among phones when it is written like (part of) a
    phone — `13900000070`, `139-0000-0070`, `+86 139…`, or the last digits alone."""
    cleaned = text.strip()
    return phone_key(cleaned) if _PHONE_LIKE.match(cleaned) else None


def _where(query: Query) -> tuple[str, list[Any]]:
    """The WHERE clause (without the keyword) and parameters of a query's filters."""
    where: list[str] = []
    params: list[Any] = []
    for column, values in (
        ("c.status", query.statuses),
        ("c.severity", query.severities),
        ("c.category", query.categories),
        ("c.department", query.departments),
        ("c.org", query.orgs),
    ):
        if values:
            where.append(_in(column, values, params))
    if query.since is not None:
        where.append("c.received_at >= ?")
        params.append(to_utc_text(query.since))
    if query.until is not None:
        where.append("c.received_at < ?")
        params.append(to_utc_text(query.until))
    if query.text:
        pattern = "%" + query.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern += "%"
        searched = (
            "description",
            "customer",
            "org",
            "product",
            "batch",
            "order_no",
            "request",
            "note",
            "phone",
        )
        matches = [f"c.{c} LIKE ? ESCAPE '\\'" for c in searched]
        params.extend([pattern] * len(searched))
        digits = phone_digits(query.text)
        if digits:  # a phone, however typed: matched on the digits of every phone
            matches.append("c.phone_key LIKE ?")
            params.append(f"%{digits}%")
        where.append("(" + " OR ".join(matches) + ")")
    return " AND ".join(where), params


def search(conn: sqlite3.Connection, query: Query, chunk: int = 500) -> Iterator[Case]:
    """Complaints matching `query`, the most pressing (nearest pending deadline) first,
    read a chunk at a time so that memory stays flat however many match."""
    where, params = _where(query)
    sql = """
        SELECT c.*, (SELECT MIN(d.due_at) FROM deadlines d
                     WHERE d.complaint_id = c.id AND d.done_at IS NULL
                       AND d.due_at IS NOT NULL) AS next_due
        FROM complaints c"""
    if where:
        sql += " WHERE " + where
    sql += " ORDER BY next_due IS NULL, next_due, c.received_at DESC, c.id DESC"
    if query.limit is not None:
        sql += " LIMIT ?"
        params.append(query.limit)
    cursor = conn.execute(sql, params)
    while rows := cursor.fetchmany(chunk):
        yield from _cases(conn, rows)


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def breach_changes(milestone: str, escalated_at: datetime | None) -> str:
    changes: dict[str, list[Any]] = {f"deadlines.{milestone}.state": ["pending", "breached"]}
    if escalated_at is not None:
        changes["escalated_at"] = [None, to_utc_text(escalated_at)]
    return json.dumps(changes)


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
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
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
    events = []
    for complaint_id, milestone, due in sorted(noted, key=lambda r: (r[0], r[2])):
        first = complaint_id in escalated
        escalated.discard(complaint_id)  # the first breach of the case carries it
        events.append(
            (
                complaint_id,
                stamp,
                by,
                "breached",
                breach_changes(milestone, now if first else None),
                describe(milestone, from_utc_text(due), first),
            )
        )
    conn.executemany(
        "INSERT INTO events (complaint_id, at, by, action, changes, note) VALUES (?,?,?,?,?,?)",
        events,
    )
    return len(events)


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
