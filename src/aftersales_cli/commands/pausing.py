"""Stopping a case's clocks and starting them again: `pause` (the customer cannot be
reached, a sample is awaited from the customer) and `resume`."""

from __future__ import annotations

from typing import Annotated

import typer

from aftersales_cli import clock
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


def pause(
    ctx: typer.Context,
    complaint_id: IdArgument,
    reason: Annotated[
        str,
        typer.Option(
            help="Why the clocks stop (the customer cannot be reached, a sample is awaited "
            "from the customer).",
            show_default=False,
        ),
    ],
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """While paused its pending deadlines do not run and nothing is breached; `resume`
    moves each by the paused time (working time on a business-time clock, elapsed time
    on a 24/7 one). Breaches recorded before stay breached. `overdue` leaves a paused
    complaint out until it has been paused longer than the rules allow (pause_limit,
    3 working days by default), then lists it as `paused`. Closing or reopening it ends
    the pause.

    Example: aftersales pause 42 --reason "客户电话无人接听，等待回电"
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        after = cases.pause(s.desk(), parse.pause(complaint_id, reason)).after
        lead = [changed(after, "Paused")]
        if not json_:
            limit = clock.show(after.pause_limit_at)
            lead.append(Line(f"Listed by overdue from {limit} if still paused.", "warning"))
        print_case(s, after, json_=json_, lead=lead)


def resume(
    ctx: typer.Context,
    complaint_id: IdArgument,
    note: Annotated[str | None, typer.Option(help="What ended the wait.")] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Each pending deadline moves by the time the complaint was paused — in working time
    on a business-time clock, in elapsed time on a 24/7 one; the history shows each due
    moving. Breaches recorded before the pause stay breached.

    Example: aftersales resume 42 --note "客户已回电，样品已收到"
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        result = cases.resume(s.desk(), parse.resume(complaint_id, note))
        before, after = result.before, result.after
        lead = [changed(after, "Resumed")]
        if not json_ and before.paused_at is not None:
            since = clock.span((s.now - before.paused_at).total_seconds())
            working = max(
                (
                    a.counting.paused_minutes - b.counting.paused_minutes
                    for b, a in zip(
                        before.deadlines.values(), after.deadlines.values(), strict=True
                    )
                    if a.counting is not None and b.counting is not None
                ),
                default=0,
            )
            if working and clock.span(working * 60) != since:
                since += f" ({clock.span(working * 60)} of working time)"
            lead.append(Line(f"Paused {since}; pending deadlines moved by it.", "ok"))
        print_case(s, after, json_=json_, lead=lead)
