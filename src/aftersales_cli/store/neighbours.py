"""Neighbours: the other complaints that bear on one being logged — the same phone, the
same client, the same batch — each one look-up of its own index.

Named for what `log` asks of it (who else complained, and when); finding complaints by
what a user types is `search`'s.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from aftersales_cli.clock import from_utc_text, to_utc_text
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.fields import client_key, phone_key


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


class Caller(NamedTuple):
    """Who called from a phone last time: offered when the phone calls again."""

    id: int
    received_at: datetime
    customer: str
    org: str | None


def last_caller(conn: sqlite3.Connection, phone: str) -> Caller | None:
    """The newest complaint from this phone (by `phone_key`): one look-up of the index
    complaints_by_phone, its few rows sorted (the `+` keeps the planner from walking
    complaints_by_received instead, which on a fresh database it prefers)."""
    row = conn.execute(
        """SELECT id, received_at, customer, org FROM complaints WHERE phone_key = ?
           ORDER BY +received_at DESC, +id DESC LIMIT 1""",
        (phone_key(phone),),
    ).fetchone()
    return None if row is None else Caller(row[0], from_utc_text(row[1]), row[2], row[3])
