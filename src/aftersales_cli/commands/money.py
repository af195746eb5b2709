"""Money: the ledger a close writes (fines of supply events, staff fines, payments), and
`pay`, which records a payment at any time after intake or reverses a mistaken one."""

from __future__ import annotations

from typing import Annotated

import typer

from aftersales_cli.commands.completion import complete_terms
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    IdArgument,
    JsonOption,
    RulesOption,
    session,
)
from aftersales_cli.commands.present import changed, money_extra, print_case
from aftersales_cli.desk import cases, parse
from aftersales_cli.errors import BadInput
from aftersales_cli.render import output
from aftersales_cli.render.blocks import show_yuan
from aftersales_cli.rules.taxonomy import PAYMENT_KINDS

# ---- pay -------------------------------------------------------------------------------


def pay(
    ctx: typer.Context,
    complaint_id: IdArgument,
    kind: Annotated[
        str | None,
        typer.Option(
            help="refund 退款, compensation 经济赔偿, medical_costs 医疗费用, coupon 优惠券, "
            "statutory 法定赔偿 (Food Safety Law art. 148).",
            autocompletion=complete_terms(PAYMENT_KINDS),
        ),
    ] = None,
    amount: Annotated[str | None, typer.Option(help="Amount paid (¥).")] = None,
    note: Annotated[str | None, typer.Option(help="What was paid, how, to whom.")] = None,
    reverse: Annotated[
        int | None,
        typer.Option("--reverse", metavar="ENTRY", help="Reverse a mistaken payment (its id)."),
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why the payment is reversed.")] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """At any time after intake (also after close). Each is a ledger entry and a history entry,
    in one go.

    Example: aftersales pay 42 --kind medical_costs --amount 860 --note "医院发票 3 张"
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        desk = s.desk()
        if reverse is not None:
            if kind is not None or amount is not None:
                raise BadInput("reverse", "reverses an entry as it was: give no --kind or --amount")
            undo = parse.reverse_payment(complaint_id, reverse, reason)
            lead = f"Reversed ledger entry {reverse} of"
            history_note = f"reversed ledger entry {reverse}: {undo.reason}"
            after = cases.reverse_payment(desk, undo, history_note).after
        else:
            if kind is None or amount is None:
                raise BadInput("kind", "pay needs --kind and --amount (or --reverse ENTRY)")
            paid = parse.pay(complaint_id, kind, amount, note)
            money = show_yuan(paid.amount_yuan)
            lead = f"Paid {money} ({paid.kind}) on"
            history_note = f"{paid.kind} {money}" + (f": {paid.note}" if paid.note else "")
            after = cases.pay(desk, paid, history_note).after
        print_case(
            s,
            after,
            json_=json_,
            lead=[changed(after, lead)],
            money=money_extra(s.conn, after, s.rules),
        )
        if not json_:
            output.note(history_note, "ok")
