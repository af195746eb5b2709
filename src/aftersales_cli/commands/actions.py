"""Corrective actions (整改, policies 001 and 004): `action add` on a complaint, `action
done` when the department has finished, `action verify` when QC has confirmed the fix
worked, `action list` of them all."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated

import typer

from aftersales_cli.commands.completion import complete_action_ids, complete_terms
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    IdArgument,
    JsonOption,
    RulesOption,
    Session,
    session,
    terms,
)
from aftersales_cli.commands.options import Group, whole_number
from aftersales_cli.desk import actions as desk
from aftersales_cli.desk import parse
from aftersales_cli.render import output, record_json, records
from aftersales_cli.render.blocks import Line
from aftersales_cli.rules.actions import Action
from aftersales_cli.rules.taxonomy import DEPARTMENTS
from aftersales_cli.store import actions as store
from aftersales_cli.store.db import snapshot

ActionIdArgument = Annotated[
    int,
    typer.Argument(
        metavar="ACTION_ID",
        help="Corrective action id (as `action add` printed it).",
        show_default=False,
        parser=whole_number("an action id"),
        autocompletion=complete_action_ids,
    ),
]
NoteOption = Annotated[str | None, typer.Option(help="What was done or found.")]


def _print(s: Session, action: Action, said: str, *, json_: bool) -> None:
    """The action as JSON, or `said` (naming the action as `{action}`) and its row."""
    if json_:
        output.print_json(record_json.action_json(action, s.now))
        return
    named = f"corrective action {action.id} of complaint #{action.complaint_id}"
    output.show(
        [
            Line(said.format(action=named), "ok"),
            records.actions_table([action], s.now, title=f"Corrective action ({s.zone_name})"),
        ]
    )


def add(
    ctx: typer.Context,
    complaint_id: IdArgument,
    text: Annotated[str, typer.Option("--text", help="What is to be done.", show_default=False)],
    dept: Annotated[
        str,
        typer.Option(
            "--dept",
            help="The department that does it: production 生产, procurement 采购, delivery "
            "配送, quality_control 质控, customer_service 客服.",
            show_default=False,
            autocompletion=complete_terms(DEPARTMENTS),
        ),
    ],
    due: Annotated[
        str,
        typer.Option(
            "--due",
            help="When it must be done (after the complaint was received).",
            show_default=False,
        ),
    ],
    owner: Annotated[str | None, typer.Option("--owner", help="The person who does it.")] = None,
    survey_aspect: Annotated[
        str | None,
        typer.Option(
            "--survey-aspect",
            metavar="KEY",
            help="The survey aspect it is the improvement measure of: a key or label of the "
            "rules file's [survey] aspects (price 价格, delivery 配送准时, …).",
        ),
    ] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Open a corrective action on a complaint: what, which department, by when.

    Any complaint, closed ones most often. Past its due time and not done, it is listed
    by `aftersales overdue` and escalated as a late milestone is. With --survey-aspect it
    is the improvement measure of a low survey aspect: `survey report` lists it there.

    Example: aftersales action add 42 --text "冷藏车温控改造" --dept 配送 --owner 王强
    --due "2026-12-01 18:00"
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        command = parse.add_action(
            complaint_id,
            text,
            dept,
            owner,
            due,
            s.now,
            survey_aspect=survey_aspect,
            aspects=s.rules.survey.aspects,
        )
        _print(s, desk.add(s.desk(), command), "Opened {action}.", json_=json_)


def _step(to: str, said: str, doc: str) -> Callable[..., None]:
    """The command that moves an action on to `to` (`done`, `verified`): `action done`
    and `action verify` differ only in the step, what they say and their help."""

    def command(
        ctx: typer.Context,
        action_id: ActionIdArgument,
        note: NoteOption = None,
        json_: JsonOption = False,
        db: DbOption = None,
        rules: RulesOption = None,
        by: ByOption = None,
    ) -> None:
        with session(ctx, db=db, rules=rules, by=by) as s:
            moved = desk.move(s.desk(), parse.move_action(action_id, to, note))
            _print(s, moved, said, json_=json_)

    command.__doc__ = doc
    command.__name__ = command.__qualname__ = "verify" if to == "verified" else to
    return command


done = _step(
    "done",
    "Recorded {action} as done.",
    """Record a corrective action as done by its department.

    Done after its due time, it counts as late in the report. QC verifies it next.

    Example: aftersales action done 3 --note "温控设备已更换"
    """,
)
verify = _step(
    "verified",
    "Verified {action}.",
    """Verify a corrective action: QC confirmed the fix worked.

    Only after it is done (`action done`).

    Example: aftersales action verify 3 --note "抽检三批温度记录合格"
    """,
)


def list_(
    ctx: typer.Context,
    open_: Annotated[bool, typer.Option("--open", help="Only those not done yet.")] = False,
    dept: Annotated[
        list[str] | None,
        typer.Option(
            "--dept",
            help="Only this department (repeatable).",
            autocompletion=complete_terms(DEPARTMENTS),
        ),
    ] = None,
    late: Annotated[
        bool, typer.Option("--late", help="Only those open past their due time.")
    ] = False,
    json_: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List corrective actions: all, open, late, by department.

    Oldest first; with --late, the longest overdue first.

    Example: aftersales action list --open --dept 质控
    """
    with session(ctx, db=db) as s:
        departments = terms(DEPARTMENTS, dept)
        with snapshot(s.conn) as conn:
            found: Sequence[Action] = list(
                store.listing(
                    conn,
                    open_only=open_,
                    departments=departments,
                    late_at=s.now if late else None,
                )
            )
        if json_:
            output.print_json([record_json.action_json(a, s.now) for a in found])
            return
        if not found:
            output.show([Line("No corrective actions found.", "dim")])
            return
        output.show(
            [records.actions_table(found, s.now, title=f"Corrective actions ({s.zone_name})")]
        )


action = Group(
    """What a department does so that a complaint's cause does not come back (policies 001
    and 004): opened with a due time, done by the department, verified by QC.

    Example: aftersales action add 42 --text "冷藏车温控改造" --dept 配送 --due "2026-12-01 18:00"
    """,
    {"add": add, "done": done, "verify": verify, "list": list_},
)
