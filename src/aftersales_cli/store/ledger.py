"""The ledger of fines, staff fines and payments: the only SQL over it.

Entries are appended (a trigger refuses UPDATE and DELETE); a mistaken or superseded
entry is cancelled by a reversal that names it. Money is whole fen, times UTC text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import tzinfo
from decimal import Decimal
from typing import Any

from aftersales_cli.clock import from_utc_text, local_zone, to_utc_text
from aftersales_cli.errors import NotFound
from aftersales_cli.rules.ledger import Candidate, Entry
from aftersales_cli.rules.supply import client_range
from aftersales_cli.store.codec import fen, multiple, times, yuan
from aftersales_cli.store.db import Rows, rows_of_complaints

COLUMNS = (
    "complaint_id",
    "kind",
    "payment_kind",
    "amount_fen",
    "reason",
    "by",
    "at",
    "reverses",
    "event",
    "offence",
    "multiplier",
    "staff",
)


def _row(entry: Entry) -> dict[str, Any]:
    return {
        "complaint_id": entry.complaint_id,
        "kind": entry.kind,
        "payment_kind": entry.payment_kind,
        "amount_fen": fen(entry.amount),
        "reason": entry.reason,
        "by": entry.by,
        "at": to_utc_text(entry.at),
        "reverses": entry.reverses,
        "event": entry.event,
        "offence": entry.offence,
        "multiplier": times(entry.multiplier),
        "staff": entry.staff,
    }


def entry_of(row: Mapping[str, Any], zone: tzinfo | None = None) -> Entry:
    return Entry(
        id=row["id"],
        complaint_id=row["complaint_id"],
        kind=row["kind"],
        payment_kind=row["payment_kind"],
        amount=yuan(row["amount_fen"]) or Decimal(0),
        reason=row["reason"],
        by=row["by"],
        at=from_utc_text(row["at"], zone or local_zone()),
        reverses=row["reverses"],
        event=row["event"],
        offence=row["offence"],
        multiplier=multiple(row["multiplier"]),
        staff=row["staff"],
    )


def append(conn: sqlite3.Connection, entries: Iterable[Entry]) -> list[Entry]:
    """Store new entries; returns them with their ids."""
    stored = []
    marks = ", ".join(f":{c}" for c in COLUMNS)
    for entry in entries:
        cursor = conn.execute(
            f"INSERT INTO ledger ({', '.join(COLUMNS)}) VALUES ({marks})", _row(entry)
        )
        stored.append(Entry(**{**entry.__dict__, "id": cursor.lastrowid}))
    return stored


def restore(conn: sqlite3.Connection, entries: Sequence[Entry]) -> None:
    """Store one complaint's entries as exported: with their ids when free, else with new
    ids (a reversal still naming the entry it reverses)."""
    marks = ", ".join(f":{c}" for c in COLUMNS)
    wanted = [e.id for e in entries if e.id is not None]
    taken = (
        bool(wanted)
        and conn.execute(
            f"SELECT 1 FROM ledger WHERE id IN ({','.join('?' * len(wanted))}) LIMIT 1", wanted
        ).fetchone()
        is not None
    )
    if not taken:
        conn.executemany(
            f"INSERT INTO ledger (id, {', '.join(COLUMNS)}) VALUES (:id, {marks})",
            [stored_row(e) for e in entries],
        )
        return
    renamed: dict[int | None, int | None] = {None: None}
    for e in sorted(entries, key=lambda e: e.id or 0):
        row = {**_row(e), "reverses": renamed.get(e.reverses, e.reverses)}
        cursor = conn.execute(f"INSERT INTO ledger ({', '.join(COLUMNS)}) VALUES ({marks})", row)
        renamed[e.id] = cursor.lastrowid


def stored_row(entry: Entry) -> dict[str, Any]:
    """An exported entry as `restore_rows` stores it: with its id."""
    return {**_row(entry), "id": entry.id}


def restore_rows(conn: sqlite3.Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Store the entries of many complaints as exported (`stored_row`), each with its id:
    an IntegrityError when one is taken (then `restore` them one complaint at a time)."""
    marks = ", ".join(f":{c}" for c in COLUMNS)
    conn.executemany(f"INSERT INTO ledger (id, {', '.join(COLUMNS)}) VALUES (:id, {marks})", rows)


def of_case(conn: sqlite3.Connection, complaint_id: int) -> list[Entry]:
    zone = local_zone()
    return [
        entry_of(row, zone)
        for row in conn.execute(
            "SELECT * FROM ledger WHERE complaint_id = ? ORDER BY id", (complaint_id,)
        )
    ]


def of_cases(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[Entry]]:
    return of_rows(rows_of(conn, ids), ids, local_zone())


