"""Bulk loading: many complaints in one transaction, rows already in their stored form.

For seeding benchmark databases (and any large load): rows are tuples in the column
order `codec.COLUMNS` declares (the columns `codec.to_row` writes, with the id and the
repeat figures), inserted with `executemany`, so a million complaints take seconds, not
hours.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from aftersales_cli.store import fulltext
from aftersales_cli.store.codec import COLUMNS, DEADLINE_COLUMNS
from aftersales_cli.store.events import COLUMNS as EVENT_COLUMNS


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def load(
    conn: sqlite3.Connection,
    complaints: Iterable[tuple[Any, ...]],
    deadlines: Iterable[tuple[Any, ...]],
    events: Iterable[tuple[Any, ...]],
    *,
    complaint_columns: tuple[str, ...] = COLUMNS,
    deadline_columns: tuple[str, ...] = DEADLINE_COLUMNS,
    documents: Sequence[tuple[int, str]] | None = None,
) -> None:
    """Insert the rows and index their texts (`fulltext`); the caller holds the
    transaction (all of it, or none). Rows may give fewer columns (those left out take
    their defaults, mostly NULL) — binding values is most of the cost of a bulk load.
    The complaints are given with their ids. `documents`: each complaint's entry in the
    text index, (id, `fulltext.case_terms` of its texts), when the caller made them (the
    seed makes them in its second process); else they are made here."""
    for given, known in (
        (complaint_columns, COLUMNS),
        (deadline_columns, DEADLINE_COLUMNS),
    ):
        unknown = set(given) - set(known)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}")
    at = complaint_columns.index("id")
    complaints = list(complaints)
    conn.executemany(_insert("complaints", complaint_columns), complaints)
    conn.executemany(_insert("deadlines", deadline_columns), deadlines)
    [(events_before,)] = conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchall()
    conn.executemany(_insert("events", EVENT_COLUMNS), events)
    if documents is None:
        fulltext.add_cases(conn, [row[at] for row in complaints])
    else:
        fulltext.add_documents(conn, documents)
    fulltext.add_notes_after(conn, events_before)


# The tables whose secondary indexes a bulk load drops and builds again.
BULK_TABLES = ("complaints", "deadlines", "events", "survey_responses", "survey_scores")


class Indexes:
    """The secondary indexes of `BULK_TABLES`, dropped inside a loading transaction and
    built again from their own definitions (the same schema) once the rows are in —
    building an index once over the data is far cheaper than growing it a row at a time.
    `build` then merges the text index's segments into one and refreshes the query
    planner's statistics, as a database grown by the tool would have them."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        marks = ", ".join("?" * len(BULK_TABLES))
        self.dropped: list[str] = []
        for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            BULK_TABLES,
        ).fetchall():
            conn.execute(f'DROP INDEX "{name}"')
            self.dropped.append(sql)

    def build(self) -> None:
        """Build them again (once: a second call does nothing)."""
        dropped, self.dropped = self.dropped, []
        if not dropped:
            return
        for sql in dropped:
            self.conn.execute(sql)
        fulltext.optimize(self.conn)
        self.conn.execute("PRAGMA analysis_limit = 1000")
        self.conn.execute("ANALYZE")


@contextmanager
def indexes_rebuilt(conn: sqlite3.Connection) -> Iterator[None]:
    """Inside the loading transaction: `Indexes` dropped, the load, and built again."""
    indexes = Indexes(conn)
    yield
    indexes.build()
