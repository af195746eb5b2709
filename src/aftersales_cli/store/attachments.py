"""Attachments — the attachments table (migration 0014): the only SQL over it.

Named, like `events` and `ledger`, for the table it keeps. An attachment is added (or
restored by `import`) and never changed or deleted; the metadata is read without the
content, which only `content` (writing one back, exporting) and `damaged` (`check`)
read. Nothing that lists, reports or finds what is overdue touches this table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from aftersales_cli.clock import from_utc_text, local_zone, to_utc_text
from aftersales_cli.errors import NotFound
from aftersales_cli.rules.attachments import Attachment

_META = "complaint_id, number, name, type, size, sha256, by, at, note"


def _of_row(row: Any) -> Attachment:
    cid, number, name, type_, size, sha256, by, at, note = tuple(row)[:9]
    return Attachment(
        cid, number, name, type_, size, sha256, by, from_utc_text(at, local_zone()), note
    )


def add(
    conn: sqlite3.Connection,
    complaint_id: int,
    *,
    name: str,
    type_: str,
    sha256: str,
    content: bytes,
    by: str,
    at: datetime,
    note: str | None,
) -> Attachment:
    """Store a new attachment of a complaint under its next number (the caller holds the
    write transaction, so no other writer takes the same number)."""
    number = int(
        conn.execute(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM attachments WHERE complaint_id = ?",
            (complaint_id,),
        ).fetchone()[0]
    )
    attachment = Attachment(complaint_id, number, name, type_, len(content), sha256, by, at, note)
    restore(conn, attachment, content)
    return attachment


def restore(conn: sqlite3.Connection, attachment: Attachment, content: bytes) -> None:
    """Store an attachment as it was (its number, who and when): `import`."""
    a = attachment
    conn.execute(
        f"INSERT INTO attachments ({_META}, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            a.complaint_id,
            a.number,
            a.name,
            a.type,
            a.size,
            a.sha256,
            a.by,
            to_utc_text(a.at),
            a.note,
            content,
        ),
    )


def of_case(conn: sqlite3.Connection, complaint_id: int) -> list[Attachment]:
    """A complaint's attachments in number order, without their content."""
    return [
        _of_row(row)
        for row in conn.execute(
            f"SELECT {_META} FROM attachments WHERE complaint_id = ? ORDER BY number",
            (complaint_id,),
        )
    ]


def with_attachments(conn: sqlite3.Connection) -> set[int]:
    """The complaints that have any attachment (few, beside all complaints)."""
    return {int(row[0]) for row in conn.execute("SELECT DISTINCT complaint_id FROM attachments")}


def content(conn: sqlite3.Connection, complaint_id: int, number: int) -> tuple[Attachment, bytes]:
    """One attachment with its content, as stored (the caller verifies it)."""
    row = conn.execute(
        f"SELECT {_META}, content FROM attachments WHERE complaint_id = ? AND number = ?",
        (complaint_id, number),
    ).fetchone()
    if row is None:
        exists = conn.execute("SELECT 1 FROM complaints WHERE id = ?", (complaint_id,)).fetchone()
        if exists is None:
            raise NotFound(f"id: no complaint {complaint_id}")
        count = conn.execute(
            "SELECT COUNT(*) FROM attachments WHERE complaint_id = ?", (complaint_id,)
        ).fetchone()[0]
        has = f"it has 1 to {count}" if count > 1 else ("it has 1" if count else "it has none")
        raise NotFound(f"number: complaint {complaint_id} has no attachment {number} ({has})")
    return _of_row(row), bytes(row[9])


def damaged(conn: sqlite3.Connection) -> Iterator[tuple[int, int, str]]:
    """Attachments whose content is not what was recorded of it: (complaint, number,
    what disagrees), each content read and hashed one at a time."""
    import hashlib  # only `check` hashes every attachment

    ids = [int(row[0]) for row in conn.execute("SELECT id FROM attachments ORDER BY id")]
    for attachment_id in ids:
        cid, number, size, sha256, stored = conn.execute(
            "SELECT complaint_id, number, size, sha256, content FROM attachments WHERE id = ?",
            (attachment_id,),
        ).fetchone()
        data = stored if isinstance(stored, bytes) else str(stored or "").encode()
        if len(data) != size:
            yield int(cid), int(number), f"holds {len(data):,} bytes, not the {size:,} recorded"
        elif hashlib.sha256(data).hexdigest() != sha256:
            yield int(cid), int(number), "its content's SHA-256 is not the one recorded"
