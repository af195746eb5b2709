"""Keeping the data safe and moving it out: `backup` and `export` (`import` is in
`importing`)."""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from aftersales_cli import clock, files, workers
from aftersales_cli.commands.completion import complete_terms
from aftersales_cli.commands.context import (
    DbOption,
    JsonOption,
    QuietOption,
    RulesOption,
    Session,
    session,
    terms,
)
from aftersales_cli.commands.present import sample_until
from aftersales_cli.errors import BadInput, CannotWrite, DatabaseUnusable
from aftersales_cli.render import output, progress
from aftersales_cli.render.blocks import Line
from aftersales_cli.rules.actions import Action
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.ledger import Entry
from aftersales_cli.rules.taxonomy import STATUSES
from aftersales_cli.store import actions, search
from aftersales_cli.store import complaints as store
from aftersales_cli.store import ledger as books
from aftersales_cli.store.db import raise_described, result_code, snapshot
from aftersales_cli.store.events import Event

if TYPE_CHECKING:
    pass  # (imported where used: 7 ms of every --help)

FORMATS = ("jsonl", "csv")


def file_format(given: str | None, path: Path | None) -> str:
    if given is not None:
        fmt = given.strip().lower().replace("json-lines", "jsonl").replace("ndjson", "jsonl")
        if fmt == "json":
            fmt = "jsonl"
        if fmt not in FORMATS:
            raise BadInput("format", f"{given!r} is not one of {', '.join(FORMATS)}")
        return fmt
    if path is not None and path.suffix.lower() == ".csv":
        return "csv"
    return "jsonl"


# ---- backup --------------------------------------------------------------------------


def backup(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Argument(metavar="FILE", help="The new backup file.", show_default=False)
    ],
    json_: JsonOption = False,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """SQLite's online backup, then the copy's integrity check. A backup never overwrites a
    file; it lands whole or not at all. On a terminal a progress bar shows the pages
    copied (stderr; not with --quiet, never off a terminal).

    Example: aftersales backup ~/backups/aftersales-$(date +%F).db
    """
    with session(ctx, db=db) as s:
        path = files.given_path(target, "file")
        assert path is not None
        final = files.check_target(
            path,
            "file",
            overwrite=False,
            database=s.db_path,
            exists="a backup never overwrites — choose a new name",
        )
        source = s.conn
        pending = files.Pending(final, "file", overwrite=False)
        os.close(pending.create())
        try:
            integrity, complaints, events = _copy(source, pending, s.db_path, quiet)
            if integrity != "ok":
                raise DatabaseUnusable(
                    f"database: {s.db_path} failed the integrity check of its copy "
                    f"({integrity}); no backup was written — run `aftersales check`"
                )
            _fsync(pending)
            pending.land()
        finally:
            pending.discard()
        result = {
            "file": str(final),
            "complaints": complaints,
            "events": events,
            "integrity": integrity,
            "bytes": final.stat().st_size,
        }
        if json_:
            output.print_json(result)
            return
        output.show(
            [
                Line(
                    f"Backed up {complaints:,} complaints and {events:,} history "
                    f"entries to {final} — integrity {integrity}.",
                    "ok",
                )
            ]
        )


# Pages copied at a time by `backup` (4 MiB of 4 KiB pages): large enough to cost nothing,
# small enough for the progress bar to move.
_BACKUP_STEP = 1024


def _copy(
    source: sqlite3.Connection, pending: files.Pending, database: Path, quiet: bool
) -> tuple[str, int, int]:
    """SQLite's online backup of `source` into the pending file, checked there: what the
    integrity check says, and how many complaints and history entries the copy holds."""
    try:
        copy = sqlite3.connect(pending.temporary)
    except sqlite3.Error as exc:
        raise CannotWrite("file", f"cannot write {pending.target}: {exc}") from None
    try:
        # Copied a step at a time (the bar moves) inside one read transaction: a write
        # by another connection meanwhile neither restarts the copy nor gets into it.
        with snapshot(source):
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot
            total = int(source.execute("PRAGMA page_count").fetchone()[0])
            with progress.progress("Backing up", total, "pages", quiet=quiet) as advance:
                done = 0

                def step(_status: int, remaining: int, pages: int) -> None:
                    nonlocal done
                    advance(pages - remaining - done)
                    done = pages - remaining

                source.backup(copy, pages=_BACKUP_STEP, progress=step)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        integrity = str(copy.execute("PRAGMA integrity_check").fetchone()[0])
        complaints, events = store.totals(copy)
    except sqlite3.Error as exc:
        if result_code(exc) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_BUSY):
            raise_described(exc, database)  # the database's trouble, not the copy's
        raise CannotWrite("file", f"cannot write {pending.target}: {exc}") from None
    finally:
        copy.close()
    return integrity, complaints, events


