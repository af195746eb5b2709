"""A complaint as the output contract's JSON: `show --json`, `list --json`, `export` and
the records `import` reads back (CSV is the same record, flattened, in `exchange`).

The JSON keys are stable (scripts rely on them): times in local time with offset,
money in yuan, every deadline `{"due_at", "done_at", "state", "extended_from",
"reason", "business_time", "counting"}` (`counting`: how a business-time due was counted,
`rules.case.counting_parts`; null on a 24/7 clock).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from aftersales_cli.clock import LocalTimes, iso_local, local_times, local_zone
from aftersales_cli.rules.case import Case, Deadline, counting_parts
from aftersales_cli.rules.fields import mask_phone
from aftersales_cli.rules.taxonomy import MILESTONE_KEYS

if TYPE_CHECKING:
    from aftersales_cli.rules.actions import Action
    from aftersales_cli.rules.attachments import Attachment
    from aftersales_cli.rules.clients import Client
    from aftersales_cli.rules.ledger import Entry


def number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def deadline_json(
    deadline: Deadline, now: datetime, paused: bool = False, zone: tzinfo | None = None
) -> dict[str, Any]:
    """`state` is `paused` for a pending deadline of a paused case (it does not run)."""
    zone = zone or local_zone()
    return {
        "due_at": iso_local(deadline.due_at, zone),
        "done_at": iso_local(deadline.done_at, zone),
        "state": deadline.state(now, paused),
        "extended_from": iso_local(deadline.extended_from, zone),
        "reason": deadline.reason,
        "business_time": deadline.business_time,
        "counting": (
            None
            if deadline.counting is None
            else counting_parts(deadline.counting, iso_local(deadline.counting.start, zone) or "")
        ),
    }


class Money(NamedTuple):
    """A case's ledger entries and its supply event's penalty, as `show` reads them."""

    ledger: list[Entry]
    penalty: dict[str, Any] | None


def entry_json(entry: Entry) -> dict[str, Any]:
    """A ledger entry: `{id, complaint_id, kind, payment_kind, amount, reason, by, at,
    reverses}`."""
    return {
        "id": entry.id,
        "complaint_id": entry.complaint_id,
        "kind": entry.kind,
        "payment_kind": entry.payment_kind,
        "amount": number(entry.amount),
        "reason": entry.reason,
        "by": entry.by,
        "at": iso_local(entry.at),
        "reverses": entry.reverses,
    }


def action_json(action: Action, now: datetime) -> dict[str, Any]:
    """A corrective action: `{id, complaint_id, text, department, owner, due_at, state,
    done_at, verified_at, opened_at, by, late}` (`late`: done after its due time, or open
    past it now), and `survey_aspect` (the aspect's key) when it answers one."""
    data: dict[str, Any] = {
        "id": action.id,
        "complaint_id": action.complaint_id,
        "text": action.text,
        "department": action.department,
        "owner": action.owner,
        "due_at": iso_local(action.due_at),
        "state": action.state,
        "done_at": iso_local(action.done_at),
        "verified_at": iso_local(action.verified_at),
        "opened_at": iso_local(action.opened_at),
        "by": action.by,
        "late": action.late(now),
    }
    if action.survey_aspect is not None:
        data["survey_aspect"] = action.survey_aspect
    return data


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    """An attachment's metadata (never its content): `{number, name, type, size, sha256,
    by, at, note}`; `size` in bytes, `sha256` in hex."""
    return {
        "number": attachment.number,
        "name": attachment.name,
        "type": attachment.type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "by": attachment.by,
        "at": iso_local(attachment.at),
        "note": attachment.note,
    }


def penalty_json(case: Case) -> dict[str, Any] | None:
    """The penalty as the case alone knows it (`show` adds the supply event's view)."""
    penalty = case.penalty
    if penalty is None:
        return None
    return {
        "event": None,
        "offence": penalty.offence,
        "multiplier": number(penalty.multiplier),
        "amount": number(penalty.amount),
        "same_offence_as": None,
        "earlier_events": [],
    }


def case_json(
    case: Case,
    now: datetime,
    *,
    sample_until: datetime | None = None,
    show_phone: bool = True,
    money: Money | None = None,
    actions: Sequence[Action] | None = None,
) -> dict[str, Any]:
    data = _case_json(case, now, sample_until, show_phone)
    if money is not None:
        data["penalty"] = money.penalty
        data["ledger"] = [entry_json(e) for e in money.ledger]
    if actions is not None:
        data["actions"] = [action_json(a, now) for a in actions]
    return data


def _case_json(
    case: Case, now: datetime, sample_until: datetime | None, show_phone: bool
) -> dict[str, Any]:
    zone = local_zone()
    return {
        "id": case.id,
        "status": case.status,
        "received_at": iso_local(case.received_at, zone),
        "channel": case.channel,
        "customer": case.customer,
        "phone": case.phone if show_phone else mask_phone(case.phone),
        "org": case.org,
        "order_no": case.order_no,
        "product": case.product,
        "batch": case.batch,
        "delivery_date": case.delivery_date.isoformat() if case.delivery_date else None,
        "delivered_at": iso_local(case.delivered_at, zone),
        "quantity": case.quantity,
        "defective": case.defective,
        "description": case.description,
        "request": case.request,
        "people": case.people,
        "ill": case.ill,
        "injured": case.injured,
        "symptoms": case.symptoms,
        "onset_at": iso_local(case.onset_at, zone),
        "eaten": case.eaten,
        "hospital": case.hospital,
        "category": case.category,
        "severity": case.severity,
        "department": case.department,
        "assignee": case.assignee,
        "deadlines": {
            m: deadline_json(case.deadlines[m], now, case.paused, zone) for m in MILESTONE_KEYS
        },
        "remedy": case.remedy,
        "remedies": list(case.remedies),
        "amount": number(case.amount),
        "cause": case.cause,
        "ours": case.ours,
        "finding": case.finding,
        "note": case.note,
        "supply_value": number(case.supply_value),
        "price": number(case.price),
        "loss": number(case.loss),
        "staff": case.staff,
        "penalty": penalty_json(case),
        "staff_fine": (
            {"staff": case.staff, "amount": number(case.staff_fine)}
            if case.staff_fine is not None
            else None
        ),
        "statutory_compensation": number(case.statutory_compensation),
        "incident": case.incident,
        "satisfaction": case.satisfaction,
        "revisit_method": case.revisit_method,
        "revisit_note": case.revisit_note,
        "closed_at": iso_local(case.closed_at, zone),
        "reopened_at": iso_local(case.reopened_at, zone),
        "reopen_count": case.reopen_count,
        "escalated_at": iso_local(case.escalated_at, zone),
        "last_note_at": iso_local(case.last_note_at, zone),
        "paused_at": iso_local(case.paused_at, zone),
        "pause_reason": case.pause_reason,
        "pause_limit_at": iso_local(case.pause_limit_at, zone),
        "pause_applied_at": iso_local(case.pause_applied_at, zone),
        "paused_minutes": case.paused_minutes,
        "sample_until": iso_local(sample_until, zone),
    }


_TIME_KEY_ENDS = ("_at", ".extended_from")


def is_time_key(key: str) -> bool:
    return key.endswith(_TIME_KEY_ENDS)


def _local(value: str, times: LocalTimes) -> str:
    """A stored UTC time as local ISO-8601; text that is not a time stays as it is."""
    try:
        return times.text(value)
    except (ValueError, OverflowError):
        return value


def event_json(event: Any, zone: tzinfo | None = None) -> dict[str, Any]:
    """An event of the history, times in local time (pass `zone` in a hot loop)."""
    zone = zone or local_zone()
    times = local_times(zone)
    return {
        "at": iso_local(event.at, zone),
        "by": event.by,
        "action": event.action,
        "changes": {
            key: (
                [_local(v, times) if isinstance(v, str) else v for v in pair]
                if key.endswith(_TIME_KEY_ENDS)
                else pair
                if type(pair) is list
                else [*pair]  # (what a list of it shows; a damaged value as it reads)
            )
            for key, pair in event.changes.items()
        },
        "note": event.note,
    }


def client_json(client: Client, *, show_phone: bool = False) -> dict[str, Any]:
    """A registered client: `{id, name, kind, since, key_account, contact, phone,
    registered_by, created_at, merged_into, aliases}` (the phone masked unless asked)."""
    phone = client.phone if show_phone or client.phone is None else mask_phone(client.phone)
    return {
        "id": client.id,
        "name": client.name,
        "kind": client.kind,
        "since": client.since.isoformat() if client.since else None,
        "key_account": client.key_account,
        "contact": client.contact,
        "phone": phone,
        "registered_by": client.registered_by,
        "created_at": iso_local(client.created_at),
        "merged_into": client.merged_into,
        "aliases": list(client.aliases),
    }
