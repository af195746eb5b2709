"""The case file beyond its deadlines: progress `note`s (calls, visits, messages to the
customer, and internal notes), recorded at any status."""

from __future__ import annotations

from typing import Annotated

import typer

from aftersales_cli import clock
from aftersales_cli.commands.completion import complete_terms
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    IdArgument,
    JsonOption,
    RulesOption,
    session,
)
from aftersales_cli.commands.present import changed, print_case
from aftersales_cli.desk import cases, parse
from aftersales_cli.render.blocks import Line
from aftersales_cli.rules.taxonomy import NOTE_KINDS


def note(
    ctx: typer.Context,
    complaint_id: IdArgument,
    text: Annotated[
        str,
        typer.Argument(
            metavar="TEXT", help="What was said or done (quote it).", show_default=False
        ),
    ],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="call 电话, visit 走访, message 消息 (they reach the customer) or internal "
            "内部 [default: internal].",
            autocompletion=complete_terms(NOTE_KINDS),
        ),
    ] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Works at any status, closed cases too; `show` lists the notes in the history. A call,
    visit or message is the first contact when that is still pending, and confirms the
    result with the customer (the confirm milestone) once that is due.

    Example: aftersales note 42 "已电话告知客户检测结果：合格" --kind 电话
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        command = parse.note(complaint_id, text, kind)
        result = cases.note(s.desk(), command)
        before, after = result.before, result.after
        lead: list[Line] = [changed(after, f"Noted {NOTE_KINDS.label(command.kind)} on")]
        for milestone in ("contact", "confirm"):
            if before.deadlines[milestone].open and not after.deadlines[milestone].open:
                lead.append(Line(f"That is {milestone} done {clock.show(s.now)}.", "ok"))
        extra = {
            "progress_note": {
                "at": clock.iso_local(s.now),
                "by": s.operator,
                "kind": command.kind,
                "text": command.text,
            }
        }
        print_case(s, after, json_=json_, lead=lead, extra=extra)
