"""The queries `aftersales check` asks of a database: SQLite's own checks, and whether
what the tool keeps beside each complaint (its deadline rows, its report figures, its
ledger, its text index) still agrees with the complaint."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from aftersales_cli.rules.taxonomy import MILESTONE_KEYS
from aftersales_cli.store.codec import columns
from aftersales_cli.store.complaints import GAPS, previous_gap
from aftersales_cli.store.db import in_chunks
from aftersales_cli.store.fulltext import CASE_FIELDS, case_texts, token_count

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


def _varint(blob: bytes) -> int:
    """The first varint of an FTS5 size record (SQLite's varint format)."""
    value = 0
    for i, byte in enumerate(blob[:9]):
        if i == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            break
    return value


def search_index_disagrees(
    conn: sqlite3.Connection, chunk: int = 5000
) -> Iterator[tuple[int, str]]:
    """Complaints whose entries in the text index (`fulltext`) do not agree with their
    texts: missing, or holding another number of tokens than the texts give — the count
    FTS5 keeps beside each entry, in its `_docsize` table. (A text changed by hand to
    another of the same length is not seen.) Yields (complaint id, what)."""
    last = 0
    while rows := conn.execute(
        f"""SELECT c.id, {", ".join("c." + f for f in CASE_FIELDS)}, d.sz
            FROM complaints c LEFT JOIN search_cases_docsize d ON d.id = c.id
            WHERE c.id > ? ORDER BY c.id LIMIT {int(chunk)}""",
        (last,),
    ).fetchall():
        for complaint_id, *texts, size in rows:
            if size is None:
                yield int(complaint_id), "its search index entry is missing"
            elif _varint(size) != token_count(*case_texts(*texts)):
                yield int(complaint_id), "its search index entry disagrees with its texts"
        last = rows[-1][0]
    for (complaint_id,) in conn.execute(
        "SELECT id FROM search_cases_docsize WHERE id NOT IN (SELECT id FROM complaints)"
    ):
        yield int(complaint_id), "is in the search index but not in the database"
    for event_id, complaint_id, note, size in conn.execute(
        """SELECT e.id, e.complaint_id, e.note, d.sz
           FROM events e LEFT JOIN search_notes_docsize d ON d.id = e.id
           WHERE e.note IS NOT NULL"""
    ):
        if (0 if size is None else _varint(size)) != token_count(note):
            yield int(complaint_id), f"the search index entry of history entry {event_id} disagrees"


def registry_problems(conn: sqlite3.Connection) -> list[str]:
    """What is wrong with the client registry: a key that is both a live client's name and
    an alias (intake would not know whose it is), an alias of a merged client (its names
    went to the client it was merged into), a merged client pointing at a client that is
    itself merged (a chain, or a circle)."""
    found = [
        f"client {row[0]} ({row[1]}): its name is also an alias of client {row[2]}"
        for row in conn.execute(
            """SELECT c.id, c.name, a.client_id FROM clients c
               JOIN client_aliases a ON a.key = c.key
               WHERE c.merged_into IS NULL ORDER BY c.id"""
        )
    ]
    found += [
        f"client {row[0]} ({row[1]}) was merged into client {row[2]} but keeps the alias {row[3]}"
        for row in conn.execute(
            """SELECT c.id, c.name, c.merged_into, a.alias FROM client_aliases a
               JOIN clients c ON c.id = a.client_id
               WHERE c.merged_into IS NOT NULL ORDER BY c.id, a.rowid"""
        )
    ]
    found += [
        f"client {row[0]} ({row[1]}) is merged into client {row[2]}, itself merged into "
        f"client {row[3]} (a chain{' that comes back to it' if row[4] else ''})"
        for row in conn.execute(
            """SELECT c.id, c.name, c.merged_into, t.merged_into,
                      EXISTS (WITH RECURSIVE hop(id, n) AS (
                                SELECT c.merged_into, 1
                                UNION SELECT x.merged_into, hop.n + 1 FROM clients x
                                JOIN hop ON x.id = hop.id
                                WHERE x.merged_into IS NOT NULL AND hop.n < 1000)
                              SELECT 1 FROM hop WHERE id = c.id)
               FROM clients c JOIN clients t ON t.id = c.merged_into
               WHERE t.merged_into IS NOT NULL ORDER BY c.id"""
        )
    ]
    return found


def survey_totals_disagree(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    """Survey responses whose kept sum and count of scores are not their scores':
    (response id, what it keeps and what its scores give)."""
    return [
        (
            int(row[0]),
            f"keeps {row[1]} over {row[2]} score(s), its scores give {row[3]} over {row[4]}",
        )
        for row in conn.execute(
            """SELECT r.id, r.score_total, r.score_count,
                      COALESCE(SUM(s.score), 0), COUNT(s.score)
               FROM survey_responses r LEFT JOIN survey_scores s ON s.response_id = r.id
               GROUP BY r.id
               HAVING r.score_total != COALESCE(SUM(s.score), 0)
                   OR r.score_count != COUNT(s.score)
               ORDER BY r.id"""
        )
    ]
