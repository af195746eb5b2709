"""Where the database lives, and the one way to open it.

Opening creates the file (mode 0600, its folder 0700) on first use, sets the pragmas
every connection needs, and migrates an older schema in place — cheap and idempotent,
so every command opens through here and none can forget it.

It also refuses what is not ours without touching it: the tool stamps its databases with
`PRAGMA application_id`, and a SQLite file of another application (no stamp, not an
older aftersales schema) is left byte-identical. What SQLite reports when a database is
damaged, unreadable, on a full disk, read-only or locked becomes one accurate line and
its own exit code (`describe`).

Beside the opener, what every store module needs of the database itself: transactions,
the planner's statistics, the `meta` table, and `IN` lists a chunk at a time.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple, NoReturn, TypeVar

from aftersales_cli import files
from aftersales_cli.errors import (
    BadInput,
    DatabaseLocked,
    DatabaseUnusable,
    StoreError,
    UserError,
)
from aftersales_cli.store import migrations

ENV_DB = "AFTERSALES_DB"
BUSY_TIMEOUT_MS = 15_000
APPLICATION_ID = migrations.APPLICATION_ID

# The database this process opened last, for naming it in an error (`describe`).
_opened: Path | None = None


def default_path() -> Path:
    """The per-user data file: $XDG_DATA_HOME/aftersales/aftersales.db."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aftersales" / "aftersales.db"


def resolve_path(option: str | None) -> Path:
    """`--db`, else AFTERSALES_DB, else the per-user data file. An empty `--db` is refused
    (an empty AFTERSALES_DB counts as unset)."""
    if option is not None and not option.strip():
        raise BadInput("db", "must not be empty; give the database file")
    return Path(option or os.environ.get(ENV_DB) or default_path()).expanduser()


def _create(path: Path) -> None:
    """A new, empty, private database file — at the target of a dangling link, so that
    the link keeps working and the file is still 0600."""
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        files.make_folder(path.parent, "database")
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.fchmod(fd, 0o600)
        os.close(fd)
    except FileExistsError:
        return  # another process created it first
    except UserError as exc:  # its folder could not be made
        raise DatabaseUnusable(exc.message) from None
    except OSError as exc:
        raise DatabaseUnusable(f"database: cannot create {path}: {exc.strerror}") from None