def _fsync(pending: files.Pending) -> None:
    try:
        fd = os.open(pending.temporary, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise pending.failed(exc) from None


# ---- export --------------------------------------------------------------------------


def export(
    ctx: typer.Context,
    out: Annotated[
        str | None,
        typer.Option(
            "--out", metavar="FILE", help="Write here (a new file) [default: standard output]."
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="jsonl or csv [default: from --out's extension, else jsonl]."
        ),
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            help="Only this status (repeatable).", autocompletion=complete_terms(STATUSES)
        ),
    ] = None,
    from_: Annotated[str | None, typer.Option("--from", help="Received on or after.")] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", help="Received on or before (a date includes the whole day)."),
    ] = None,
    show_phone: Annotated[
        bool,
        typer.Option(
            "--show-phone", help="Phones in full (needed to import the export elsewhere)."
        ),
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace --out if it exists.")
    ] = False,
    with_files: Annotated[
        bool,
        typer.Option(
            "--attachments",
            help="Also the attached files (base64), as records of their own after their "
            "complaint (JSON Lines only).",
        ),
    ] = False,
    db: DbOption = None,
    rules: RulesOption = None,
    quiet: QuietOption = False,
) -> None:
    """JSON Lines then holds every client (aliases, history) and every survey response;
    CSV holds the complaints only.

    CSV is UTF-8 with BOM, formula cells neutralised. Phones are masked unless --show-phone,
    in the history too (not inside attached files). A file given with --out lands whole or
    not at all. With --attachments each attachment follows its complaint as records of its
    own, its content in base64; `import` restores them, verifying size and SHA-256. When
    stderr is a terminal a progress bar shows the complaints written (not with --quiet,
    nor when the export itself goes to the terminal).

    Example: aftersales export --show-phone --out all.jsonl
    """
    from aftersales_cli import exchange

    with session(ctx, db=db, rules=rules) as s:
        out_path = files.given_path(out, "out")
        kind = file_format(fmt, out_path)
        if with_files and kind != "jsonl":
            raise BadInput(
                "attachments",
                "travel only in JSON Lines (a CSV cell cannot hold a file); give --format jsonl",
            )
        until = None
        if to is not None:
            day, moment = clock.parse_day_or_time(to, "to", s.now)
            until = clock.end_of(day, moment)
        query = search.Query(
            statuses=terms(STATUSES, status),
            since=s.time(from_, "from") if from_ is not None else None,
            until=until,
        )
        _ = s.rules
        target = None
        if out_path is not None:
            target = files.check_target(out_path, "out", overwrite=overwrite, database=s.db_path)
        with snapshot(s.conn) as conn, contextlib.ExitStack() as bar, workers.few_collections():
            total = search.count(conn, query)
            advance = None
            if progress.shown(quiet or (target is None and output.on_terminal())):
                advance = bar.enter_context(
                    progress.progress("Exporting", total, "complaints", quiet=quiet)
                )
            count = workers.available()
            if kind == "jsonl" and total >= PARALLEL_FROM and count >= 2:
                lines = _built_in_workers(conn, query, s, show_phone, target, count)
                if advance is not None:
                    lines = progress.counted(lines, advance)
                if target is None:
                    _write_lines(conn, lines, sys.stdout, show_phone, with_files)
                    return
                with files.writing(target, "out", overwrite=overwrite) as handle:
                    _write_lines(conn, lines, handle, show_phone, with_files)
                return
            found = search.iterate(conn, query)
            if advance is not None:
                found = progress.counted(found, advance)
            records: Iterator[dict[str, Any]] = (
                exchange.export_record(
                    case,
                    history,
                    s.now,
                    show_phone=show_phone,
                    sample_until=sample_until(case, s),
                    ledger=entries,
                    actions=corrective,
                )
                for case, history, entries, corrective in with_ledger(conn, found)
            )
            if with_files:
                records = _with_attachments(conn, records)
            if kind == "jsonl":
                records = itertools.chain(records, _registry(conn, show_phone=show_phone))
            if target is None:
                _write(records, sys.stdout, kind)
                return
            encoding = "utf-8-sig" if kind == "csv" else "utf-8"
            with files.writing(target, "out", overwrite=overwrite, encoding=encoding) as handle:
                _write(records, handle, kind)


# From this many complaints, a JSON Lines export builds its records in worker processes
# (as many as the processors it may use) while this one reads the rows and writes the
# lines; below, starting them costs more than they save.
PARALLEL_FROM = 5000
# Complaints read and sent to a worker at a time.
_BATCH = 500


