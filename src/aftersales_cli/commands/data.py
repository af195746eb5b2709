"""Keeping the data safe and moving it: `backup`, `export`, `import`."""

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
    ByOption,
    DbOption,
    JsonOption,
    RulesOption,
    Session,
    session,
    terms,
)
from aftersales_cli.commands.intake import read_intake
from aftersales_cli.commands.present import sample_until
from aftersales_cli.errors import BadInput, StoreError
from aftersales_cli.render import output
from aftersales_cli.render.blocks import Line
from aftersales_cli.rules import lifecycle
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.taxonomy import CHANNELS, STATUSES
from aftersales_cli.store import complaints as store
from aftersales_cli.store.db import snapshot

FORMATS = ("jsonl", "csv")


def _format(given: str | None, path: Path | None) -> str:
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
        kind = _format(fmt, out)
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


# ---- import --------------------------------------------------------------------------


def import_(
    ctx: typer.Context,
    source: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="CSV or JSON Lines: exported records, or intake rows.",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="jsonl or csv [default: from the file's extension]."),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(help="Channel of intake rows that do not say (e.g. online for a web form)."),
    ] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Import complaints from CSV or JSON Lines — an export of this tool (with its
    history and ids), or intake rows such as the online form platform's export (columns
    named like the log options; Chinese headers accepted). Every row is checked first:
    all are imported or none, and each bad row is reported with its line and field.

    Example: aftersales import form-export.csv --channel online
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        kind = _format(fmt, source)
        default_channel = CHANNELS.parse(channel) if channel else None
        try:
            text = source.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise BadInput("file", f"cannot read {source}: {reason}") from None
        try:
            restored, taken = _parse(s, text, kind, default_channel)
        except exchange.ImportError_ as exc:
            for problem in exc.problems:
                output.note(f"error: {problem}")
            raise BadInput(
                "file", f"{len(exc.problems)} bad row(s) in {source}; nothing imported"
            ) from None
        operator = s.operator
        with s.writing() as conn:
            clash = store.existing_ids(conn, [c.id for c, _ in restored if c.id is not None])
            if clash:
                raise BadInput(
                    "id",
                    f"complaint(s) {', '.join(map(str, sorted(clash)[:10]))} "
                    "already exist in this database — nothing imported",
                )
            for case, history in restored:
                store.restore(conn, case, history)
            new_ids = [
                store.insert(
                    conn,
                    case,
                    by=operator,
                    at=s.now,
                    action="import",
                    note=f"imported from {source.name}, line {line}",
                ).id
                for line, case in taken
            ]
        ids = [c.id for c, _ in restored if c.id is not None]
        ids += [i for i in new_ids if i is not None]
        if json_:
            output.print_json({"imported": len(ids), "ids": ids})
            return
        output.show(
            [
                Line(
                    f"Imported {len(ids):,} complaint(s) from {source}"
                    + (f" (ids {min(ids)}–{max(ids)})." if ids else "."),
                    "ok",
                )
            ]
        )


def _parse(
    s: Session, text: str, kind: str, channel: str | None
) -> tuple[list[tuple[Case, list[store.Event]]], list[tuple[int, Case]]]:
    """Every row checked; ImportError_ lists each bad one with its line and field."""
    rules = s.rules
    problems: list[str] = []
    restored: list[tuple[Case, list[store.Event]]] = []
    taken: list[tuple[int, Case]] = []
    seen: dict[int, int] = {}
    for row in exchange.read_rows(text, kind):
        if row.problem:
            problems.append(f"line {row.line}: {row.problem}")
            continue
        try:
            if row.is_record:
                case, history = exchange.case_from_record(row.values, rules)
                assert case.id is not None
                if case.id in seen:
                    raise RuleError("id", f"{case.id} is also on line {seen[case.id]}")
                seen[case.id] = row.line
                restored.append((case, history))
            else:
                values = {"channel": channel, **row.values} if channel else dict(row.values)
                intake = read_intake(s, exchange.intake_values(values))
                taken.append((row.line, lifecycle.open_case(intake, s.now, rules)))
        except RuleError as exc:
            problems.append(f"line {row.line}: {exc.field}: {exc.message}")
        except BadInput as exc:
            problems.append(f"line {row.line}: {exc.message}")
    if problems:
        raise exchange.ImportError_(problems)
    return restored, taken