def _connect(target: str, *, uri: bool, handed_over: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(
        target,
        uri=uri,
        isolation_level=None,
        timeout=BUSY_TIMEOUT_MS / 1000,
        check_same_thread=not handed_over,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _read_only(path: Path, handed_over: bool) -> sqlite3.Connection:
    """For a database in a folder this user cannot write: SQLite cannot create the WAL's
    shared-memory file there. With the writer's `-wal` present it reads through it;
    without one, nothing is waiting to be checkpointed and the file itself is the whole
    database, read as immutable."""
    quoted = str(path.resolve()).replace("?", "%3f").replace("#", "%23")
    wal = Path(f"{path}-wal")
    mode = "mode=ro" if wal.exists() and wal.stat().st_size else "mode=ro&immutable=1"
    return _connect(f"file:{quoted}?{mode}", uri=True, handed_over=handed_over)


def open_db(path: Path, *, handed_over: bool = False) -> sqlite3.Connection:
    """A connection to an up-to-date aftersales database at `path`, created if missing.
    `handed_over`: used by a worker thread, closed by the thread that opened it."""
    global _opened
    _opened = path
    if path.is_dir():
        raise StoreError(f"database: {path} is a folder, not a database file")
    if not path.exists():
        _create(path)
    try:
        conn = sqlite3.connect(":memory:")
        try:
            conn = _connect(str(path), uri=False, handed_over=handed_over)
            version, stamp = _header(conn)
        except sqlite3.OperationalError as exc:
            if result_code(exc) not in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN):
                raise
            conn.close()
            conn = _read_only(path, handed_over)
            version, stamp = _header(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise_described(exc, path)
    try:
        if stamp != APPLICATION_ID and not _ours_unstamped(conn, version):
            raise StoreError(
                f"database: {path} is a SQLite database of another application, not an "
                "aftersales database; nothing was changed — choose another --db"
            )
        if version > migrations.SCHEMA_VERSION:
            raise StoreError(
                f"database: {path} has schema version {version}, newer than this aftersales "
                f"knows ({migrations.SCHEMA_VERSION}); upgrade aftersales"
            )
        if version < migrations.SCHEMA_VERSION:
            _migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    conn.row_factory = sqlite3.Row
    return conn


def _header(conn: sqlite3.Connection) -> tuple[int, int]:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    stamp = conn.execute("PRAGMA application_id").fetchone()[0]
    return int(version), int(stamp)


def _ours_unstamped(conn: sqlite3.Connection, version: int) -> bool:
    """A database without the stamp that is still ours: a new, empty file (about to be
    made an aftersales database), or one an older aftersales wrote before the stamp."""
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not tables and version == 0:
            return True
        if "_sqlite_migrations" not in tables or not {"complaints", "events"} <= tables:
            return False
        names = {
            row[0]
            for row in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'aftersales'"
            )
        }
    except sqlite3.OperationalError:
        return False
    known = {name for name, _ in migrations.STEPS}
    return bool(names) and names <= known and 0 < version < migrations.SCHEMA_VERSION


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    import sqlite_utils

    try:
        with transaction(conn):  # (a new file put in the write-ahead log's mode first)
            # Another process may have migrated while we waited for the lock.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < migrations.SCHEMA_VERSION:
                migrations.apply(sqlite_utils.Database(conn))
                conn.execute(f"PRAGMA user_version = {migrations.SCHEMA_VERSION}")
    except sqlite3.Error as exc:
        if result_code(exc) == sqlite3.SQLITE_READONLY:
            raise DatabaseUnusable(
                f"database: {path} is read-only (the file or its folder) and needs "
                "upgrading to this version's schema; nothing was changed"
            ) from None
        raise_described(exc, path)


def raise_described(exc: sqlite3.Error, path: Path | None = None) -> NoReturn:
    """Raise `describe`'s error for `exc`, or `exc` itself when it is a bug of ours."""
    described = describe(exc, path)
    if described is None:
        raise exc
    raise described from None


def result_code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code of an error (None when it did not come from SQLite)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def describe(exc: sqlite3.Error, path: Path | None = None) -> UserError | None:
    """The one line (and exit code) for what SQLite reported about the database; None
    for an error that is a bug of ours (a wrong query)."""
    where = path or _opened or Path("the database")
    code = result_code(exc)
    reason = str(exc)
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return DatabaseLocked(
            f"database: {where} stayed locked by another process for "
            f"{BUSY_TIMEOUT_MS / 1000:g} s; nothing was changed — try again"
        )
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or (
        code == sqlite3.SQLITE_ERROR and ("no such table" in reason or "no such column" in reason)
    ):
        return DatabaseUnusable(
            f"database: {where} is damaged or not a database at all (SQLite: {reason}); "
            "nothing was changed — run `aftersales check`, and restore from a backup"
        )
    if code == sqlite3.SQLITE_FULL or (code == sqlite3.SQLITE_IOERR and _disk_full(where)):
        return DatabaseUnusable(
            f"database: the disk holding {where} is full; nothing was changed — free some "
            "space and try again"
        )
    if code == sqlite3.SQLITE_READONLY:
        return DatabaseUnusable(
            f"database: {where} is read-only (the file, or the folder it is in, cannot be "
            "written); this command needs to write; nothing was changed"
        )
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
        return DatabaseUnusable(f"database: {_cannot_open(where)}")
    if code == sqlite3.SQLITE_IOERR:
        return DatabaseUnusable(
            f"database: cannot read or write {where} (disk I/O error: {reason}); nothing "
            "was changed"
        )
    return None


def _disk_full(path: Path) -> bool:
    """Whether the file system holding `path` has (next to) no room left: SQLite reports
    a full disk as an I/O error when it is the WAL's shared memory that cannot grow."""
    try:
        info = os.statvfs(path.parent)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < 64 * 1024


def _cannot_open(path: Path) -> str:
    if path.exists() and not os.access(path, os.R_OK):
        return f"cannot read {path}: permission denied"
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"cannot open {path}: its folder {folder} cannot be written (SQLite needs to "
            "create files beside it)"
        )
    return f"cannot open {path}"


