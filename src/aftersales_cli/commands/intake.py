"""Taking a complaint down (`log`) and confirming what it is (`classify`)."""

from __future__ import annotations

import sys
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
from aftersales_cli.commands.present import print_case
from aftersales_cli.desk import cases, parse
from aftersales_cli.errors import BadInput
from aftersales_cli.render import output
from aftersales_cli.render.blocks import Line
from aftersales_cli.rules.taxonomy import CHANNELS


def interactive() -> bool:
    """Someone at a terminal who can answer a question (cron and scripts cannot)."""
    return sys.stdin.isatty()


def _required(value: str | None, field: str, prompt: str) -> str:
    """A required field: asked for on a terminal, else a clear error (never a hang)."""
    if value is not None:
        return value
    option = "DESCRIPTION" if field == "description" else f"--{field}"
    if interactive():
        answer: str = typer.prompt(prompt)
        return answer
    raise BadInput(field, f"required; give {option}")


def log(
    ctx: typer.Context,
    description: Annotated[
        str | None,
        typer.Argument(help="What the customer reports, in their words.", show_default=False),
    ] = None,
    customer: Annotated[str | None, typer.Option(help="Customer name.")] = None,
    phone: Annotated[str | None, typer.Option(help="Contact phone (7-20 digits).")] = None,
    channel: Annotated[
        str | None,
        typer.Option(
            help="hotline 热线, online 在线, delivery_staff 配送员, letter 信件, onsite 现场."
        ),
    ] = None,
    org: Annotated[str | None, typer.Option(help="Client organisation (school, company).")] = None,
    order_no: Annotated[str | None, typer.Option("--order-no", help="Order number.")] = None,
    product: Annotated[str | None, typer.Option(help="Product or dish.")] = None,
    batch: Annotated[str | None, typer.Option(help="Batch or lot.")] = None,
    delivery_date: Annotated[
        str | None,
        typer.Option("--delivery-date", help="Delivery date, or date and time (2026-11-21 11:30)."),
    ] = None,
    quantity: Annotated[int | None, typer.Option(help="Quantity delivered.")] = None,
    defective: Annotated[int | None, typer.Option(help="Defective quantity.")] = None,
    request: Annotated[str | None, typer.Option(help="What the customer asks for.")] = None,
    category: Annotated[
        str | None, typer.Option(help="Category (default: suggested from the description).")
    ] = None,
    severity: Annotated[
        str | None,
        typer.Option(help="urgent 紧急, general 一般, non_urgent 非紧急 (default: suggested)."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Why, when setting a severity below the suggestion.")
    ] = None,
    people: Annotated[int, typer.Option(help="How many people are affected.")] = 1,
    ill: Annotated[bool, typer.Option("--ill", help="Someone fell ill after eating.")] = False,
    injured: Annotated[bool, typer.Option("--injured", help="Someone was injured.")] = False,
    received_at: Annotated[
        str | None,
        typer.Option(
            "--received-at", help="When it was received (letters, back-filling) [default: now]."
        ),
    ] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Log a new complaint: suggest category and severity, set deadlines.

    On the hotline the first contact is made at intake. Warns when the phone has
    complained recently or other complaints name the same batch.

    Example: aftersales log "米饭有馊味，两个孩子腹泻" --channel hotline --customer 王老师
    --phone 13812345678 --org 实验小学 --product 午餐A --batch B1121 --people 2 --ill
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        raw: dict[str, Any] = {
            "description": _required(description, "description", "What happened"),
            "channel": _required(channel, "channel", f"Channel ({', '.join(CHANNELS.keys())})"),
            "customer": _required(customer, "customer", "Customer name"),
            "phone": _required(phone, "phone", "Contact phone"),
            "org": org,
            "order_no": order_no,
            "product": product,
            "batch": batch,
            "delivery_date": delivery_date,
            "quantity": quantity,
            "defective": defective,
            "request": request,
            "category": category,
            "severity": severity,
            "reason": reason,
            "people": people,
            "ill": ill,
            "injured": injured,
            "received_at": received_at,
        }
        logged = cases.log(s.desk(), parse.intake(raw, s.now, s.rules))
        case, suggestion, warnings = logged.case, logged.suggestion, logged.warnings
        why = "; ".join(suggestion.reasons)
        extra: dict[str, Any] = {
            "suggestion": {
                "category": suggestion.category,
                "severity": suggestion.severity,
                "reasons": list(suggestion.reasons),
            },
            "warnings": warnings,
        }
        lead = [Line(f"Logged complaint #{case.id}.", "ok"), Line(f"Suggested: {why}.", "dim")]
        print_case(s, case, json_=json_, extra=extra, lead=lead)
        for warning in warnings:
            output.warn(warning)


def classify(
    ctx: typer.Context,
    complaint_id: IdArgument,
    category: Annotated[
        str | None, typer.Option(help="Category [default: the current one].")
    ] = None,
    severity: Annotated[
        str | None,
        typer.Option(help="Severity [default: the one the rules suggest for the category]."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Why, when lowering the severity (required then).")
    ] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Confirm or change category and severity.

    Raising makes pending deadlines sooner, counted from now; lowering needs --reason
    (kept in the history) and makes them later. Done milestones and breaches stay.

    Example: aftersales classify 42 --category food_quality --severity general
    --reason "拍照确认只是米饭偏硬，无人不适"
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        command = parse.classify(complaint_id, category, severity, reason, s.rules)
        after = cases.classify(s.desk(), command).after
        print_case(s, after, json_=json_, lead=[Line(f"Classified complaint #{after.id}.", "ok")])