def rows_of(conn: sqlite3.Connection, ids: Sequence[int]) -> Rows:
    """The rows of the complaints `ids`, as read (`of_rows` reads them)."""
    return rows_of_complaints(conn, "ledger", ids, "id")


def of_rows(rows: Rows, ids: Sequence[int], zone: tzinfo) -> dict[int, list[Entry]]:
    """Each complaint's, from the rows (no database: this may run in a worker)."""
    found: dict[int, list[Entry]] = {i: [] for i in ids}
    for row in rows.dicts():
        found[row["complaint_id"]].append(entry_of(row, zone))
    return found


def get(conn: sqlite3.Connection, entry_id: int) -> Entry:
    row = conn.execute("SELECT * FROM ledger WHERE id = ?", (entry_id,)).fetchone()
    if row is None:
        raise NotFound(f"entry: no ledger entry {entry_id}")
    return entry_of(row)


def is_reversed(conn: sqlite3.Connection, entry_id: int) -> bool:
    row = conn.execute("SELECT 1 FROM ledger WHERE reverses = ?", (entry_id,)).fetchone()
    return row is not None


def of_client(conn: sqlite3.Connection, client: str) -> list[Entry]:
    """Every fine entry of a client's supply events."""
    low, high = client_range(client)
    zone = local_zone()
    return [
        entry_of(row, zone)
        for row in conn.execute(
            """SELECT * FROM ledger WHERE event IS NOT NULL AND event >= ? AND event < ?
               ORDER BY id""",
            (low, high),
        )
    ]


def candidates(
    conn: sqlite3.Connection, client: str, findings: Iterable[str], exclude: int | None
) -> list[Candidate]:
    """The client's cases whose finding fines their supply event (ours), but `exclude`."""
    low, high = client_range(client)
    wanted = sorted(findings)
    marks = ",".join("?" * len(wanted)) or "NULL"
    zone = local_zone()
    rows = conn.execute(
        f"""SELECT id, supply_event, closed_at, received_at, supply_value_fen FROM complaints
            WHERE supply_event IS NOT NULL AND finding IS NOT NULL AND ours = 1
              AND supply_event >= ? AND supply_event < ? AND finding IN ({marks})
              AND id IS NOT ? AND supply_value_fen IS NOT NULL""",
        (low, high, *wanted, exclude),
    ).fetchall()
    return [
        Candidate(
            complaint_id=r[0],
            event=r[1],
            closed_at=from_utc_text(r[2] or r[3], zone),
            supply_value=yuan(r[4]) or Decimal(0),
        )
        for r in rows
    ]


def count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM ledger").fetchone()[0])


def backfill(conn: sqlite3.Connection, by: str, note: str) -> None:
    """Ledger entries for what the complaint columns say was fined and paid (each
    complaint's fine, staff fine and amount paid — a payment of the remedy's kind, or
    compensation when the remedy is not one that is paid), and the supply event of each
    case a finding makes count. For migration 0005 and for a seeded database."""
    from datetime import date

    from aftersales_cli.rules.supply import event_key

    rows = conn.execute(
        """SELECT id, org, delivery_date, batch, product FROM complaints
           WHERE finding IS NOT NULL AND ours = 1 AND org IS NOT NULL
             AND delivery_date IS NOT NULL"""
    ).fetchall()
    keyed = []
    for complaint_id, org, day, batch, product in rows:
        key = event_key(org, date.fromisoformat(day), batch, product)
        if key is not None:
            keyed.append((key, complaint_id))
    conn.executemany("UPDATE complaints SET supply_event = ? WHERE id = ?", keyed)
    stamp = "COALESCE(closed_at, received_at)"
    params = {"by": by, "note": note}
    conn.execute(
        f"""INSERT INTO ledger (complaint_id, kind, amount_fen, reason, by, at, event, offence,
                                multiplier)
            SELECT id, 'fine', penalty_fen, :note, :by, {stamp}, supply_event,
                   penalty_offence, penalty_multiplier
            FROM complaints WHERE penalty_fen IS NOT NULL ORDER BY id""",
        params,
    )
    conn.execute(
        f"""INSERT INTO ledger (complaint_id, kind, amount_fen, reason, by, at, staff)
            SELECT id, 'staff_fine', staff_fine_fen, :note, :by, {stamp}, staff
            FROM complaints WHERE staff_fine_fen IS NOT NULL ORDER BY id""",
        params,
    )
    conn.execute(
        f"""INSERT INTO ledger (complaint_id, kind, payment_kind, amount_fen, reason, by, at)
            SELECT id, 'payment',
                   CASE WHEN remedy IN ('refund', 'compensation', 'medical_costs', 'coupon')
                        THEN remedy ELSE 'compensation' END,
                   amount_fen, :note, :by, {stamp}
            FROM complaints WHERE amount_fen IS NOT NULL AND amount_fen != 0 ORDER BY id""",
        params,
    )
