"""The text index that `list --text` reads: two FTS5 tables of character bigrams, kept by
every write of a searchable text in the same transaction (the only SQL over them).

FTS5's trigram tokenizer cannot find a two-character query — and two characters are the
common Chinese search (馊味, 腹泻, 头发). So each text is indexed as its overlapping
bigrams, one token per two-character window, each written as the UTF-8 hex of the two
characters (ASCII letters lowered first, as SQLite's `lower()` and `LIKE` fold them): the
`unicode61` tokenizer then sees one plain token per window, whatever the characters are —
CJK, Latin, digits, punctuation, emoji. A query of n ≥ 2 characters is the phrase of its
n−1 bigrams; a complaint holding the text holds that phrase, so the index finds every
match (and a few more, which `search` drops by checking the text itself).

`search_cases` holds one entry per complaint (rowid = its id): the bigrams of each of
`CASE_FIELDS`, field after field (a window never spans two fields). `search_notes` holds
one per history entry whose note has two characters or more (rowid = the event's id);
the history is append-only, so its entries are only ever added. Both are contentless
(the texts live in their own tables once).
"""

from __future__ import annotations

import functools
import operator
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# What `--text` looks in on the complaint itself (`phone_key`: the phone's digits, which
# a query written like a phone is matched against; the phone as typed is indexed only
# where it is not those digits already — `case_texts`).
CASE_FIELDS: tuple[str, ...] = (
    "description",
    "request",
    "customer",
    "org",
    "product",
    "batch",
    "order_no",
    "note",
    "phone",
    "phone_key",
)
# What the bulk statements call (`register`): `terms` of a note, `case_terms` of a row.
TERMS_FUNCTION = "aftersales_search_terms"
CASE_TERMS_FUNCTION = "aftersales_case_terms"


class _Halves(dict[str, str]):
    """Each character's half of a token: its UTF-8 in hex, an ASCII letter lowered first.
    Filled as characters are met (a few thousand distinct ones in a million complaints)."""

    def __missing__(self, char: str) -> str:
        folded = char.lower() if char.isascii() else char
        value = self[char] = folded.encode("utf-8", "surrogatepass").hex()
        return value


_HALVES = _Halves()


def bigrams(text: str | None) -> list[str]:
    """The tokens of one text: one per two-character window, in order."""
    if not text:
        return []
    halves = list(map(_HALVES.__getitem__, text))
    return list(map(operator.add, halves, halves[1:]))


def terms(*texts: str | None) -> str:
    """The document of some texts, as FTS5 is given it: their bigrams, text after text."""
    return " ".join(filter(None, map(_tokens, texts)))  # (a text's at a time: no empty ones)


def _tokens(text: str | None) -> str:
    if text is not None and len(text) <= _NAME_LIKE:
        return _kept_tokens(text)
    return _text_tokens(text)  # (a long text's: made, not kept)


def _text_tokens(text: str | None) -> str:
    return " ".join(bigrams(text))


# A complaint's short texts recur (its client, dish, customer): their tokens are kept,
# so that a bulk load makes them once (a worker of an import: 3 % fewer instructions);
# only short ones, so that what is kept stays small (4,096 of at most 40 characters).
_NAME_LIKE = 40
_kept_tokens = functools.lru_cache(maxsize=4096)(_text_tokens)


def phrase(text: str) -> str:
    """The FTS5 query that finds `text` (two characters or more): its bigrams, a phrase."""
    return '"' + terms(text) + '"'


def case_texts(*values: str | None) -> tuple[str | None, ...]:
    """The texts of a complaint that are indexed, from the values of `CASE_FIELDS`: all
    of them, but the phone as typed when it is its digits (`phone_key`) already — indexed
    once, a phone's digits make the index of a digit query half as long to read."""
    *texts, phone, key = values
    return (*texts, None if phone == key else phone, key)


def case_terms(*values: str | None) -> str:
    """The document of a complaint, from the values of `CASE_FIELDS`."""
    return terms(*case_texts(*values))


def token_count(*texts: str | None) -> int:
    """How many tokens `terms(*texts)` holds."""
    return sum(max(len(text) - 1, 0) for text in texts if text)


def register(conn: sqlite3.Connection) -> None:
    """`terms` and `case_terms` in SQL, for the statements that index many rows at once
    (the migration that builds the index, a bulk load) — once per connection: SQLite
    refuses to define a function again while a statement is under way."""
    try:
        nulls = ", ".join(["NULL"] * len(CASE_FIELDS))
        conn.execute(f"SELECT {CASE_TERMS_FUNCTION}({nulls}), {TERMS_FUNCTION}(NULL)").fetchall()
        return  # defined already
    except sqlite3.OperationalError:
        pass
    conn.create_function(TERMS_FUNCTION, -1, terms, deterministic=True)
    conn.create_function(CASE_TERMS_FUNCTION, len(CASE_FIELDS), case_terms, deterministic=True)


# -- keeping the index: every write of a searchable text calls one of these --------------


def add_case(conn: sqlite3.Connection, complaint_id: int, row: Mapping[str, Any]) -> None:
    """Index a new complaint (`row`: its stored columns)."""
    conn.execute(
        "INSERT INTO search_cases (rowid, terms) VALUES (?, ?)",
        (complaint_id, case_terms(*(row.get(f) for f in CASE_FIELDS))),
    )