def _built_in_workers(
    conn: sqlite3.Connection,
    query: search.Query,
    s: Session,
    show_phone: bool,
    target: Path | None,
    count: int,
) -> Iterator[tuple[int, bytes]]:
    """Each complaint's id and JSON line, in id order, built by `count` workers from the
    rows read here (`exchange.export_lines`: the same records as `export_record`)."""
    from aftersales_cli import exchange
    from aftersales_cli.render import holds_unicode

    given = exchange.Exporting(
        s.now, s.rules, show_phone, ascii_only=target is None and not holds_unicode(sys.stdout)
    )
    batches = (
        exchange.ExportBatch(rows, books.rows_of(conn, rows.ids), actions.rows_of(conn, rows.ids))
        for rows in search.batches(conn, query, _BATCH)
    )
    stopped = "export: a process building the records was killed; the export stopped (run it again)"
    for _, (lines, problem) in workers.in_order(
        batches, exchange.export_lines, given, count, stopped
    ):
        yield from lines
        if problem is not None:
            raise DatabaseUnusable(problem)


def _write_lines(
    conn: sqlite3.Connection,
    lines: Iterable[tuple[int, bytes]],
    handle: IO[str],
    show_phone: bool,
    with_files: bool,
) -> None:
    """The lines of the complaints (each followed by its attachments' records, with
    them), then the registry — as `_write` writes the same records as JSON Lines. The
    lines go to a UTF-8 stream's bytes as they came (not decoded to be encoded again)."""
    import codecs

    from aftersales_cli.store import attachments

    having = attachments.with_attachments(conn) if with_files else set()
    handle.flush()
    raw = getattr(handle, "buffer", None)
    if codecs.lookup(getattr(handle, "encoding", None) or "ascii").name != "utf-8":
        raw = None  # (a stream of another encoding: its text layer encodes)
    for complaint_id, line in lines:
        if raw is not None:
            raw.write(line + b"\n")
        else:
            handle.write(line.decode() + "\n")
        if complaint_id in having:
            output.json_lines(_attachment_records(conn, complaint_id), handle)
            handle.flush()  # (before the next line, written beneath the text layer)
    output.json_lines(_registry(conn, show_phone=show_phone), handle)


def with_ledger(
    conn: sqlite3.Connection, items: Iterable[tuple[Case, list[Event]]], batch: int = 500
) -> Iterator[tuple[Case, list[Event], list[Entry], list[Action]]]:
    """Each complaint with its history, its ledger entries and its corrective actions
    (read a batch at a time)."""
    chunk: list[tuple[Case, list[Event]]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == batch:
            yield from _ledgers(conn, chunk)
            chunk = []
    yield from _ledgers(conn, chunk)


def _ledgers(
    conn: sqlite3.Connection, chunk: list[tuple[Case, list[Event]]]
) -> Iterator[tuple[Case, list[Event], list[Entry], list[Action]]]:
    if not chunk:
        return
    ids = [case.id for case, _ in chunk if case.id is not None]
    entries = books.of_cases(conn, ids)
    corrective = actions.of_cases(conn, ids)
    for case, history in chunk:
        yield case, history, entries.get(case.id or 0, []), corrective.get(case.id or 0, [])


def _with_attachments(
    conn: sqlite3.Connection, records: Iterable[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """Each record followed by the records of its attachments (their content read one
    attachment at a time)."""
    from aftersales_cli.store import attachments

    having = attachments.with_attachments(conn)
    for record in records:
        yield record
        if record["id"] in having:
            yield from _attachment_records(conn, record["id"])


def _attachment_records(conn: sqlite3.Connection, complaint_id: int) -> Iterator[dict[str, Any]]:
    """The records of a complaint's attachments, their content read one at a time."""
    from aftersales_cli import exchange
    from aftersales_cli.store import attachments

    for kept in attachments.of_case(conn, complaint_id):
        _, content = attachments.content(conn, kept.complaint_id, kept.number)
        yield from exchange.attachment_records(kept, content)


def _registry(conn: sqlite3.Connection, *, show_phone: bool) -> Iterator[dict[str, Any]]:
    """After the complaints (JSON Lines): every client, with its aliases and history, then
    every survey response with its scores — whatever the filters, the whole of both."""
    from aftersales_cli import exchange
    from aftersales_cli.store import clients, survey

    for client, history in clients.every(conn):
        yield exchange.client_record(client, history, show_phone=show_phone)
    for response in survey.stored(conn):
        yield exchange.response_record(response)


def _write(records: Iterable[dict[str, Any]], handle: IO[str], kind: str) -> None:
    from aftersales_cli import exchange

    if kind == "csv":
        writer = exchange.CsvWriter(handle)
        for record in records:
            writer.write(record)
    else:
        output.json_lines(records, handle)
