"""Working a complaint: `assign` it, record milestones (`done`), `extend` a deadline,
`close` it with remedy, cause and what the policy charges."""

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
from aftersales_cli.rules.taxonomy import CAUSES, DEPARTMENTS, FINDINGS, MILESTONES, REMEDIES


def assign(
    ctx: typer.Context,
    complaint_id: IdArgument,
    dept: Annotated[
        str | None,
        typer.Option(
            "--dept",
            help="Responsible department [default: the category's].",
            autocompletion=complete_terms(DEPARTMENTS),
        ),
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="Responsible person.")] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Example: aftersales assign 42 --dept 质控 --to 李工"""
    with session(ctx, db=db, rules=rules, by=by) as s:
        after = cases.assign(s.desk(), parse.assign(complaint_id, dept, to)).after
        print_case(s, after, json_=json_, lead=[changed(after, "Assigned")])


def done(
    ctx: typer.Context,
    complaint_id: IdArgument,
    milestone: Annotated[
        str,
        typer.Argument(
            metavar="MILESTONE",
            help="contact, forward, plan, sample, investigation, lab_report or confirm.",
            show_default=False,
            autocompletion=complete_terms(MILESTONES),
        ),
    ],
    at: Annotated[str | None, typer.Option("--at", help="When it was done [default: now].")] = None,
    note: Annotated[str | None, typer.Option(help="What was said or done.")] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            help="Why it is recorded late (when --at lies further back than the rules allow)."
        ),
    ] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """First contact made, handed to the department, plan given to the customer, QC's sample
    taken, investigation done, QC's lab report in, the result confirmed with the customer.
    Earlier milestones of its chain still open are recorded at the same time (contact →
    plan → investigation; sample → lab_report). sample, lab_report and confirm are
    recorded on a closed case too.

    A deadline that had already passed when this is recorded stays breached, whatever
    --at says. An --at further back than the rules allow (`aftersales rules`) needs
    --reason; the history keeps both when it happened and when it was recorded.

    Example: aftersales done 42 plan --note "已告知客户：今日下午重新配送并退款"
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        command = parse.mark_done(complaint_id, milestone, at, note, reason, s.now)
        after = cases.mark_done(s.desk(), command).after
        lead = [changed(after, f"Recorded {command.milestone} for")]
        print_case(s, after, json_=json_, lead=lead)


def extend(
    ctx: typer.Context,
    complaint_id: IdArgument,
    until: Annotated[
        str,
        typer.Option("--until", help="The new time promised to the customer.", show_default=False),
    ],
    reason: Annotated[
        str,
        typer.Option(
            help="What the customer was told (e.g. waiting for the lab report).", show_default=False
        ),
    ],
    milestone: Annotated[
        str, typer.Option(help="Which deadline.", autocompletion=complete_terms(MILESTONES))
    ] = "resolution",
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Before the deadline it moves it; after it, the breach stands, and `overdue` stops
    repeating it until the promised time.

    Example: aftersales extend 42 --until "2026-11-25 18:00" --reason "等待检测报告"
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        command = parse.extend(complaint_id, milestone, until, reason, s.now)
        result = cases.extend(s.desk(), command)
        before, after, which = result.before, result.after, command.milestone
        lead = [changed(after, f"Extended {which} of")]
        moved = after.deadlines["resolution"]
        if which != "resolution" and moved != before.deadlines["resolution"]:
            lead.append(Line(f"Resolution moved to {clock.show(moved.due_at)} with it.", "warning"))
        print_case(s, after, json_=json_, lead=lead)


def close(
    ctx: typer.Context,
    complaint_id: IdArgument,
    remedy: Annotated[
        list[str],
        typer.Option(
            help="Repeatable: replace 更换套餐, refund 退款, redeliver 重新配送, new_packaging "
            "更换包装, coupon 优惠券, compensation 经济赔偿, medical_costs 医疗费用, apology "
            "道歉说明, seal_and_test 封存送检, recall 召回.",
            show_default=False,
            autocompletion=complete_terms(REMEDIES),
        ),
    ],
    cause: Annotated[
        str,
        typer.Option(
            help="Root cause: ingredient_purchase, processing, storage_transport, traffic, "
            "weather, vehicle_failure, route_planning, order_entry, sorting, handover, "
            "packaging_supplier, customer, unknown.",
            show_default=False,
            autocompletion=complete_terms(CAUSES),
        ),
    ],
    amount: Annotated[
        list[str] | None,
        typer.Option(
            help="Paid now (¥): N pays the first paying remedy (refund, compensation, "
            "medical_costs, coupon); KIND=N (repeatable) any kind, statutory included.",
        ),
    ] = None,
    ours: Annotated[
        bool | None,
        typer.Option(
            "--ours/--not-ours",
            help="Our fault or not [default: from the cause].",
            show_default=False,
        ),
    ] = None,
    finding: Annotated[
        str | None,
        typer.Option(
            help="What was confirmed: spoiled, expired, counterfeit, toxic, pathogen, "
            "foreign_object, damaged, none, ... (required on food_safety and illness)",
            autocompletion=complete_terms(FINDINGS),
        ),
    ] = None,
    supply_value: Annotated[
        str | None,
        typer.Option(
            "--supply-value", help="That product's supply value that day (¥), for the fine."
        ),
    ] = None,
    delivery_date: Annotated[
        str | None,
        typer.Option("--delivery-date", help="The delivery day, if the complaint lacks it."),
    ] = None,
    price: Annotated[
        str | None, typer.Option(help="Price paid per person (¥), for statutory compensation.")
    ] = None,
    loss: Annotated[str | None, typer.Option(help="Each affected person's loss (¥).")] = None,
    staff: Annotated[str | None, typer.Option(help="Staff member responsible.")] = None,
    note: Annotated[str | None, typer.Option(help="What was done and said.")] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Remedies, amounts paid, root cause, ours or not, what was found.

    A confirmed counterfeit, expired or spoiled case that is ours fines its supply event
    (client, delivery day, batch or product) once, however many complain about it: k × the
    supply value, k by the client's earlier fined events in the window. Every entry goes
    to the ledger; a re-close reverses what no longer applies. Defect-list findings need
    an exchange or return (001 §6). Pending milestones are completed at the close time.

    Example: aftersales close 42 --remedy refund --remedy compensation --amount refund=36
    --amount compensation=200 --cause storage_transport --finding spoiled
    --supply-value 1200 --price 18
    """
    from aftersales_cli.commands.present import money_extra

    with session(ctx, db=db, rules=rules, by=by) as s:
        command = parse.close(
            complaint_id,
            remedies=remedy,
            cause=cause,
            amounts=amount or [],
            ours=ours,
            finding=finding,
            supply_value=supply_value,
            delivery_date=delivery_date,
            price=price,
            loss=loss,
            staff=staff,
            note=note,
            now=s.now,
        )
        after = cases.close(s.desk(), command).after
        extra = money_extra(s.conn, after, s.rules)
        print_case(s, after, json_=json_, lead=[changed(after, "Closed")], money=extra)