def replace_case(conn: sqlite3.Connection, complaint_id: int, changed: Mapping[str, Any]) -> None:
    """Re-index a complaint about to be written with the `changed` columns (called before
    the UPDATE). A contentless table forgets an entry by being told what it held: the
    texts as stored now."""
    if not any(f in changed for f in CASE_FIELDS):
        return
    row = conn.execute(
        f"SELECT {', '.join(CASE_FIELDS)} FROM complaints WHERE id = ?", (complaint_id,)
    ).fetchone()
    if row is None:
        return
    old = dict(zip(CASE_FIELDS, row, strict=True))
    conn.execute(
        "INSERT INTO search_cases (search_cases, rowid, terms) VALUES ('delete', ?, ?)",
        (complaint_id, case_terms(*old.values())),
    )
    add_case(conn, complaint_id, {**old, **changed})


def add_note(conn: sqlite3.Connection, event_id: int, note: str | None) -> None:
    """Index a new history entry's note (nothing for a note under two characters)."""
    document = terms(note)
    if document:
        conn.execute("INSERT INTO search_notes (rowid, terms) VALUES (?, ?)", (event_id, document))


def add_cases(conn: sqlite3.Connection, complaint_ids: Sequence[int]) -> None:
    """Index complaints a bulk load inserted, reading their texts back."""
    register(conn)
    conn.executemany(
        f"""INSERT INTO search_cases (rowid, terms)
            SELECT id, {CASE_TERMS_FUNCTION}({", ".join(CASE_FIELDS)}) FROM complaints
            WHERE id = ?""",
        ((i,) for i in complaint_ids),
    )


def refile_cases(conn: sqlite3.Connection, chosen: str, org: str) -> None:
    """Re-index the complaints the query `chosen` selects (their ids) as filed under
    `org`, before a set-based UPDATE of their org: each told what it held, as stored now,
    and given its texts with the new org — each text's tokens made once."""
    at = CASE_FIELDS.index("org")
    rows = conn.execute(
        f"SELECT id, {', '.join(CASE_FIELDS)} FROM complaints WHERE id IN ({chosen})"
    ).fetchall()
    forget, add = [], []
    for complaint_id, *values in rows:
        parts = [" ".join(bigrams(text)) for text in case_texts(*values)]
        forget.append((complaint_id, " ".join(p for p in parts if p)))
        parts[at] = " ".join(bigrams(org))
        add.append((complaint_id, " ".join(p for p in parts if p)))
    conn.executemany(
        "INSERT INTO search_cases (search_cases, rowid, terms) VALUES ('delete', ?, ?)", forget
    )
    conn.executemany("INSERT INTO search_cases (rowid, terms) VALUES (?, ?)", add)


def add_documents(conn: sqlite3.Connection, documents: Iterable[tuple[int, str]]) -> None:
    """Index complaints a bulk load inserted, given as (id, `case_terms` of its texts)."""
    conn.executemany("INSERT INTO search_cases (rowid, terms) VALUES (?, ?)", documents)


def add_notes(conn: sqlite3.Connection, documents: Iterable[tuple[int, str]]) -> None:
    """Index history entries a bulk load inserted, given as (id, `terms` of its note)."""
    conn.executemany("INSERT INTO search_notes (rowid, terms) VALUES (?, ?)", documents)


def add_notes_after(conn: sqlite3.Connection, event_id: int) -> None:
    """Index the notes of the history entries a bulk load inserted: those after
    `event_id`."""
    register(conn)
    conn.execute(
        f"""INSERT INTO search_notes (rowid, terms)
            SELECT id, {TERMS_FUNCTION}(note) FROM events
            WHERE id > ? AND note IS NOT NULL AND length(note) >= 2""",
        (event_id,),
    )


def rebuild(conn: sqlite3.Connection) -> None:
    """Index every complaint and note afresh (migration 0008 builds the index with it)."""
    register(conn)
    for table in ("search_cases", "search_notes"):
        conn.execute(f"INSERT INTO {table} ({table}) VALUES ('delete-all')")
    conn.execute(
        f"""INSERT INTO search_cases (rowid, terms)
            SELECT id, {CASE_TERMS_FUNCTION}({", ".join(CASE_FIELDS)}) FROM complaints"""
    )
    conn.execute(
        f"""INSERT INTO search_notes (rowid, terms)
            SELECT id, {TERMS_FUNCTION}(note) FROM events
            WHERE note IS NOT NULL AND length(note) >= 2"""
    )
    optimize(conn)


def optimize(conn: sqlite3.Connection) -> None:
    """Merge each table's index into one b-tree (after a large load: fewer pages a query
    reads)."""
    for table in ("search_cases", "search_notes"):
        conn.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")


# -- reading it -------------------------------------------------------------------------


HITS = "temp.search_hits"  # what `collect` found, for the query that reads the cases


def collect(conn: sqlite3.Connection, match: str) -> int:
    """Put in `HITS` (a table of the connection's own, never in the database file) the
    ids of the complaints whose texts or notes may hold what the FTS5 query `match`
    finds — every complaint that does, and a few more, to be checked against the texts —
    and say how many. The index is read once; the query after it both counts them and
    reads the cases."""
    conn.execute(f"CREATE TABLE IF NOT EXISTS {HITS} (id INTEGER PRIMARY KEY)")
    conn.execute(f"DELETE FROM {HITS}")
    conn.execute(
        f"""INSERT OR IGNORE INTO {HITS}
            SELECT rowid FROM search_cases WHERE search_cases MATCH :match
            UNION ALL
            SELECT e.complaint_id FROM search_notes n JOIN events e ON e.id = n.rowid
            WHERE search_notes MATCH :match""",
        {"match": match},
    )
    return int(conn.execute(f"SELECT COUNT(*) FROM {HITS}").fetchone()[0])
