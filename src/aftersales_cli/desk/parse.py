"""What people and files type, made into the desk's typed commands: every value checked
and named as the command that sets it checks it (`rules.fields`, the vocabularies, the
clock). The CLI, the demo and import all parse here — there is no second parser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from aftersales_cli import clock
from aftersales_cli.desk import commands as cmd
from aftersales_cli.rules import fields, lifecycle
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.taxonomy import (
    CAUSES,
    CHANNELS,
    DEPARTMENTS,
    FINDINGS,
    METHODS,
    MILESTONES,
    NOTE_KINDS,
    PAYMENT_KINDS,
    REMEDIES,
    SEVERITIES,
    Vocabulary,
)


def term(vocabulary: Vocabulary, value: str | None) -> str | None:
    """An English or Chinese term; None stays None."""
    return None if value is None else vocabulary.parse(value)


def _text(field: str, value: str | None) -> str | None:
    return fields.optional_text(field, value, limit=fields.TEXT_MAX, multiline=True)


def intake_field(field: str, value: str, rules: Rules) -> str:
    """One of the fields `log` may ask for (phone, customer, org, description, channel,
    category), checked as `intake` checks it: a prompt checks each answer as it is typed."""
    if field == "phone":
        return fields.phone(value)
    if field == "description":
        return fields.text("description", value, limit=fields.TEXT_MAX, multiline=True)
    if field == "channel":
        return CHANNELS.parse(value)
    if field == "category":
        return rules.category_terms.parse(value)
    return fields.text(field, value)  # customer, org


def intake(values: Mapping[str, Any], now: datetime, rules: Rules) -> cmd.LogComplaint:
    """A complaint as typed (option names as keys): `log`'s options, a demo entry, an
    intake row of an import."""
    opt = fields.optional_text
    day, delivered = None, None
    if values.get("delivery_date") is not None:
        day, delivered = clock.parse_day_or_time(str(values["delivery_date"]), "delivery_date", now)
    received = values.get("received_at")
    people = values.get("people")
    return cmd.LogComplaint(
        lifecycle.Intake(
            received_at=clock.parse_time(str(received), "received_at", now)
            if received is not None
            else now,
            channel=intake_field("channel", str(values["channel"]), rules),
            customer=intake_field("customer", str(values["customer"]), rules),
            phone=intake_field("phone", str(values["phone"]), rules),
            description=intake_field("description", str(values["description"]), rules),
            org=opt("org", values.get("org")),
            order_no=opt("order_no", values.get("order_no")),
            product=opt("product", values.get("product")),
            batch=opt("batch", values.get("batch")),
            delivery_date=day,
            delivered_at=delivered,
            quantity=fields.count("quantity", values.get("quantity")),
            defective=fields.count("defective", values.get("defective")),
            request=opt("request", values.get("request"), limit=fields.TEXT_MAX, multiline=True),
            people=fields.count("people", 1 if people is None else people, minimum=1) or 1,
            ill=bool(values.get("ill")),
            injured=bool(values.get("injured")),
            category=term(rules.category_terms, values.get("category")),
            severity=term(SEVERITIES, values.get("severity")),
            reason=opt("reason", values.get("reason"), limit=fields.TEXT_MAX),
        )
    )


def classify(
    complaint_id: int,
    category: str | None,
    severity: str | None,
    reason: str | None,
    rules: Rules,
) -> cmd.Classify:
    return cmd.Classify(
        complaint_id,
        term(rules.category_terms, category),
        term(SEVERITIES, severity),
        fields.optional_text("reason", reason, limit=fields.TEXT_MAX),
    )


def assign(complaint_id: int, department: str | None, assignee: str | None) -> cmd.Assign:
    return cmd.Assign(
        complaint_id, term(DEPARTMENTS, department), fields.optional_text("to", assignee)
    )


def mark_done(
    complaint_id: int,
    milestone: str,
    at: str | None,
    note: str | None,
    reason: str | None,
    now: datetime,
) -> cmd.MarkDone:
    return cmd.MarkDone(
        complaint_id,
        MILESTONES.parse(milestone),
        clock.parse_time(at, "at", now) if at is not None else now,
        _text("note", note),
        fields.optional_text("reason", reason, limit=fields.TEXT_MAX),
    )


def extend(complaint_id: int, milestone: str, until: str, reason: str, now: datetime) -> cmd.Extend:
    return cmd.Extend(
        complaint_id,
        MILESTONES.parse(milestone),
        clock.parse_time(until, "until", now),
        fields.text("reason", reason, limit=fields.TEXT_MAX),
    )


def payment(text: str) -> tuple[str | None, Decimal]:
    """`--amount 36` (the first paying remedy) or `--amount refund=36` (Chinese kinds too)."""
    kind: str | None = None
    value = text
    if "=" in text:
        name, value = text.split("=", 1)
        kind = PAYMENT_KINDS.parse(name.strip())
    paid = fields.amount("amount", value, positive=True)
    assert paid is not None
    return kind, paid


def close(
    complaint_id: int,
    *,
    remedies: Sequence[str],
    cause: str,
    amounts: Sequence[str] = (),
    ours: bool | None = None,
    finding: str | None = None,
    supply_value: str | None = None,
    delivery_date: str | None = None,
    price: str | None = None,
    loss: str | None = None,
    staff: str | None = None,
    note: str | None = None,
    now: datetime,
) -> cmd.Close:
    return cmd.Close(
        complaint_id,
        lifecycle.Closing(
            remedies=tuple(dict.fromkeys(REMEDIES.parse(r) for r in remedies)),
            cause=CAUSES.parse(cause),
            payments=tuple(payment(a) for a in amounts),
            ours=ours,
            finding=term(FINDINGS, finding),
            supply_value=fields.amount("supply_value", supply_value, positive=True),
            price=fields.amount("price", price),
            loss=fields.amount("loss", loss),
            staff=fields.optional_text("staff", staff),
            note=_text("note", note),
            delivery_date=(
                clock.parse_day_or_time(delivery_date, "delivery_date", now)[0]
                if delivery_date is not None
                else None
            ),
        ),
    )


def revisit(complaint_id: int, satisfaction: int, method: str, note: str | None) -> cmd.Revisit:
    return cmd.Revisit(
        complaint_id, fields.satisfaction(satisfaction), METHODS.parse(method), _text("note", note)
    )


def note(complaint_id: int, text: str, kind: str | None) -> cmd.Note:
    """`aftersales note ID TEXT [--kind KIND]` (internal unless said)."""
    return cmd.Note(
        complaint_id,
        fields.text("text", text, limit=fields.TEXT_MAX, multiline=True),
        NOTE_KINDS.parse(kind) if kind is not None else "internal",
    )


def pay(complaint_id: int, kind: str, amount: str, note: str | None) -> cmd.Pay:
    paid = fields.amount("amount", amount, positive=True)
    assert paid is not None
    return cmd.Pay(complaint_id, PAYMENT_KINDS.parse(kind), paid, _text("note", note))


def reverse_payment(complaint_id: int, entry: int, reason: str | None) -> cmd.ReversePayment:
    return cmd.ReversePayment(
        complaint_id, entry, fields.text("reason", reason or "", limit=fields.TEXT_MAX)
    )
