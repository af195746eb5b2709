"""Taking a complaint down (`log`) and confirming what it is (`classify`)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Annotated, Any

import typer

from aftersales_cli import clock
from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    IdArgument,
    JsonOption,
    RulesOption,
    Session,
    session,
    term,
)
from aftersales_cli.commands.present import print_case
from aftersales_cli.errors import BadInput
from aftersales_cli.render import output
from aftersales_cli.render.blocks import Line
from aftersales_cli.rules import fields, lifecycle, triage
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.deadlines import calendar_days, elapsed, local_day
from aftersales_cli.rules.taxonomy import CHANNELS, SEVERITIES
from aftersales_cli.store import complaints as store
from aftersales_cli.store import neighbours


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


def _warnings(s: Session, case: Case) -> list[str]:
    """Same phone recently; other complaints on the same batch or meal."""
    rules, conn = s.rules, s.conn
    found = []
    since = calendar_days(case.received_at, -rules.repeat_window_days)
    earlier = neighbours.same_phone(conn, case.phone, since, s.now, case.id)
    if earlier:
        ids = ", ".join(
            f"#{n.id} ({n.category}, {clock.show(n.received_at)[5:10]})" for n in earlier[-5:]
        )
        found.append(
            f"this phone has complained {len(earlier)} time(s) in the last "
            f"{rules.repeat_window_days} days: {ids}"
        )
    found.extend(_client_warnings(s, case))
    window = rules.batch_window_hours
    cluster = neighbours.same_batch(
        conn, case, elapsed(case.received_at, -window * 60), elapsed(case.received_at, window * 60)
    )
    if cluster:
        what = (
            f"batch {case.batch}"
            if case.batch
            else (f"{case.product} delivered {case.delivery_date}")
        )
        ids = ", ".join(f"#{n.id} ({n.category})" for n in cluster[:8])
        found.append(
            f"{len(cluster)} other complaint(s) on {what} within {window} h: {ids} — "
            "possible batch incident: check the batch, consider sealing samples or a recall"
        )
    return found


def _client_warnings(s: Session, case: Case) -> list[str]:
    """The same client (whatever phone) recently in the same category; several
    food-safety or illness complaints from the client today (a cluster, batch or not).
    Earlier complaints that the cluster names already are not named twice."""
    rules, conn, found = s.rules, s.conn, []
    today: list[neighbours.Neighbour] = []
    if case.category in rules.cluster_categories:
        start, end = local_day(case.received_at)
        today = neighbours.same_client(
            conn, case.org, rules.cluster_categories, start, end, case.id
        )
    since = calendar_days(case.received_at, -rules.repeat_window_days)
    up_to_now = elapsed(s.now, 1 / 60)  # received up to this second, inclusive
    earlier = neighbours.same_client(conn, case.org, [case.category], since, up_to_now, case.id)
    if earlier and not {n.id for n in earlier} <= {n.id for n in today}:
        found.append(
            f"{case.org} complained {len(earlier)} time(s) about {case.category} in the last "
            f"{rules.repeat_window_days} days: {', '.join(f'#{n.id}' for n in earlier[-8:])}"
        )
    if today:
        kinds = "/".join(sorted(rules.cluster_categories))
        ids = ", ".join(f"#{n.id} ({n.category})" for n in today[:8])
        found.append(
            f"{len(today)} other {kinds} complaint(s) from {case.org} on "
            f"{start.date().isoformat()}: {ids} — possible incident at one client: check "
            "what was served there that day, consider sealing samples"
        )
    return found


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
    """Log a new complaint: suggests category and severity, sets every deadline.

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
        case, suggestion, warnings = record(s, read_intake(s, raw))
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


def read_intake(s: Session, raw: Mapping[str, Any]) -> lifecycle.Intake:
    """An Intake from values as typed (option names as keys), each checked and named.

    Shared by `log` and everything else that takes complaints in."""
    opt = fields.optional_text
    day, delivered = None, None
    if raw.get("delivery_date") is not None:
        day, delivered = clock.parse_day_or_time(str(raw["delivery_date"]), "delivery_date", s.now)
    received = raw.get("received_at")
    rules_ = s.rules
    return lifecycle.Intake(
        received_at=s.time(str(received), "received_at") if received is not None else s.now,
        channel=CHANNELS.parse(str(raw["channel"])),
        customer=fields.text("customer", str(raw["customer"])),
        phone=fields.phone(str(raw["phone"])),
        description=fields.text(
            "description", str(raw["description"]), limit=fields.TEXT_MAX, multiline=True
        ),
        org=opt("org", raw.get("org")),
        order_no=opt("order_no", raw.get("order_no")),
        product=opt("product", raw.get("product")),
        batch=opt("batch", raw.get("batch")),
        delivery_date=day,
        delivered_at=delivered,
        quantity=fields.count("quantity", raw.get("quantity")),
        defective=fields.count("defective", raw.get("defective")),
        request=opt("request", raw.get("request"), limit=fields.TEXT_MAX, multiline=True),
        people=fields.count("people", 1 if raw.get("people") is None else raw["people"], minimum=1)
        or 1,
        ill=bool(raw.get("ill")),
        injured=bool(raw.get("injured")),
        category=term(rules_.category_terms, raw.get("category")),
        severity=term(SEVERITIES, raw.get("severity")),
        reason=opt("reason", raw.get("reason"), limit=fields.TEXT_MAX),
    )


def record(s: Session, intake: lifecycle.Intake) -> tuple[Case, triage.Suggestion, list[str]]:
    """Open the case and store it with its first history entry; the warnings it raises."""
    rules_ = s.rules
    case = lifecycle.open_case(intake, s.now, rules_)
    suggestion = triage.suggest(intake.facts, rules_, category=intake.category)
    note = "; ".join(suggestion.reasons)
    if intake.reason is not None:
        note += f"; reason: {intake.reason}"
    operator = s.operator
    with s.writing() as conn:
        warnings = _warnings(s, case)  # kept in the history too: what the operator was told
        note = "; ".join([note, *(f"warning: {w}" for w in warnings)])
        case = store.insert(conn, case, by=operator, at=s.now, note=note)
    return case, suggestion, warnings


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
        str | None, typer.Option(help="Why, when lowering the severity below the suggestion.")
    ] = None,
    json_: JsonOption = False,
    db: DbOption = None,
    rules: RulesOption = None,
    by: ByOption = None,
) -> None:
    """Confirm or change category and severity; deadlines are counted again from receipt.

    Lowering a severity below what the rules suggest needs --reason (kept in the history).

    Example: aftersales classify 42 --category food_quality --severity general
    --reason "拍照确认只是米饭偏硬，无人不适"
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        rules_ = s.rules
        category_value = term(rules_.category_terms, category)
        severity_value = term(SEVERITIES, severity)
        reason_value = fields.optional_text("reason", reason, limit=fields.TEXT_MAX)
        _, after = s.change(
            complaint_id,
            "classify",
            lambda conn, case: lifecycle.classify(
                case, category_value, severity_value, reason_value, s.now, rules_
            ),
            note=reason_value,
        )
        print_case(s, after, json_=json_, lead=[Line(f"Classified complaint #{after.id}.", "ok")])
