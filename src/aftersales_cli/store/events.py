"""A complaint's history — the events table: the only SQL over it.

Named, like `complaints` and `ledger`, for the table it keeps. Every change to a
complaint appends an event with what changed (old → new) in the same transaction;
`append_all` is the one INSERT that writes them (a logged or updated complaint, a
restored history, the breaches `overdue` notes), and `bulk` loads the same columns.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, NamedTuple

from aftersales_cli.clock import from_utc_text, local_zone, to_utc_text
from aftersales_cli.rules.case import Case
from aftersales_cli.store import fulltext
from aftersales_cli.store.codec import UNREADABLE, Unreadable, stored_json
from aftersales_cli.store.db import Rows, rows_of_complaints

COLUMNS: tuple[str, ...] = ("complaint_id", "at", "by", "action", "changes", "note")
_INSERT = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))})"

# An event as stored: the values of `COLUMNS` (time as UTC text, changes as JSON).
Row = tuple[int, str, str, str, str, str | None]


class Event(NamedTuple):
    id: int
    at: datetime
    by: str
    action: str
    changes: dict[str, list[Any]]
    note: str | None


def append_all(conn: sqlite3.Connection, rows: Iterable[Row]) -> None:
    """Append events, each already in its stored form, and index their notes."""
    for row in rows:
        cursor = conn.execute(_INSERT, row)
        if row[5]:
            assert cursor.lastrowid is not None
            fulltext.add_note(conn, cursor.lastrowid, row[5])


def append(
    conn: sqlite3.Connection,
    complaint_id: int,
    at: datetime,
    by: str,
    action: str,
    changes_json: str,
    note: str | None = None,
) -> None:
    append_all(conn, [(complaint_id, to_utc_text(at), by, action, changes_json, note)])


def restore(conn: sqlite3.Connection, complaint_id: int, history: Sequence[Event]) -> None:
    """Append a history as exported (new ids, the same order)."""
    append_all(conn, stored_rows(complaint_id, history))


def stored_rows(complaint_id: int, history: Iterable[Event]) -> Iterator[Row]:
    """A history as exported, in its stored form (`Row`)."""
    for e in history:
        yield (complaint_id, to_utc_text(e.at), e.by, e.action, _changes(e.changes), e.note)


def _encoder() -> Callable[[Any], str]:
    """`json.dumps(value, ensure_ascii=False)`, the same text, with the standard library's
    C encoder made once rather than at every call: a history entry's changes are a small
    object, and making the encoder was half of each call (840,000 calls per 100,000
    restored complaints: 1.3 → 0.65 µs each). Python's own encoder where the C one is
    missing or is made differently."""
    plain = json.JSONEncoder(ensure_ascii=False)
    try:
        made = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
            None, plain.default, json.encoder.encode_basestring, None, ": ", ", ",
            False, False, True,
        )  # fmt: skip
    except TypeError:  # (None where the C module is missing; another signature)
        return plain.encode
    return lambda value: "".join(made(value, 0))


_changes = _encoder()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def changes_json(
    before: Case | None, after: Case, said: Mapping[str, tuple[Any, Any]] | None = None
) -> str:
    """What changed from `before` (None: nothing, a new case) to `after`, as stored;
    `said`: what the entry records besides (a note's `note.kind`), first."""
    from aftersales_cli.rules.lifecycle import changes  # what writes need, not reads

    diff = {**(said or {}), **changes(before, after)}
    return json.dumps(
        {key: [_encode(old), _encode(new)] for key, (old, new) in diff.items()},
        ensure_ascii=False,
    )


def breach_changes(milestone: str, escalated_at: datetime | None) -> str:
    changes: dict[str, list[Any]] = {f"deadlines.{milestone}.state": ["pending", "breached"]}
    if escalated_at is not None:
        changes["escalated_at"] = [None, to_utc_text(escalated_at)]
    return json.dumps(changes)


# The columns of a history entry as its readers read them, by position (`event_of`).
READ_COLUMNS = ("id", *COLUMNS)


def event_of(row: Sequence[Any], zone: tzinfo) -> Event:
    """A history entry from its row's values in the order of `READ_COLUMNS`."""
    try:
        changes = stored_json(row[5])
        if not isinstance(changes, dict):
            raise ValueError("its changes are not an object")
        return Event(row[0], from_utc_text(row[2], zone), row[3], row[4], changes, row[6])
    except (*UNREADABLE, RecursionError) as exc:
        raise Unreadable(row[1], f"history entry {row[0]}", exc) from None


def of_case(conn: sqlite3.Connection, complaint_id: int) -> list[Event]:
    zone = local_zone()
    return [
        event_of(row, zone)
        for row in conn.execute(
            f"SELECT {', '.join(READ_COLUMNS)} FROM events WHERE complaint_id = ? ORDER BY id",
            (complaint_id,),
        )
    ]


def opened_at(conn: sqlite3.Connection, complaint_id: int) -> datetime | None:
    """When the complaint's first history entry was recorded (it was logged or imported)."""
    row = conn.execute(
        "SELECT at FROM events WHERE complaint_id = ? ORDER BY id LIMIT 1", (complaint_id,)
    ).fetchone()
    return None if row is None else from_utc_text(row["at"], local_zone())


def of_cases(
    conn: sqlite3.Connection, ids: Sequence[int], zone: tzinfo
) -> tuple[dict[int, list[Event]], dict[int, Unreadable]]:
    """The history of each complaint, and the first entry that cannot be read of each
    complaint that holds one."""
    return histories_of(event_rows(conn, ids), ids, zone)


def event_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> Rows:
    """The history rows of the complaints `ids`, as read (`histories_of` reads them):
    each complaint's in id order, read along the index (ordered by id alone, SQLite sorts
    them first: half the time of an export's reading at 10k, measured)."""
    return rows_of_complaints(conn, "events", ids, "complaint_id, id", READ_COLUMNS)


def histories_of(
    rows: Rows, ids: Sequence[int], zone: tzinfo
) -> tuple[dict[int, list[Event]], dict[int, Unreadable]]:
    """`of_cases` from the rows (no database: this may run in a worker)."""
    history: dict[int, list[Event]] = {i: [] for i in ids}
    broken: dict[int, Unreadable] = {}
    for row in rows.values:  # in the order of READ_COLUMNS
        try:
            history[row[1]].append(event_of(row, zone))
        except Unreadable as exc:
            broken.setdefault(exc.complaint_id, exc)
    return history, broken
