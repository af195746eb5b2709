"""The client registry — tables clients, client_aliases and client_events: the only SQL
over them, and the queries of one client's profile (`client show`).

A key (rules.clients.key) is held by one client, as its name or as an alias; a merged
client keeps its row, points at the client it went into, and its names are that
client's aliases. Resolving what intake typed is `resolve`: one indexed lookup.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from aftersales_cli.clock import from_utc_text, local_zone, to_utc_text
from aftersales_cli.errors import NotFound
from aftersales_cli.rules.clients import Client
from aftersales_cli.rules.taxonomy import OPEN_STATUSES
from aftersales_cli.store.codec import stored_json

_COLUMNS = (
    "id, name, key, kind, since, key_account, contact, phone, registered_by, created_at, "
    "merged_into"
)


class Holder(NamedTuple):
    """Who holds a key: the client, and whether as its name or as an alias."""

    client_id: int
    name: str  # the client's name
    as_alias: bool


def _client(row: Sequence[Any], aliases: tuple[str, ...]) -> Client:
    return Client(
        row[0],
        row[1],
        row[2],
        row[3],
        date.fromisoformat(row[4]) if row[4] else None,
        bool(row[5]),
        row[6],
        row[7],
        row[8],
        from_utc_text(row[9]),
        row[10],
        aliases,
    )


def resolve(conn: sqlite3.Connection, key: str) -> tuple[int, str] | None:
    """The live client known by `key` (its name or an alias): id and name — one lookup of
    each unique index."""
    row = conn.execute(
        """SELECT id, name FROM clients WHERE key = ?1 AND merged_into IS NULL
           UNION ALL
           SELECT c.id, c.name FROM client_aliases a JOIN clients c ON c.id = a.client_id
           WHERE a.key = ?1
           LIMIT 1""",
        (key,),
    ).fetchone()
    return None if row is None else (row[0], row[1])


def holder(conn: sqlite3.Connection, key: str) -> Holder | None:
    """Who holds `key`, live or merged (a merged client's name is an alias of another)."""
    row = conn.execute(
        """SELECT c.id, c.name, 1 FROM client_aliases a JOIN clients c ON c.id = a.client_id
           WHERE a.key = ?1
           UNION ALL
           SELECT id, name, 0 FROM clients WHERE key = ?1
           LIMIT 1""",
        (key,),
    ).fetchone()
    return None if row is None else Holder(row[0], row[1], bool(row[2]))


def aliases(conn: sqlite3.Connection, client_id: int) -> tuple[str, ...]:
    return tuple(
        r[0]
        for r in conn.execute(
            "SELECT alias FROM client_aliases WHERE client_id = ? ORDER BY rowid", (client_id,)
        )
    )


def get(conn: sqlite3.Connection, client_id: int) -> Client:
    row = conn.execute(f"SELECT {_COLUMNS} FROM clients WHERE id = ?", (client_id,)).fetchone()
    if row is None:
        raise NotFound(f"client: no client {client_id}")
    return _client(row, aliases(conn, client_id))


def named(conn: sqlite3.Connection, key: str, field: str) -> Client:
    """The live client known by `key`, or a refusal naming `field`."""
    found = resolve(conn, key)
    if found is None:
        raise NotFound(f"{field}: no client is called that (client list shows them all)")
    return get(conn, found[0])


def known(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(key, client name) of every name and alias of the live clients — what a near miss
    is looked for among."""
    return [
        (r[0], r[1])
        for r in conn.execute(
            """SELECT key, name FROM clients WHERE merged_into IS NULL
               UNION ALL
               SELECT a.key, c.name FROM client_aliases a JOIN clients c ON c.id = a.client_id"""
        )
    ]


def keys(conn: sqlite3.Connection, client_id: int) -> list[str]:
    """Every key a client's complaints may be filed under: its name, its aliases (the
    names of the clients merged into it among them)."""
    return [
        r[0]
        for r in conn.execute(
            """SELECT key FROM clients WHERE id = ?1
               UNION SELECT key FROM client_aliases WHERE client_id = ?1""",
            (client_id,),
        )
    ]


def listing(conn: sqlite3.Connection) -> list[tuple[Client, int]]:
    """The live clients by name, each with the number of its complaints."""
    counts = dict(
        conn.execute(
            """SELECT org_key, COUNT(*) FROM complaints INDEXED BY complaints_by_client
               WHERE org_key IS NOT NULL GROUP BY org_key"""
        ).fetchall()
    )
    by_client: dict[int, list[str]] = {}
    for client_id, alias in conn.execute(
        "SELECT client_id, alias FROM client_aliases ORDER BY rowid"
    ):
        by_client.setdefault(client_id, []).append(alias)
    alias_keys: dict[int, list[str]] = {}
    for client_id, key in conn.execute("SELECT client_id, key FROM client_aliases"):
        alias_keys.setdefault(client_id, []).append(key)
    found = []
    for row in conn.execute(
        f"SELECT {_COLUMNS} FROM clients WHERE merged_into IS NULL ORDER BY name, id"
    ):
        client = _client(row, tuple(by_client.get(row[0], ())))
        filed = sum(counts.get(k, 0) for k in (client.key, *alias_keys.get(row[0], ())))
        found.append((client, filed))
    return found


def _event(
    conn: sqlite3.Connection,
    client_id: int,
    at: datetime,
    by: str,
    action: str,
    changes: dict[str, list[Any]],
    note: str | None,
) -> None:
    conn.execute(
        """INSERT INTO client_events (client_id, at, by, action, changes, note)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (client_id, to_utc_text(at), by, action, json.dumps(changes, ensure_ascii=False), note),
    )


