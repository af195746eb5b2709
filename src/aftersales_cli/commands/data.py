"""Keeping the data safe and moving it out: `backup` and `export` (`import` is in
`importing`)."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from aftersales_cli import clock, exchange
from aftersales_cli.commands.context import (
    DbOption,
    JsonOption,
    RulesOption,
    session,
    terms,
)
from aftersales_cli.commands.present import sample_until
from aftersales_cli.errors import BadInput, StoreError
from aftersales_cli.render import output
from aftersales_cli.render.blocks import Line
from aftersales_cli.rules.taxonomy import STATUSES
from aftersales_cli.store import complaints as store
from aftersales_cli.store.db import snapshot

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
        Path, typer.Argument(metavar="FILE", help="The new backup file.", show_default=False)
    ],
    json_: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Copy the database to FILE while it is in use (SQLite's online backup) and check
    the copy's integrity. A backup never overwrites a file.

    Example: aftersales backup ~/backups/aftersales-$(date +%F).db
    """
    with session(ctx, db=db) as s:
        if target.exists():
            raise BadInput(
                "file", f"{target} exists; a backup never overwrites — choose a new name"
            )
        if not target.parent.is_dir():
            raise BadInput("file", f"folder {target.parent} does not exist")
        if target.resolve() == s.db_path.resolve():
            raise BadInput("file", "is the database itself")
        source = s.conn
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
                complaints, events = store.totals(copy)
            finally:
                copy.close()
            if integrity != "ok":
                raise StoreError(f"backup: the copy failed its integrity check ({integrity})")
            partial.replace(target)
        except OSError as exc:
            raise BadInput("file", f"cannot write {target}: {exc.strerror}") from None
        finally:
            partial.unlink(missing_ok=True)
        result = {
            "file": str(target),
            "complaints": complaints,
            "events": events,
            "integrity": integrity,
            "bytes": target.stat().st_size,
        }
        if json_:
            output.print_json(result)
            return
        output.show(
            [
                Line(
                    f"Backed up {complaints:,} complaints and {events:,} history "
                    f"entries to {target} — integrity {integrity}.",
                    "ok",
                )
            ]
        )


# ---- export --------------------------------------------------------------------------


@contextmanager
def _destination(path: Path | None, fmt: str) -> Any:
    if path is None:
        yield sys.stdout
        return
    if path.exists():
        raise BadInput("out", f"{path} exists; choose a new file")
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise BadInput("out", f"cannot write {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
        yield handle


def export(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
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
    status: Annotated[list[str] | None, typer.Option(help="Only this status (repeatable).")] = None,
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
    db: DbOption = None,
    rules: RulesOption = None,
) -> None:
    """Export complaints with their whole history as JSON Lines or CSV (UTF-8 with BOM,
    formula cells neutralised). Phones are masked unless --show-phone.

    Example: aftersales export --show-phone --out all.jsonl
    """
    with session(ctx, db=db, rules=rules) as s:
        kind = file_format(fmt, out)
        until = None
        if to is not None:
            day, moment = clock.parse_day_or_time(to, "to", s.now)
            until = clock.end_of(day, moment)
        query = store.Query(
            statuses=terms(STATUSES, status),
            since=s.time(from_, "from") if from_ is not None else None,
            until=until,
        )
        _ = s.rules
        with snapshot(s.conn) as conn, _destination(out, kind) as handle:
            write = _writer(handle, kind)
            for case, history in store.iterate(conn, query):
                write(
                    exchange.export_record(
                        case,
                        history,
                        s.now,
                        show_phone=show_phone,
                        sample_until=sample_until(case, s),
                    )
                )


def _writer(handle: IO[str], kind: str) -> Any:
    if kind == "csv":
        return exchange.CsvWriter(handle).write
    return lambda record: handle.write(json.dumps(record, ensure_ascii=False) + "\n")
