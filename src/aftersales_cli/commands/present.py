"""How a command presents the complaint it touched: the contract's JSON, or a view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aftersales_cli.commands.context import Session
from aftersales_cli.render import output, record_json, records
from aftersales_cli.render.blocks import Block, Line
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.deadlines import sample_sealable_until
from aftersales_cli.store.events import Event


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
) -> None:
    """`money` (the case's ledger and its supply event's penalty) where the command read
    it: `show`, `close`, `pay`."""
    until = sample_until(case, s)
    if json_:
        data = record_json.case_json(case, s.now, sample_until=until, money=money)
        if events is not None:
            data["events"] = [record_json.event_json(e) for e in events]
        output.print_json({**data, **(extra or {})})
        return
    blocks = [
        *lead,
        *records.case_view(
            case, s.now, s.zone_name, sample_until=until, events=events or (), money=money
        ),
    ]
    output.show(blocks)
    if case.incident:
        output.note(f"!!! complaint #{case.id}: {records.INCIDENT_TEXT}", "danger")


def changed(case: Case, what: str) -> Line:
    return Line(f"{what} complaint #{case.id}.", "ok")
