"""The queries `aftersales check` asks of a database: SQLite's own checks, and whether
what the tool keeps beside each complaint (its deadline rows, its report figures, its
ledger) still agrees with the complaint."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from aftersales_cli.rules.taxonomy import MILESTONE_KEYS
from aftersales_cli.store.codec import columns
from aftersales_cli.store.complaints import GAPS, previous_gap
from aftersales_cli.store.db import in_chunks

FIGURES = columns("figure")
KEYS = columns("key")  # how phones and clients are matched (migration 0006)


def integrity(conn: sqlite3.Connection, limit: int = 100) -> list[str]:
    """SQLite's integrity check: `["ok"]`, or what it found (at most `limit` lines)."""
    return [str(row[0]) for row in conn.execute(f"PRAGMA integrity_check({int(limit)})")]


def foreign_keys(conn: sqlite3.Connection) -> list[str]:
    """Rows that point at a complaint that does not exist."""
    return [
        f"{row[0]} row {row[1]} points at a missing {row[2]}"
        for row in conn.execute("PRAGMA foreign_key_check")
    ]


def missing_deadlines(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    """Complaints without a row for every milestone: (id, rows it has)."""
    return [
        (int(row[0]), int(row[1]))
        for row in conn.execute(
            """SELECT c.id, (SELECT COUNT(*) FROM deadlines d WHERE d.complaint_id = c.id) AS n
               FROM complaints c WHERE n != ? ORDER BY c.id""",
            (len(MILESTONE_KEYS),),
        )
    ]


def stale_repeats(conn: sqlite3.Connection, by: str = "phone_key") -> list[int]:
    """Complaints whose "minutes since the same phone's (by org_key: client's) previous
    complaint in the same category" is not what the complaints themselves say."""
    return [
        int(row[0])
        for row in conn.execute(
            f"""SELECT c.id FROM complaints c
               WHERE c.{GAPS[by]} IS NOT {previous_gap("c", by)}
               ORDER BY c.id"""
        )
    ]


def stored_figures(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The report figures kept on each complaint's row."""
    result: dict[int, dict[str, Any]] = {}
    for chunk, marks in in_chunks(ids):
        for row in conn.execute(
            f"SELECT id, {', '.join(FIGURES + KEYS)} FROM complaints WHERE id IN ({marks})",
            chunk,
        ):
            result[int(row[0])] = dict(zip(FIGURES + KEYS, row[1:], strict=True))
    return result


def ledger_disagrees(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    """Complaints whose fine or staff fine (kept on the row) is not the net of their
    ledger entries of that kind: (id, which)."""
    found: list[tuple[int, str]] = []
    for kind, column in (("fine", "penalty_fen"), ("staff_fine", "staff_fine_fen")):
        found.extend(
            (int(row[0]), kind)
            for row in conn.execute(
                f"""SELECT c.id FROM complaints c
                    WHERE (c.{column} IS NOT NULL
                           OR c.id IN (SELECT complaint_id FROM ledger WHERE kind = :kind))
                      AND COALESCE(c.{column}, 0) != (
                        SELECT COALESCE(SUM(l.amount_fen), 0) FROM ledger l
                        WHERE l.complaint_id = c.id AND l.kind = :kind)""",
                {"kind": kind},
            )
        )
    return sorted(found)


def bad_reversals(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    """Ledger reversals that do not cancel exactly one standing entry of their case:
    (entry id, why)."""
    found = [
        (int(row[0]), "reverses an entry that is missing, another case's or of another kind")
        for row in conn.execute(
            """SELECT r.id FROM ledger r LEFT JOIN ledger o ON o.id = r.reverses
               WHERE r.reverses IS NOT NULL
                 AND (o.id IS NULL OR o.complaint_id != r.complaint_id OR o.kind != r.kind
                      OR o.reverses IS NOT NULL)"""
        )
    ]
    found += [
        (int(row[0]), "is not the opposite of the entry it reverses")
        for row in conn.execute(
            """SELECT r.id FROM ledger r JOIN ledger o ON o.id = r.reverses
               WHERE r.amount_fen != -o.amount_fen"""
        )
    ]
    found += [
        (int(row[0]), "reverses an entry that was already reversed")
        for row in conn.execute(
            """SELECT MAX(id) FROM ledger WHERE reverses IS NOT NULL
               GROUP BY reverses HAVING COUNT(*) > 1"""
        )
    ]
    return sorted(found)
