"""Money: the ledger a close writes (fines of supply events, staff fines, payments), and
`pay`, which records a payment at any time after intake or reverses a mistaken one."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from aftersales_cli.commands.context import (
    ByOption,
    DbOption,
    IdArgument,
    JsonOption,
    RulesOption,
    Session,
    Step,
    session,
)
from aftersales_cli.commands.present import changed, print_case
from aftersales_cli.errors import BadInput
from aftersales_cli.render import output, record_json, records
from aftersales_cli.rules import fields, ledger, lifecycle, penalties
from aftersales_cli.rules.case import Case, Penalty
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.errors import Refused
from aftersales_cli.rules.ledger import Entry
from aftersales_cli.rules.taxonomy import PAYMENT_KINDS
from aftersales_cli.store import complaints as store
from aftersales_cli.store import ledger as books


def candidate_of(case: Case, rules: Rules) -> ledger.Candidate | None:
    """The case as a fine candidate: a penalty finding that is ours, on a supply event."""
    event = ledger.event_key(case.org, case.delivery_date, case.batch, case.product)
    if (
        event is None
        or case.id is None
        or case.supply_value is None
        or not penalties.is_penalty_finding(case.finding, case.ours, rules)
    ):
        return None
    return ledger.Candidate(case.id, event, case.closed_at or case.received_at, case.supply_value)


def _penalty(fine: ledger.Fine | None, complaint_id: int | None) -> Penalty | None:
    if fine is None or fine.complaint_id != complaint_id:
        return None
    return Penalty(fine.offence, fine.multiplier, fine.amount)


def client_fines(
    conn: sqlite3.Connection,
    client: str,
    rules: Rules,
    extra: ledger.Candidate | None = None,
    changed: int | None = None,
) -> tuple[dict[str, ledger.Fine], list[Entry]]:
    """What the ledger should hold for a client's supply events — with complaint
    `changed` as it is about to be stored (`extra`, or no candidate at all) rather than as
    stored — and the fine entries it holds."""
    found = books.candidates(conn, client, rules.penalty_findings, changed)
    if extra is not None and ledger.client_of(extra.event) == client:
        found.append(extra)
    entries = books.of_client(conn, client)
    target = ledger.fines(
        found,
        ledger.carriers_of(entries),
        rules.penalty_window_days,
        rules.penalty_ladder,
        ledger.first_fined(entries),
    )
    return target, entries


def settle(
    conn: sqlite3.Connection,
    before: Case,
    after: Case,
    rules: Rules,
    *,
    by: str,
    at: datetime,
    why: str,
    payments: tuple[tuple[str, Decimal], ...] = (),
) -> Case:
    """Append what the ledger needs after `before` became `after` (its fines, its staff
    fine, its payments; the fines of its client's other events re-evaluated, their cases'
    penalty updated with a `penalty` history entry). Returns `after` with its penalty."""
    assert after.id is not None
    own = books.of_case(conn, after.id)
    new: list[Entry] = [
        ledger.reversal(e, f"{why}: re-evaluated as a supply event", by, at)
        for e in ledger.standing(own)
        if e.kind == "fine" and e.event is None  # fined before the ledger knew events
    ]
    mine = candidate_of(after, rules)
    keys = {ledger.event_key(c.org, c.delivery_date, c.batch, c.product) for c in (before, after)}
    keys |= {e.event for e in ledger.standing(own) if e.kind == "fine" and e.event}
    clients = sorted({ledger.client_of(k) for k in keys if k})
    penalty: Penalty | None = None
    others: dict[int, tuple[Penalty | None, str]] = {}
    for client in clients:
        target, entries = client_fines(conn, client, rules, mine, after.id)
        changes = ledger.reconcile(
            entries, target, by=by, at=at, window_days=rules.penalty_window_days, why=why
        )
        new.extend(changes)
        for fine in target.values():
            if fine.complaint_id == after.id:
                penalty = _penalty(fine, after.id)
        for entry in changes:
            if entry.complaint_id != after.id:
                others[entry.complaint_id] = (
                    _penalty(target.get(entry.event or ""), entry.complaint_id),
                    entry.reason or why,
                )
    new.extend(
        ledger.settle_staff_fine(
            own, after.id, after.staff_fine, after.staff, by=by, at=at, why=why
        )
    )
    new.extend(
        Entry(after.id, "payment", amount, at, by, reason=f"paid at {why}", payment_kind=kind)
        for kind, amount in payments
    )
    books.append(conn, new)
    for complaint_id, (their_penalty, reason) in sorted(others.items()):
        other = store.get(conn, complaint_id)
        if other.penalty != their_penalty:
            updated = dataclasses.replace(other, penalty=their_penalty)
            store.update(conn, other, updated, action="penalty", by=by, at=at, note=reason)
    return dataclasses.replace(after, penalty=penalty)


def closing_step(s: Session, closing: lifecycle.Closing) -> Step:
    """The close step: closes the case, then settles its ledger in the same transaction."""
    rules_ = s.rules

    def step(conn: sqlite3.Connection, case: Case) -> Case:
        after = lifecycle.close(case, closing, s.now, rules_)
        paid = tuple(lifecycle.payments_of(closing))
        return settle(
            conn,
            case,
            after,
            rules_,
            by=s.operator,
            at=s.now,
            why=f"close of #{case.id}",
            payments=paid,
        )

    return step


# ---- what show, close and pay print --------------------------------------------------


def penalty_view(conn: sqlite3.Connection, case: Case, rules: Rules) -> dict[str, Any] | None:
    """`penalty: {event, offence, multiplier, amount, same_offence_as, earlier_events}` —
    for the case that carries its supply event's fine, and for every other case of it."""
    event = ledger.event_key(case.org, case.delivery_date, case.batch, case.product)
    if event is not None and penalties.is_penalty_finding(case.finding, case.ours, rules):
        target, _ = client_fines(conn, ledger.client_of(event), rules)
        fine = target.get(event)
        if fine is not None:
            carries = fine.complaint_id == case.id
            return {
                "event": ledger.shown(event),
                "offence": fine.offence,
                "multiplier": record_json.number(fine.multiplier),
                "amount": record_json.number(fine.amount) if carries else 0,
                "same_offence_as": None if carries else fine.complaint_id,
                "earlier_events": [ledger.shown(e) for e in fine.earlier],
            }
    if case.penalty is not None:  # a fine recorded before supply events
        return {
            "event": None,
            "offence": case.penalty.offence,
            "multiplier": record_json.number(case.penalty.multiplier),
            "amount": record_json.number(case.penalty.amount),
            "same_offence_as": None,
            "earlier_events": [],
        }
    return None


