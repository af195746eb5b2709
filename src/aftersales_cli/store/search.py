"""Finding complaints: what `list` asks for (`Query`), read back a chunk at a time.

Named for its one job — the filters and their SQL — shared by `list` (`search`, the most
pressing first, or the newest first for a text) and by export and check (`iterate`, every
match with its history in id order). Reading one complaint by id is `complaints.get`.
A text of two characters or more is looked up in the text index (`fulltext`); one
character reads every complaint (`scans`).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, tzinfo
from typing import Any, NamedTuple

from aftersales_cli.clock import local_zone, to_utc_text
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.fields import phone_key
from aftersales_cli.store import events, fulltext
from aftersales_cli.store.codec import Unreadable, decode
from aftersales_cli.store.complaints import cases_of, deadline_rows, deadlines_of
from aftersales_cli.store.db import Rows, read_rows


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


def _in(column: str, values: Sequence[str], params: list[Any]) -> str:
    params.extend(values)
    return f"{column} IN ({','.join('?' * len(values))})"


_PHONE_LIKE = r"^\+?[0-9 ()\-]*[0-9][0-9 ()\-]*$"


def phone_digits(text: str) -> str | None:
    """The digits `--text` looks for among phones when it is written like (part of) a
    phone — `13900000070`, `139-0000-0070`, `+86 139…`, or the last digits alone."""
    cleaned = text.strip()
    return phone_key(cleaned) if re.match(_PHONE_LIKE, cleaned) else None


# What `--text` looks in, beside the notes of the history: the complaint's own texts
# (checked in this order, the short ones first: the first that holds the text decides).
TEXT_FIELDS = (
    "customer",
    "org",
    "product",
    "batch",
    "order_no",
    "phone",
    "description",
    "request",
    "note",
)


def scans(query: Query) -> bool:
    """Whether `query.text` is looked for by reading every complaint rather than through
    the text index, which holds pairs of characters: a text of one character (or a phone
    of one digit)."""
    return query.text is not None and query.text != "" and _match(query.text) is None


def _match(text: str) -> str | None:
    """The FTS5 query that finds every complaint holding `text` (and a few more): the
    phrase of its bigrams, or of its digits when it is written like a phone. None when
    the index cannot: a text of one character, a phone of one digit."""
    digits = phone_digits(text)
    if len(text) < 2 or (digits is not None and len(digits) < 2):
        return None
    found = fulltext.phrase(text)
    if digits and digits != text:
        found += f" OR {fulltext.phrase(digits)}"
    return found


# Reading the newest `limit` matches: a few candidates are read and sorted (about 3 µs
# each); against many it is cheaper to walk the complaints newest first (about 0.15 µs
# each) until `limit` of them match — about limit × complaints ÷ candidates of them. The
# walk wins once candidates² × WALK_RATIO > limit × complaints (measured at 1M).
WALK_RATIO = 20


def _walks(conn: sqlite3.Connection, query: Query, candidates: int) -> bool:
    """Whether the newest matches are best found by walking the complaints newest first."""
    if query.limit is None:
        return False
    complaints = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM complaints").fetchone()[0])
    return candidates * candidates * WALK_RATIO > query.limit * complaints


def _text_filter(query: Query, indexed: bool) -> tuple[str, list[Any]]:
    """SQL true for a complaint that holds `query.text` in one of its texts or notes —
    as a substring, ASCII letters in either case (as `LIKE` compares). `indexed`: only
    among the candidates the index found (`fulltext.collect`), each then checked."""
    text = query.text
    assert text
    checks: list[str] = []
    params: list[Any] = []
    digits = phone_digits(text)
    if digits:  # a phone, however typed: matched on the digits of every phone
        checks.append("instr(c.phone_key, ?)")
        params.append(digits)
    checks += [f"instr(lower(c.{field}), lower(?))" for field in TEXT_FIELDS]
    params += [text] * len(TEXT_FIELDS)
    checks.append(
        "EXISTS (SELECT 1 FROM events e WHERE e.complaint_id = c.id"
        " AND instr(lower(e.note), lower(?)))"
    )
    params.append(text)
    sql = "(" + " OR ".join(checks) + ")"
    return (f"c.id IN {fulltext.HITS} AND {sql}" if indexed else sql), params


def _where(query: Query, indexed: bool = False) -> tuple[str, list[Any]]:
    """The WHERE clause (without the keyword) and parameters of a query's filters
    (`indexed`: see `_text_filter`)."""
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
        sql, found = _text_filter(query, indexed)
        where.append(sql)
        params.extend(found)
    return " AND ".join(where), params


def search(conn: sqlite3.Connection, query: Query, chunk: int = 500) -> Iterator[Case]:
    """Complaints matching `query`, read a chunk at a time so that memory stays flat
    however many match: the most pressing (nearest pending deadline) first — or, looking
    for a text, the newest first."""
    if not query.text:
        yield from _most_pressing(conn, query, chunk)
        return
    match = _match(query.text)
    walk = ""
    if match is not None and _walks(conn, query, fulltext.collect(conn, match)):
        walk = " INDEXED BY complaints_by_received"
    where, params = _where(query, indexed=match is not None)
    sql = f"SELECT c.* FROM complaints c{walk} WHERE {where}"
    sql += " ORDER BY c.received_at DESC, c.id DESC"
    if query.limit is not None:
        sql += " LIMIT ?"
        params.append(query.limit)
    cursor = conn.execute(sql, params)
    while rows := cursor.fetchmany(chunk):
        yield from cases_of(conn, rows)


_PENDING = "{0}.done_at IS NULL AND {0}.due_at IS NOT NULL"


def _most_pressing(conn: sqlite3.Connection, query: Query, chunk: int) -> Iterator[Case]:
    """Complaints matching `query` by their nearest pending deadline, then (the newest
    first) those with none: the first read by walking the pending deadlines in time
    order, each complaint met at its first one — so that the 50 a terminal shows are read
    without sorting every open case."""
    where, params = _where(query)
    also = f" AND {where}" if where else ""
    first = f"""
        SELECT c.* FROM deadlines d INDEXED BY deadlines_pending
        JOIN complaints c ON c.id = d.complaint_id
        WHERE {_PENDING.format("d")} AND d.milestone = (
            SELECT x.milestone FROM deadlines x
            WHERE x.complaint_id = c.id AND {_PENDING.format("x")}
            ORDER BY x.due_at, x.milestone LIMIT 1){also}
        ORDER BY d.due_at, c.received_at DESC, c.id DESC"""
    rest = f"""
        SELECT c.* FROM complaints c
        WHERE NOT EXISTS (
            SELECT 1 FROM deadlines x WHERE x.complaint_id = c.id AND {_PENDING.format("x")}
        ){also}
        ORDER BY c.received_at DESC, c.id DESC"""
    left = query.limit
    for sql in (first, rest):
        if left is None:
            cursor = conn.execute(sql, params)
        elif left > 0:
            cursor = conn.execute(sql + " LIMIT ?", [*params, left])
        else:
            return
        while rows := cursor.fetchmany(chunk):
            if left is not None:
                left -= len(rows)
            yield from cases_of(conn, rows)


def count(conn: sqlite3.Connection, query: Query) -> int:
    """How many complaints `iterate` gives for `query` (for a progress bar)."""
    where, params = _where(query)
    sql = f"SELECT count(*) FROM complaints c {'WHERE ' + where if where else ''}"
    return int(conn.execute(sql, params).fetchone()[0])


def iterate(
    conn: sqlite3.Connection,
    query: Query,
    batch: int = 1000,
    *,
    unreadable: Callable[[Unreadable], None] | None = None,
) -> Iterator[tuple[Case, list[events.Event]]]:
    """Every complaint matching `query` with its history, in id order, a batch at a time
    (memory stays flat however large the database). A complaint that cannot be read back
    raises `Unreadable` — or, given `unreadable`, is handed to it and skipped."""
    zone = local_zone()
    for rows in batches(conn, query, batch):
        yield from decoded(rows, zone, unreadable=unreadable)


class Batch(NamedTuple):
    """A batch of complaints as read, with their deadline and history rows (`decoded`
    reads them: in a worker process too)."""

    complaints: Rows
    deadlines: Rows
    events: Rows

    @property
    def ids(self) -> list[int]:
        return _ids(self.complaints)


def _ids(complaints: Rows) -> list[int]:
    at = complaints.names.index("id")
    return [row[at] for row in complaints.values]


def batches(conn: sqlite3.Connection, query: Query, batch: int = 1000) -> Iterator[Batch]:
    """The complaints matching `query`, in id order, `batch` at a time, as read."""
    where, params = _where(query)
    last = 0
    while True:
        rows = read_rows(
            conn,
            f"SELECT c.* FROM complaints c WHERE c.id > ? {'AND ' + where if where else ''}"
            " ORDER BY c.id LIMIT ?",
            [last, *params, batch],
        )
        if not rows.values:
            return
        ids = _ids(rows)
        yield Batch(rows, deadline_rows(conn, ids), events.event_rows(conn, ids))
        last = ids[-1]


def decoded(
    rows: Batch, zone: tzinfo, *, unreadable: Callable[[Unreadable], None] | None = None
) -> Iterator[tuple[Case, list[events.Event]]]:
    """The cases of a batch with their histories (`iterate`; no database)."""
    ids = rows.ids
    deadlines = deadlines_of(rows.deadlines, ids, zone)
    history, broken = events.histories_of(rows.events, ids, zone)
    for row in rows.complaints.dicts():
        try:
            if row["id"] in broken:
                raise broken[row["id"]]
            case = decode(row, deadlines[row["id"]], zone)
        except Unreadable as exc:
            if unreadable is None:
                raise
            unreadable(exc)
            continue
        yield case, history[row["id"]]
