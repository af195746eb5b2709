"""Bulk loading: many complaints in one transaction, rows already in their stored form.

For seeding benchmark databases (and any large load): rows are tuples in the column
order `codec.COLUMNS` declares (the columns `codec.to_row` writes, with the id and the
repeat figures), inserted with `executemany`, so a million complaints take seconds, not
hours. For `import`: exported complaints made `Stored` (a pure conversion, which may run
in another process) and written a batch at a time by `restore`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from typing import Any, NamedTuple

from aftersales_cli.rules.actions import Action
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.ledger import Entry
from aftersales_cli.store import actions, events, fulltext, ledger
from aftersales_cli.store.codec import COLUMNS, DEADLINE_COLUMNS, REPEATS, deadline_row, to_row
from aftersales_cli.store.events import COLUMNS as EVENT_COLUMNS


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


# A row without its NULLs: which of its table's columns it gives (byte i: the i-th, 1 or
# 0), then their values — one tuple. Binding a None costs Python's sqlite3 more than
# binding a text (it looks for an adapter first), and an exported complaint is about half
# NULLs: a batch written a statement per shape of row, the NULL columns left to their
# default, takes a fifth less time (10k exported complaints: 0.61 → 0.47 s for
# complaints, deadlines, history). (A pair of shape and values instead doubled the
# objects a batch sends the writing process, and its pickling's page faults.)
Shaped = tuple[Any, ...]


def shaped(values: tuple[Any, ...]) -> Shaped:
    """`values` as a `Shaped` row (its shape one object for all rows of that shape: a
    batch sent to the writing process names it once)."""
    given = [value is not None for value in values]
    shape = bytes(given)
    if len(_SHAPES) < _SHAPES_KEPT:
        shape = _SHAPES.setdefault(shape, shape)
    return (shape, *compress(values, given))


# The shapes made one object each, and the statements kept: a file could hold a new shape
# in every row, and neither may grow with it (exported rows have a few dozen).
_SHAPES_KEPT = 1024
_SHAPES: dict[bytes, bytes] = {}


@lru_cache(maxsize=_SHAPES_KEPT)
def _insert_shaped(table: str, columns: tuple[str, ...], shape: bytes) -> str:
    return _insert(table, tuple(compress(columns, shape)))


def insert_shaped(
    conn: sqlite3.Connection, table: str, columns: tuple[str, ...], rows: Iterable[Shaped]
) -> None:
    """Insert `Shaped` rows of `columns`: an `executemany` per shape."""
    by_shape: dict[bytes, list[tuple[Any, ...]]] = {}
    for row in rows:
        same = by_shape.get(row[0])
        if same is None:
            by_shape[row[0]] = same = []
        same.append(row[1:])
    for shape, same in by_shape.items():
        conn.executemany(_insert_shaped(table, columns, shape), same)


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


# The columns of a restored complaint's row: those `codec.to_row` writes, then its id
# (its repeat figures come after, from the rows around it).
RESTORED = (*(c for c in COLUMNS if c not in ("id", *REPEATS)), "id")
_RESTORED_OF = itemgetter(*RESTORED)
_DEADLINE_OF = itemgetter(*DEADLINE_COLUMNS)


class Stored(NamedTuple):
    """An exported complaint in its stored form: its row (of `RESTORED`, `Shaped`), its
    text index document, its deadline rows (of `DEADLINE_COLUMNS`, `Shaped`), its history (`Row`s)
    with the text index document of each note (by the entry's place in it), and its
    ledger entries and corrective actions, each with its id."""

    complaint: Shaped
    document: str
    deadlines: list[Shaped]
    history: list[events.Row]
    notes: list[tuple[int, str]]
    ledger: list[dict[str, Any]]
    actions: list[dict[str, Any]]

    @property
    def id(self) -> int:
        return int(self.complaint[-1])  # (the last of `RESTORED`, never NULL)


def stored(
    case: Case, history: Sequence[events.Event], entries: Sequence[Entry], taken: Sequence[Action]
) -> Stored:
    """An exported complaint, checked, as `restore` writes it (no database: pure)."""
    assert case.id is not None
    row = {**to_row(case), "id": case.id}
    notes = [(n, fulltext.terms(e.note)) for n, e in enumerate(history) if e.note]
    return Stored(
        shaped(_RESTORED_OF(row)),
        fulltext.case_terms(*(row[f] for f in fulltext.CASE_FIELDS)),
        [
            shaped(_DEADLINE_OF(kept))
            for kept in (deadline_row(case.id, m, d) for m, d in case.deadlines.items())
        ],
        list(events.stored_rows(case.id, history)),
        [(n, document) for n, document in notes if document],
        [ledger.stored_row(e) for e in entries],
        [actions.stored_row(a) for a in taken],
    )


def restore(conn: sqlite3.Connection, batch: Sequence[Stored]) -> None:
    """Write exported complaints, a statement per table; the caller holds the
    transaction, and keeps the repeat figures (`complaints.refresh_repeats_of`) once all
    are in. An IntegrityError when an id is taken (a complaint's, an entry's, an
    action's): then write them one at a time (`complaints.restore`), which says which."""
    if not batch:
        return
    insert_shaped(conn, "complaints", RESTORED, [s.complaint for s in batch])
    fulltext.add_documents(conn, [(s.id, s.document) for s in batch])
    insert_shaped(conn, "deadlines", DEADLINE_COLUMNS, [row for s in batch for row in s.deadlines])
    # The history entries take the ids after the last, in order — as SQLite numbers new
    # rows (one more than the largest id) — and the notes' documents name them.
    [(last,)] = conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchall()
    notes: list[tuple[int, str]] = []
    first = last + 1
    for s in batch:
        notes += [(first + n, document) for n, document in s.notes]
        first += len(s.history)
    conn.executemany(_insert("events", EVENT_COLUMNS), [row for s in batch for row in s.history])
    fulltext.add_notes(conn, notes)
    ledger.restore_rows(conn, [row for s in batch for row in s.ledger])
    actions.restore_rows(conn, [row for s in batch for row in s.actions])


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
