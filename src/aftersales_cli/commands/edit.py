"""Correcting what intake took down (`edit`): a mistyped phone, the wrong client, the
received time of a letter, the illness details learnt later."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    IdArgument,
    JsonOption,
    RulesOption,
    session,
)
from aftersales_cli.commands.options import (
    BatchOption,
    DefectiveOption,
    DeliveryDateOption,
    EatenOption,
    OnsetOption,
    OrderNoOption,
    OrgOption,
    ProductOption,
    QuantityOption,
    RequestOption,
    SymptomsOption,
)
from aftersales_cli.commands.present import changed, money_extra, print_case
from aftersales_cli.desk import cases, parse
from aftersales_cli.render.blocks import Line
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.lifecycle import EDITABLE

# A boolean option that was not given (its --x/--no-x pair left alone).
Flag = Annotated[bool | None, typer.Option(show_default=False)]


def _corrected(before: Case, after: Case) -> str:
    """`phone, org` — the fields the operator corrected, in the order of `EDITABLE`."""
    return ", ".join(name for name in EDITABLE if getattr(before, name) != getattr(after, name))


def edit(
    ctx: typer.Context,
    complaint_id: IdArgument,
    reason: Annotated[
        str,
        typer.Option(help="Why it is corrected (kept in the history).", show_default=False),
    ],
    customer: Annotated[str | None, typer.Option(help="Customer name.")] = None,
    phone: Annotated[str | None, typer.Option(help="Contact phone (7-20 digits).")] = None,
    org: OrgOption = None,
    order_no: OrderNoOption = None,
    product: ProductOption = None,
    batch: BatchOption = None,
    delivery_date: DeliveryDateOption = None,
    quantity: QuantityOption = None,
    defective: DefectiveOption = None,
    description: Annotated[
        str | None, typer.Option(help="What the customer reports, in their words.")
    ] = None,
    request: RequestOption = None,
    people: Annotated[int | None, typer.Option(help="How many people are affected.")] = None,
    ill: Annotated[
        bool | None,
        typer.Option("--ill/--no-ill", help="Someone fell ill after eating.", show_default=False),
    ] = None,
    injured: Annotated[
        bool | None,
        typer.Option("--injured/--no-injured", help="Someone was injured.", show_default=False),
    ] = None,
    received_at: Annotated[
        str | None,
        typer.Option(
            "--received-at",
            help="When it was received; the deadlines counted from it follow.",
        ),
    ] = None,
    symptoms: SymptomsOption = None,
    onset: OnsetOption = None,
    eaten: EatenOption = None,
    hospital: Annotated[
        bool | None,
        typer.Option(
            "--hospital/--no-hospital", help="Anyone saw a doctor (就医).", show_default=False
        ),
    ] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """The history keeps each field old → new with the reason. What depends on a field
    follows it: a corrected received time counts the deadlines counted from it again
    (breaches stay breached); a corrected client, delivery date, batch or product moves the
    case between supply events, and their fines are reversed and entered anew in the
    ledger; the repeat figures follow a phone, client or time. Category and severity are
    classify's. A correction that changes nothing is refused.

    Example: aftersales edit 42 --phone 13912345678 --org 实验小学 --reason "电话记错一位"
    """
    given: dict[str, Any] = {
        "customer": customer,
        "phone": phone,
        "org": org,
        "order_no": order_no,
        "product": product,
        "batch": batch,
        "delivery_date": delivery_date,
        "quantity": quantity,
        "defective": defective,
        "description": description,
        "request": request,
        "people": people,
        "ill": ill,
        "injured": injured,
        "received_at": received_at,
        "symptoms": symptoms,
        "onset_at": onset,
        "eaten": eaten,
        "hospital": hospital,
    }
    with session(ctx, db=db, rules=rules, by=by) as s:
        command = parse.edit(complaint_id, given, reason, s.now, s.rules)
        result = cases.edit(s.desk(), command)
        before, after = result.before, result.after
        lead = [
            changed(after, "Corrected"),
            Line(f"Corrected: {_corrected(before, after)}.", "dim"),
        ]
        extra = money_extra(s.conn, after, s.rules)
        print_case(s, after, json_=json_, lead=lead, money=extra)
