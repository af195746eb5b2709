"""Taking complaints in from a file: `import` of an export or of a form platform's rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aftersales_cli import exchange
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    JsonOption,
    RulesOption,
    Session,
    session,
)
from aftersales_cli.commands.data import file_format
from aftersales_cli.commands.intake import read_intake
from aftersales_cli.errors import BadInput
from aftersales_cli.render import output
from aftersales_cli.render.blocks import Line
from aftersales_cli.rules import lifecycle
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.taxonomy import CHANNELS
from aftersales_cli.store import complaints as store


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
        kind = file_format(fmt, source)
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
