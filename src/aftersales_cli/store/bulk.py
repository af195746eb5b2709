"""Bulk loading: many complaints in one transaction, rows already in their stored form.

For seeding benchmark databases (and any large load): rows are tuples in the column
order below — the same columns `complaints.to_row` writes — inserted with `executemany`,
so a million complaints take seconds, not hours.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

COMPLAINT_COLUMNS: tuple[str, ...] = (
    "id",
    "status",
    "received_at",
    "channel",
    "customer",
    "phone",
    "phone_key",
    "org",
    "order_no",
    "product",
    "batch",
    "delivery_date",
    "delivered_at",
    "quantity",
    "defective",
    "description",
    "request",
    "people",
    "ill",
    "injured",
    "category",
    "severity",
    "department",
    "assignee",
    "remedy",
    "remedies",
    "amount_fen",
    "cause",
    "ours",
    "finding",
    "note",
    "supply_value_fen",
    "price_fen",
    "loss_fen",
    "staff",
    "penalty_offence",
    "penalty_multiplier",
    "penalty_fen",
    "staff_fine_fen",
    "statutory_compensation_fen",
    "incident",
    "satisfaction",
    "revisit_method",
    "revisit_note",
    "closed_at",
    "reopened_at",
    "reopen_count",
    "escalated_at",
    "contact_minutes",
    "handling_minutes",
    "met_mask",
    "breached_mask",
    "same_gap_minutes",
    "supply_event",
    "org_key",
    "client_gap_minutes",
)
DEADLINE_COLUMNS: tuple[str, ...] = (
    "complaint_id",
    "milestone",
    "due_at",
    "done_at",
    "extended_from",
    "reason",
    "late",
    "breach_noted",
)
EVENT_COLUMNS: tuple[str, ...] = ("complaint_id", "at", "by", "action", "changes", "note")


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def load(
    conn: sqlite3.Connection,
    complaints: Iterable[tuple[Any, ...]],
    deadlines: Iterable[tuple[Any, ...]],
    events: Iterable[tuple[Any, ...]],
    *,
    complaint_columns: tuple[str, ...] = COMPLAINT_COLUMNS,
    deadline_columns: tuple[str, ...] = DEADLINE_COLUMNS,
) -> None:
    """Insert the rows; the caller holds the transaction (all of it, or none). Rows may
    give fewer columns (those left out take their defaults, mostly NULL) — binding values
    is most of the cost of a bulk load."""
    for given, known in (
        (complaint_columns, COMPLAINT_COLUMNS),
        (deadline_columns, DEADLINE_COLUMNS),
    ):
        unknown = set(given) - set(known)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}")
    conn.executemany(_insert("complaints", complaint_columns), complaints)
    conn.executemany(_insert("deadlines", deadline_columns), deadlines)
    conn.executemany(_insert("events", EVENT_COLUMNS), events)


@contextmanager
def indexes_rebuilt(conn: sqlite3.Connection) -> Iterator[None]:
    """Inside the loading transaction: drop the secondary indexes, load, and build them
    again from their own definitions (the same schema) — building an index once over
    sorted data is far cheaper than growing it a row at a time. Then refresh the query
    planner's statistics, as a database grown by the tool would have them."""
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('complaints', 'deadlines', 'events')"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("PRAGMA analysis_limit = 1000")
    conn.execute("ANALYZE")