def money_extra(conn: sqlite3.Connection, case: Case, rules: Rules) -> record_json.Money:
    assert case.id is not None
    return record_json.Money(books.of_case(conn, case.id), penalty_view(conn, case, rules))


# ---- pay -------------------------------------------------------------------------------


def _payment_step(s: Session, kind: str, amount: Decimal, note: str | None) -> Step:
    def step(conn: sqlite3.Connection, case: Case) -> Case:
        assert case.id is not None
        books.append(
            conn,
            [Entry(case.id, "payment", amount, s.now, s.operator, reason=note, payment_kind=kind)],
        )
        return case

    return step


def _reversal_step(s: Session, entry_id: int, reason: str) -> Step:
    def step(conn: sqlite3.Connection, case: Case) -> Case:
        entry = books.get(conn, entry_id)
        if entry.complaint_id != case.id:
            raise Refused(
                "reverse", f"ledger entry {entry_id} belongs to complaint {entry.complaint_id}"
            )
        if entry.kind != "payment" or entry.reverses is not None:
            raise Refused(
                "reverse",
                f"ledger entry {entry_id} is a {entry.kind}"
                + (" reversal" if entry.reverses is not None else "")
                + "; pay --reverse cancels a payment (fines follow the case's findings)",
            )
        if books.is_reversed(conn, entry_id):
            raise Refused("reverse", f"ledger entry {entry_id} is already reversed")
        books.append(conn, [ledger.reversal(entry, reason, s.operator, s.now)])
        return case

    return step


def pay(
    ctx: typer.Context,
    complaint_id: IdArgument,
    kind: Annotated[
        str | None,
        typer.Option(
            help="refund 退款, compensation 经济赔偿, medical_costs 医疗费用, coupon 优惠券, "
            "statutory 法定赔偿 (Food Safety Law art. 148).",
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
    """Record a payment to the customer, at any time after intake (also after close), or
    reverse a mistaken one. Each is a ledger entry and a history entry, in one go.

    Example: aftersales pay 42 --kind medical_costs --amount 860 --note "医院发票 3 张"
    """
    with session(ctx, db=db, rules=rules, by=by) as s:
        if reverse is not None:
            if kind is not None or amount is not None:
                raise BadInput("reverse", "reverses an entry as it was: give no --kind or --amount")
            why = fields.text("reason", reason or "", limit=fields.TEXT_MAX)
            step = _reversal_step(s, reverse, why)
            lead = f"Reversed ledger entry {reverse} of"
            history_note = f"reversed ledger entry {reverse}: {why}"
        else:
            if kind is None or amount is None:
                raise BadInput("kind", "pay needs --kind and --amount (or --reverse ENTRY)")
            which = PAYMENT_KINDS.parse(kind)
            paid = fields.amount("amount", amount, positive=True)
            assert paid is not None
            said = fields.optional_text("note", note, limit=fields.TEXT_MAX, multiline=True)
            step = _payment_step(s, which, paid, said)
            lead = f"Paid {records.money(paid)} ({which}) on"
            history_note = f"{which} {records.money(paid)}" + (f": {said}" if said else "")
        _, after = s.change(complaint_id, "pay", step, note=history_note)
        print_case(
            s,
            after,
            json_=json_,
            lead=[changed(after, lead)],
            money=money_extra(s.conn, after, s.rules),
        )
        if not json_:
            output.note(history_note, "ok")