@contextmanager
def transaction(conn: sqlite3.Connection, *, direct: bool = False) -> Iterator[sqlite3.Connection]:
    """One write transaction: the whole change or none of it. Takes the write lock at
    once (BEGIN IMMEDIATE), so a read-then-write never races another writer.

    Written through the write-ahead log, in which others go on reading while it writes
    (a database found in another journal mode — a backup copied into place, a direct
    load that was killed — is put back in it first). `direct`: a bulk load into an empty
    database, written to the file itself under a rollback journal when no other
    connection has the database open, and put back in the log's mode when it ends. At a
    million complaints the log must otherwise take 4.6 GB, every read of the load's own
    pages looks them up in it, and the commit copies them all into the file again
    (import: 500 → 446 s, its commit 24 → 0.4 s). Meanwhile other commands wait for it
    (up to `BUSY_TIMEOUT_MS`): there is nothing in the database yet for them to read."""
    direct = direct and _journal(conn, "delete")
    if not direct:
        _journal(conn, "wal")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
    finally:
        if direct:
            _journal(conn, "wal")


def _journal(conn: sqlite3.Connection, mode: str) -> bool:
    """Put the database in journal `mode` ("wal" or "delete") unless it is in it; whether
    it is now. Leaving the log needs the database to itself — tried once, never waited
    for; a database left out of it goes back at the next write."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0] == mode:
        return True
    if mode != "wal":
        conn.execute("PRAGMA busy_timeout = 0")
    try:
        return bool(conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0] == mode)
    except sqlite3.OperationalError:  # (locked; a read-only file)
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


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
    except sqlite3.DatabaseError:
        pass  # best effort: a read-only or damaged file is not this function's to report
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


T = TypeVar("T")


def in_chunks(values: Sequence[T], size: int = 500) -> Iterator[tuple[list[T], str]]:
    """`values` a chunk at a time, each with the `?,?,…` of its `IN (…)`: one statement
    binds a bounded number of parameters, however many ids a caller holds. (The one
    helper for it: sqlite-utils' `chunks()` would import sqlite-utils at start-up.)"""
    for start in range(0, len(values), size):
        chunk = list(values[start : start + size])
        yield chunk, ",".join("?" * len(chunk))


def dict_rows(
    conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()
) -> Iterator[dict[str, Any]]:
    """The rows of a query as dicts, for a loop over many rows of many columns: a
    `sqlite3.Row` finds a column by name by walking the columns (a complaint's 66 of
    them read by name cost 19 µs a row, as a dict 1.3 µs — measured)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    cursor.execute(sql, params)
    names = [column[0] for column in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


class Rows(NamedTuple):
    """Rows as read, their column names once: cheap to read many and to send to another
    process, made dicts where they are used (`dicts`)."""

    names: tuple[str, ...]
    values: list[tuple[Any, ...]]

    def dicts(self) -> Iterator[dict[str, Any]]:
        names = self.names
        return (dict(zip(names, row, strict=True)) for row in self.values)


def read_rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> Rows:
    """The rows of a query."""
    cursor = conn.cursor()
    cursor.row_factory = None
    cursor.execute(sql, params)
    return Rows(tuple(column[0] for column in cursor.description), cursor.fetchall())


def rows_of_complaints(
    conn: sqlite3.Connection,
    table: str,
    ids: Sequence[int],
    order: str = "",
    columns: Sequence[str] = ("*",),
) -> Rows:
    """Every row of `table` (a table with a `complaint_id`) of the complaints `ids`, as
    read, in `order` (an ORDER BY's terms) within each chunk of ids; `columns`, in their
    order, for a reader of the rows by position."""
    names: tuple[str, ...] = ()
    values: list[tuple[Any, ...]] = []
    ordered = f" ORDER BY {order}" if order else ""
    listed = ", ".join(columns)
    for chunk, marks in in_chunks(ids):
        sql = f"SELECT {listed} FROM {table} WHERE complaint_id IN ({marks}){ordered}"
        names, more = read_rows(conn, sql, chunk)
        values += more
    return Rows(names, values)
