"""How a command presents the complaint it touched: the contract's JSON, or a view."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aftersales_cli.commands.context import Session
from aftersales_cli.render import output, record_json, records
from aftersales_cli.render.blocks import Block, Line
from aftersales_cli.rules import penalties, supply
from aftersales_cli.rules.actions import Action
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.deadlines import sample_sealable_until
from aftersales_cli.store.events import Event

if TYPE_CHECKING:
    from aftersales_cli.rules.attachments import Attachment


def sample_until(case: Case, s: Session) -> datetime | None:
    return sample_sealable_until(
        case.category, case.delivery_date, case.delivered_at, s.now, s.rules
    )


def print_case(
    s: Session,
    case: Case,
    *,
    json_: bool,
    extra: dict[str, Any] | None = None,
    lead: Sequence[Block] = (),
    events: Sequence[Event] | None = None,
    money: record_json.Money | None = None,
    actions: Sequence[Action] | None = None,
    attachments: Sequence[Attachment] | None = None,
) -> None:
    """`money` (the case's ledger and its supply event's penalty) where the command read
    it: `show`, `close`, `pay`; `actions` (its corrective actions) and `attachments` (their
    metadata) where it read them: `show`."""
    for warning in records.unofficial_warnings(case):
        output.warn(warning)
    until = sample_until(case, s)
    if json_:
        data = record_json.case_json(case, s.now, sample_until=until, money=money, actions=actions)
        if events is not None:
            data["events"] = [record_json.event_json(e) for e in events]
        if attachments is not None:
            data["attachments"] = [record_json.attachment_json(a) for a in attachments]
        output.print_json({**data, **(extra or {})})
        return
    blocks = [
        *lead,
        *records.case_view(
            case,
            s.now,
            s.zone_name,
            sample_until=until,
            events=events or (),
            money=money,
            actions=actions or (),
            attachments=attachments or (),
        ),
    ]
    output.show(blocks)
    if case.incident:
        output.note(f"!!! complaint #{case.id}: {records.INCIDENT_TEXT}", "danger")


def changed(case: Case, what: str) -> Line:
    return Line(f"{what} complaint #{case.id}.", "ok")


# ---- the money of a case: what show, close and pay print -------------------------------


def penalty_view(conn: sqlite3.Connection, case: Case, rules: Rules) -> dict[str, Any] | None:
    """`penalty: {event, offence, multiplier, amount, same_offence_as, earlier_events}` —
    for the case that carries its supply event's fine, and for every other case of it."""
    from aftersales_cli.desk.ledger import client_fines  # (the ledger: show, close, pay)

    event = supply.event_key(case.org, case.delivery_date, case.batch, case.product)
    if event is not None and penalties.is_penalty_finding(case.finding, case.ours, rules):
        target, _ = client_fines(conn, supply.client_of(event), rules)
        fine = target.get(event)
        if fine is not None:
            carries = fine.complaint_id == case.id
            return {
                "event": supply.shown(event),
                "offence": fine.offence,
                "multiplier": record_json.number(fine.multiplier),
                "amount": record_json.number(fine.amount) if carries else 0,
                "same_offence_as": None if carries else fine.complaint_id,
                "earlier_events": [supply.shown(e) for e in fine.earlier],
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
    from aftersales_cli.store import ledger as books

    assert case.id is not None
    return record_json.Money(books.of_case(conn, case.id), penalty_view(conn, case, rules))
