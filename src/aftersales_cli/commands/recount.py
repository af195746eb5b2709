"""`recompute`: count the pending business-time deadlines again, once the calendar in the
rules file has changed (a new year's holiday notice entered after they were set)."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from aftersales_cli import clock
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    JsonOption,
    QuietOption,
    RulesOption,
    session,
)
from aftersales_cli.commands.options import whole_number
from aftersales_cli.desk import commands as cmd
from aftersales_cli.desk.recount import recompute as recount
from aftersales_cli.errors import BadInput
from aftersales_cli.render import output, progress
from aftersales_cli.render.blocks import Line, Table
from aftersales_cli.rules.taxonomy import MILESTONE_KEYS


def recompute(
    ctx: typer.Context,
    complaint_ids: Annotated[
        list[int] | None,
        typer.Argument(
            metavar="[ID]...",
            help="The complaints to count again.",
            show_default=False,
            parser=whole_number("a complaint id"),
        ),
    ] = None,
    open_: Annotated[
        bool,
        typer.Option(
            "--open",
            help="Every complaint with a pending deadline in business time (open, or "
            "closed and awaiting its revisit).",
        ),
    ] = False,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
    quiet: QuietOption = False,
) -> None:
    """A changed calendar applies to deadlines set after the change; run this after entering
    a holiday notice late (the State Council's notice for a new year) so that deadlines
    already set follow it. Each moves to the same working time from the same start (its
    pauses kept); a deadline already passed stays breached, a time promised to the
    customer (extend) stays as promised. Each complaint that moved gets a history entry.
    On a terminal a progress bar shows the complaints done (stderr; not with --quiet).

    Example: aftersales recompute --open --rules company.toml
    """
    ids = tuple(complaint_ids or ())
    if bool(ids) == open_:
        raise BadInput(
            "--open",
            "name the complaints to count again, or give --open for every one with a "
            "pending deadline in business time (not both)",
        )
    with session(ctx, db=db, rules=rules, by=by) as s, contextlib.ExitStack() as bar:

        def started(total: int) -> progress.Advance:
            return bar.enter_context(
                progress.progress("Counting again", total, "complaints", quiet=quiet)
            )

        result = recount(s.desk(), cmd.Recompute(ids), started)
        bar.close()  # the bar gone before the result is printed
        moves = [
            (after.id, m, before.deadlines[m].due_at, after.deadlines[m].due_at)
            for before, after in result.moved
            for m in MILESTONE_KEYS
            if before.deadlines[m].due_at != after.deadlines[m].due_at
        ]
        if json_:
            output.print_json(
                {
                    "looked_at": result.looked_at,
                    "moved": [
                        {
                            "id": cid,
                            "milestone": m,
                            "from": clock.iso_local(was),
                            "to": clock.iso_local(now),
                        }
                        for cid, m, was, now in moves
                    ],
                }
            )
            return
        complaints = len(result.moved)
        summary = Line(
            f"Counted again {result.looked_at} complaint"
            f"{'' if result.looked_at == 1 else 's'}: {len(moves)} deadline"
            f"{'' if len(moves) == 1 else 's'} of {complaints} moved."
        )
        if not moves:
            output.show([summary])
            return
        table = Table(
            ["id", "milestone", "was due", "now due"],
            [[str(cid), m, clock.show(was), clock.show(now)] for cid, m, was, now in moves],
            title=f"Moved ({s.zone_name})",
        )
        output.show([summary, table])
