"""Where the database lives, and the one way to open it.

Opening creates the file (mode 0600, its folder 0700) on first use, sets the pragmas
every connection needs, and migrates an older schema in place — cheap and idempotent,
so every command opens through here and none can forget it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aftersales_cli.errors import StoreError
from aftersales_cli.store import migrations

ENV_DB = "AFTERSALES_DB"
BUSY_TIMEOUT_MS = 15_000


def default_path() -> Path:
    """The per-user data file: $XDG_DATA_HOME/aftersales/aftersales.db."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aftersales" / "aftersales.db"


def resolve_path(option: str | None) -> Path:
    """`--db`, else AFTERSALES_DB, else the per-user data file."""
    return Path(option or os.environ.get(ENV_DB) or default_path()).expanduser()


def _create(path: Path) -> None:
    folder = path.parent
    try:
        if not folder.exists():
            folder.mkdir(mode=0o700, parents=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        return  # another process created it first
    except OSError as exc:
        raise StoreError(f"database: cannot create {path}: {exc.strerror}") from None


def open_db(path: Path, *, handed_over: bool = False) -> sqlite3.Connection:
    """A connection to an up-to-date database at `path`, created if missing.
    `handed_over`: used by a worker thread, closed by the thread that opened it."""
    if path.is_dir():
        raise StoreError(f"database: {path} is a folder, not a database file")
    if not path.exists():
        _create(path)
    try:
        conn = sqlite3.connect(
            path,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=not handed_over,
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"database: {path} is not an aftersales database ({exc})") from None
    if version > migrations.SCHEMA_VERSION:
        raise StoreError(
            f"database: {path} has schema version {version}, newer than this aftersales "
            f"knows ({migrations.SCHEMA_VERSION}); upgrade aftersales"
        )
    if version < migrations.SCHEMA_VERSION:
        _migrate(conn, path)
    conn.row_factory = sqlite3.Row
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    import sqlite_utils

    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
            conn.execute("PRAGMA journal_mode = WAL")  # persistent; not inside a transaction
        with transaction(conn):
            # Another process may have migrated while we waited for the lock.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < migrations.SCHEMA_VERSION:
                migrations.apply(sqlite_utils.Database(conn))
                conn.execute(f"PRAGMA user_version = {migrations.SCHEMA_VERSION}")
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            raise StoreError(f"database: {path} is read-only and needs upgrading") from None
        raise StoreError(f"database: cannot prepare {path}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"database: {path} is not an aftersales database ({exc})") from None


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: the whole change or none of it. Takes the write lock at
    once (BEGIN IMMEDIATE), so a read-then-write never races another writer."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Several reads that see one consistent state of the database."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def keep_statistics(conn: sqlite3.Connection, *, now: bool = False) -> None:
    """Keep the query planner's statistics current, which the report's indexes need (a
    value-by-value skip-scan is chosen only with them). `PRAGMA optimize` analyses what
    this connection used and has grown since; `now` analyses at once if there are none
    yet. Sampled (`analysis_limit`), so it costs milliseconds even at a million rows; it
    never waits for another writer and gives up on a read-only file — next time, then."""
    try:
        conn.execute("PRAGMA analysis_limit = 400")
        conn.execute("PRAGMA busy_timeout = 0")
        if not now:
            conn.execute("PRAGMA optimize")
        elif not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            conn.execute("ANALYZE")
    except sqlite3.OperationalError:
        pass
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