def _values(client: Client) -> tuple[Any, ...]:
    return (
        client.name,
        client.key,
        client.kind,
        client.since.isoformat() if client.since else None,
        int(client.key_account),
        client.contact,
        client.phone,
        client.registered_by,
        to_utc_text(client.created_at),
    )


def insert(
    conn: sqlite3.Connection,
    client: Client,
    changes: dict[str, list[Any]],
    *,
    by: str,
    note: str | None,
) -> int:
    """A new client and its `register` history entry; its id."""
    cursor = conn.execute(
        """INSERT INTO clients (name, key, kind, since, key_account, contact, phone,
             registered_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        _values(client),
    )
    assert cursor.lastrowid is not None
    _event(conn, cursor.lastrowid, client.created_at, by, "register", changes, note)
    return cursor.lastrowid


def update(
    conn: sqlite3.Connection,
    client: Client,
    changes: dict[str, list[Any]],
    *,
    at: datetime,
    by: str,
    action: str,
    note: str | None,
) -> None:
    """A client's fields as `client` says, with the history entry naming what changed."""
    assert client.id is not None
    conn.execute(
        """UPDATE clients SET name = ?, key = ?, kind = ?, since = ?, key_account = ?,
             contact = ?, phone = ?, registered_by = ?, created_at = ? WHERE id = ?""",
        (*_values(client), client.id),
    )
    _event(conn, client.id, at, by, action, changes, note)


def add_alias(
    conn: sqlite3.Connection, client_id: int, alias: str, key: str, *, at: datetime, by: str
) -> None:
    conn.execute(
        "INSERT INTO client_aliases (key, alias, client_id) VALUES (?, ?, ?)",
        (key, alias, client_id),
    )
    _event(conn, client_id, at, by, "alias", {"aliases": [None, alias]}, None)


def merge(
    conn: sqlite3.Connection,
    source: Client,
    target: Client,
    changes: dict[str, list[Any]],
    *,
    at: datetime,
    by: str,
) -> None:
    """`source` into `target`: its aliases move, its name becomes one, it points at
    `target`; both histories say so. Nothing is deleted."""
    assert source.id is not None and target.id is not None
    moved = list(source.aliases)
    conn.execute(
        "UPDATE client_aliases SET client_id = ? WHERE client_id = ?", (target.id, source.id)
    )
    conn.execute(
        "INSERT INTO client_aliases (key, alias, client_id) VALUES (?, ?, ?)",
        (source.key, source.name, target.id),
    )
    # (the clients merged into `source` before now count for `target` too: no chains)
    conn.execute(
        "UPDATE clients SET merged_into = ?1 WHERE id = ?2 OR merged_into = ?2",
        (target.id, source.id),
    )
    _event(
        conn,
        source.id,
        at,
        by,
        "merge",
        {"merged_into": [None, target.id]},
        f"merged into {target.name}",
    )
    update(
        conn,
        target,
        {**changes, "aliases": [None, [source.name, *moved]]},
        at=at,
        by=by,
        action="merge",
        note=f"{source.name} merged into it",
    )


class Event(NamedTuple):
    at: datetime
    by: str
    action: str
    changes: dict[str, Any]
    note: str | None


def history(conn: sqlite3.Connection, client_id: int) -> list[Event]:
    zone = local_zone()
    return [
        Event(from_utc_text(r[0], zone), r[1], r[2], stored_json(r[3]), r[4])
        for r in conn.execute(
            """SELECT at, by, action, changes, note FROM client_events
               WHERE client_id = ? ORDER BY id""",
            (client_id,),
        )
    ]


def every(conn: sqlite3.Connection) -> Iterator[tuple[Client, list[Event]]]:
    """Every client, merged ones too, in id order, with its aliases and history (export)."""
    by_client: dict[int, list[str]] = {}
    for client_id, alias in conn.execute(
        "SELECT client_id, alias FROM client_aliases ORDER BY rowid"
    ):
        by_client.setdefault(client_id, []).append(alias)
    for row in conn.execute(f"SELECT {_COLUMNS} FROM clients ORDER BY id").fetchall():
        yield _client(row, tuple(by_client.get(row[0], ()))), history(conn, row[0])


def restore(
    conn: sqlite3.Connection,
    client: Client,
    events: Sequence[tuple[datetime, str, str, dict[str, Any], str | None]],
) -> None:
    """A client as exported — its id, aliases and whole history; the client it was merged
    into is set by `restore_merge` once every client is in. IntegrityError when its id,
    key or an alias key is taken."""
    conn.execute(
        """INSERT INTO clients (id, name, key, kind, since, key_account, contact, phone,
             registered_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (client.id, *_values(client)),
    )
    assert client.id is not None
    conn.executemany(
        "INSERT INTO client_aliases (key, alias, client_id) VALUES (?, ?, ?)",
        [(_key(alias), alias, client.id) for alias in client.aliases],
    )
    for at, by, action, changes, note in events:
        _event(conn, client.id, at, by, action, changes, note)


def _key(name: str) -> str:
    from aftersales_cli.rules.clients import key

    return key("alias", name)


def restore_merge(conn: sqlite3.Connection, client_id: int, into: int) -> None:
    conn.execute("UPDATE clients SET merged_into = ? WHERE id = ?", (into, client_id))


def exists(conn: sqlite3.Connection, client_id: int) -> bool:
    return conn.execute("SELECT 1 FROM clients WHERE id = ?", (client_id,)).fetchone() is not None


# ---- one client's profile (`client show`) -----------------------------------------------


class Counts(NamedTuple):
    """The client's complaints per category and status, with the revisits' scores."""

    by_category: dict[str, int]
    by_status: dict[str, int]
    total: int
    revisited: int  # complaints with a satisfaction score
    satisfied: int  # of them, scored 4 or 5
    score_sum: int


def _in(keys_: Iterable[str]) -> tuple[str, list[str]]:
    wanted = sorted(set(keys_))
    return ",".join("?" * len(wanted)) or "NULL", wanted


def counts(conn: sqlite3.Connection, keys_: Iterable[str]) -> Counts:
    marks, wanted = _in(keys_)
    by_category: dict[str, int] = {}
    by_status: dict[str, int] = {}
    total = revisited = satisfied = score_sum = 0
    for category, status, n, scored, good, summed in conn.execute(
        f"""SELECT category, status, COUNT(*), COUNT(satisfaction),
                   COALESCE(SUM(satisfaction >= 4), 0), COALESCE(SUM(satisfaction), 0)
            FROM complaints WHERE org_key IN ({marks}) GROUP BY category, status""",
        wanted,
    ):
        by_category[category] = by_category.get(category, 0) + n
        by_status[status] = by_status.get(status, 0) + n
        total += n
        revisited += scored
        satisfied += good
        score_sum += summed
    return Counts(by_category, by_status, total, revisited, satisfied, score_sum)


class Brief(NamedTuple):
    """One of the client's complaints, in a list."""

    id: int
    received_at: datetime
    category: str
    severity: str
    status: str
    customer: str


def _briefs(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[Brief]:
    zone = local_zone()
    return [
        Brief(r[0], from_utc_text(r[1], zone), r[2], r[3], r[4], r[5])
        for r in conn.execute(sql, params)
    ]


def open_cases(
    conn: sqlite3.Connection, keys_: Iterable[str], *, limit: int | None = None
) -> tuple[list[Brief], int]:
    """The client's open cases (oldest first; the newest `limit` when given) and how many
    there are — read off the partial index complaints_open_by_client (its condition
    repeated here, word for word, so that it may be used; named, because sampled
    statistics may tell the planner a client's whole history is fewer rows)."""
    marks, wanted = _in(keys_)
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    where = f"org_key IN ({marks}) AND status IN ({statuses})"
    table = "complaints INDEXED BY complaints_open_by_client"
    (count,) = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", wanted).fetchone()
    params: list[Any] = list(wanted)
    if limit is None:
        order = "ORDER BY received_at, id"
    else:
        order = "ORDER BY received_at DESC, id DESC LIMIT ?"
        params.append(limit)
    found = _briefs(
        conn,
        f"""SELECT id, received_at, category, severity, status, customer FROM {table}
            WHERE {where} {order}""",
        params,
    )
    return (found if limit is None else found[::-1]), int(count)


def latest(
    conn: sqlite3.Connection, keys_: Iterable[str], limit: int, categories: Iterable[str]
) -> list[Brief]:
    """The client's newest `limit` complaints. `categories`: those it has complaints in
    (`counts`) — the newest of each (key, category) are a few rows at the end of a range of
    complaints_by_client, in order; the newest of all would be a sort of every one."""
    wanted = sorted(set(keys_))
    pairs = [(key, category) for key in wanted for category in sorted(set(categories))]
    if not pairs:
        return []
    newest = """SELECT * FROM (SELECT id, received_at, category, severity, status, customer
                 FROM complaints WHERE org_key = ? AND category = ?
                 ORDER BY received_at DESC, id DESC LIMIT ?)"""
    return _briefs(
        conn,
        " UNION ALL ".join([newest] * len(pairs)) + " ORDER BY received_at DESC, id DESC LIMIT ?",
        [value for pair in pairs for value in (*pair, limit)] + [limit],
    )


def money(conn: sqlite3.Connection, keys_: Iterable[str]) -> dict[tuple[str, str | None], int]:
    """Net ledger sums (fen) of the client's complaints by kind and payment kind (their
    ids gathered and sorted first: the ledger's index is then read in its own order)."""
    marks, wanted = _in(keys_)
    return {
        (r[0], r[1]): r[2]
        for r in conn.execute(
            f"""SELECT kind, payment_kind, SUM(amount_fen) FROM ledger
                WHERE complaint_id IN (SELECT id FROM complaints WHERE org_key IN ({marks}))
                GROUP BY kind, payment_kind""",
            wanted,
        )
    }
