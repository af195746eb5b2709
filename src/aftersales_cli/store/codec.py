"""The row codec: a complaint's row and deadline rows ↔ `rules.case.Case`, and no SQL.

Named for its one job — how a value is kept, not where or when it is read or written —
so that every module that reads or writes complaints (`complaints`, `search`, `bulk`,
`health`, the ledger's money) shares one answer: times are UTC text, money is whole fen
(`fen`/`yuan`), booleans 0/1. `COLUMNS` is the one declaration of a complaint's columns;
`bulk` and the benchmark seed take theirs from it (the migrations stay literal SQL: a
migration never changes when the code does).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from aftersales_cli.clock import from_utc_text, local_zone, to_utc_text
from aftersales_cli.errors import DatabaseUnusable
from aftersales_cli.rules.case import (
    Case,
    Counting,
    Deadline,
    Penalty,
    counting_from,
    counting_parts,
)
from aftersales_cli.rules.fields import client_key, phone_key
from aftersales_cli.rules.supply import event_key
from aftersales_cli.rules.taxonomy import MILESTONE_BITS, MILESTONE_KEYS

# Every column of a complaint's row, in the order bulk rows give them, with how it is
# kept: a field of the Case as text, int, bool (0/1), time (UTC text) or money (fen,
# the column named `<field>_fen`); derived from the case (`to_row` writes it); a match
# key or a report figure derived from the case; a repeat figure, which the SQL of
# `complaints.refresh_repeats` derives from the rows around it; or the row's id.
_KEPT: dict[str, str] = {
    "id": "id",
    "status": "text",
    "received_at": "time",
    "channel": "text",
    "customer": "text",
    "phone": "text",
    "phone_key": "key",
    "org": "text",
    "order_no": "text",
    "product": "text",
    "batch": "text",
    "delivery_date": "derived",
    "delivered_at": "time",
    "quantity": "int",
    "defective": "int",
    "description": "text",
    "request": "text",
    "people": "int",
    "ill": "bool",
    "injured": "bool",
    "category": "text",
    "severity": "text",
    "department": "text",
    "assignee": "text",
    "remedy": "text",
    "remedies": "derived",
    "amount_fen": "money",
    "cause": "text",
    "ours": "derived",
    "finding": "text",
    "note": "text",
    "supply_value_fen": "money",
    "price_fen": "money",
    "loss_fen": "money",
    "staff": "text",
    "penalty_offence": "derived",
    "penalty_multiplier": "derived",
    "penalty_fen": "derived",
    "staff_fine_fen": "money",
    "statutory_compensation_fen": "money",
    "incident": "bool",
    "satisfaction": "int",
    "revisit_method": "text",
    "revisit_note": "text",
    "closed_at": "time",
    "reopened_at": "time",
    "reopen_count": "int",
    "escalated_at": "time",
    "contact_minutes": "figure",
    "handling_minutes": "figure",
    "met_mask": "figure",
    "breached_mask": "figure",
    "same_gap_minutes": "repeat",
    "supply_event": "derived",
    "org_key": "key",
    "client_gap_minutes": "repeat",
    "symptoms": "text",
    "onset_at": "time",
    "eaten": "text",
    "hospital": "bool",
    "last_note_at": "time",
    "paused_at": "time",
    "pause_reason": "text",
    "pause_limit_at": "time",
    "pause_applied_at": "time",
    "paused_minutes": "int",
}
COLUMNS: tuple[str, ...] = tuple(_KEPT)
REPEATS: tuple[str, ...] = tuple(name for name, kept in _KEPT.items() if kept == "repeat")


def columns(kind: str) -> tuple[str, ...]:
    """The columns kept as `kind` (see `_KEPT`), in their order."""
    return tuple(name for name, kept in _KEPT.items() if kept == kind)


_TEXT = columns("text")
_INT = columns("int")
_BOOL = columns("bool")
_TIME = columns("time")
_MONEY = tuple(name.removesuffix("_fen") for name in columns("money"))
_TEXT_INT = _TEXT + _INT

# A row as read: a `sqlite3.Row`, or a dict of it (`db.dict_rows`, where many are read).
Row = sqlite3.Row | Mapping[str, Any]

DEADLINE_COLUMNS: tuple[str, ...] = (
    "complaint_id",
    "milestone",
    "due_at",
    "done_at",
    "extended_from",
    "reason",
    "late",
    "breach_noted",
    "counting",
)


def fen(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 100)


def yuan(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value) / 100


def times(value: Decimal | None) -> int | str | None:
    """A penalty multiplier as kept (an INTEGER column, migration 0009): the ladder's
    whole multiples as integers; a fractional one from an older rules file, in a history
    imported as it was, as its text (which the column's affinity keeps as a REAL)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else str(value)


def multiple(value: int | float | str | None) -> Decimal | None:
    """A kept multiplier back as the exact Decimal it was (`times`' inverse): through its
    text, so that a REAL 1.1 reads back 1.1 and not its binary neighbour."""
    return None if value is None else Decimal(str(value))


def _time(value: str | None, zone: tzinfo | None = None) -> datetime | None:
    return None if value is None else from_utc_text(value, zone)


def _utc(value: datetime | None) -> str | None:
    return None if value is None else to_utc_text(value)


def to_row(case: Case) -> dict[str, Any]:
    """The complaint's row: every column of `COLUMNS` but its id and repeat figures."""
    row: dict[str, Any] = {name: getattr(case, name) for name in _TEXT + _INT}
    row.update({name: int(getattr(case, name)) for name in _BOOL})
    row.update({name: _utc(getattr(case, name)) for name in _TIME})
    row.update({f"{name}_fen": fen(getattr(case, name)) for name in _MONEY})
    row["ours"] = None if case.ours is None else int(case.ours)
    row["delivery_date"] = case.delivery_date.isoformat() if case.delivery_date else None
    row.update(match_keys(case))
    row["remedies"] = ",".join(case.remedies) or None
    row["supply_event"] = event_key(case.org, case.delivery_date, case.batch, case.product)
    penalty = case.penalty
    row["penalty_offence"] = penalty.offence if penalty else None
    row["penalty_multiplier"] = times(penalty.multiplier) if penalty else None
    row["penalty_fen"] = fen(penalty.amount) if penalty else None
    row.update(report_figures(case))
    return row


def match_keys(case: Case) -> dict[str, str | None]:
    """How the case's phone and client are matched (`phone_key`, `client_key`)."""
    return {"phone_key": phone_key(case.phone), "org_key": client_key(case.org)}


def _minutes(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else int((end - start).total_seconds() // 60)


def report_figures(case: Case) -> dict[str, Any]:
    """What reports add up, derived from the case and kept on its row (migration 0003)."""
    outcomes = {MILESTONE_BITS[m]: case.deadlines[m].outcome for m in MILESTONE_KEYS}
    return {
        "contact_minutes": _minutes(case.received_at, case.deadlines["contact"].done_at),
        "handling_minutes": _minutes(case.received_at, case.closed_at),
        "met_mask": sum(1 << i for i, o in outcomes.items() if o == "met"),
        "breached_mask": sum(1 << i for i, o in outcomes.items() if o == "breached"),
    }


_NOT_DUE = Deadline()  # (frozen: one for every milestone a row has no deadline of)


def from_row(row: Row, deadlines: Mapping[str, Deadline], zone: tzinfo | None = None) -> Case:
    values: dict[str, Any] = {name: row[name] for name in _TEXT_INT}
    values.update({name: bool(row[name]) for name in _BOOL})
    zone = zone or local_zone()
    values.update({name: _time(row[name], zone) for name in _TIME})
    values.update({name: yuan(row[f"{name}_fen"]) for name in _MONEY})
    values["ours"] = None if row["ours"] is None else bool(row["ours"])
    values["remedies"] = tuple(row["remedies"].split(",")) if row["remedies"] else ()
    day = row["delivery_date"]
    values["delivery_date"] = date.fromisoformat(day) if day else None
    if row["penalty_offence"] is not None:
        values["penalty"] = Penalty(
            offence=row["penalty_offence"],
            multiplier=Decimal(str(row["penalty_multiplier"])),
            amount=yuan(row["penalty_fen"]) or Decimal(0),
        )
    full = {m: deadlines.get(m, _NOT_DUE) for m in MILESTONE_KEYS}
    return Case(id=row["id"], deadlines=full, **values)


def deadline_of(row: Sequence[Any], zone: tzinfo) -> Deadline:
    """A deadline from its row's values in the order of `DEADLINE_COLUMNS` (read by
    position: a million of them make a dict each otherwise)."""
    return Deadline(
        _time(row[2], zone),
        _time(row[3], zone),
        _time(row[4], zone),
        row[5],
        bool(row[6]),
        bool(row[7]),
        counting_of(row[8], zone),
    )


def deadline_row(complaint_id: int, milestone: str, deadline: Deadline) -> dict[str, Any]:
    """A deadline's row: the columns of `DEADLINE_COLUMNS`."""
    return {
        "complaint_id": complaint_id,
        "milestone": milestone,
        "due_at": _utc(deadline.due_at),
        "done_at": _utc(deadline.done_at),
        "extended_from": _utc(deadline.extended_from),
        "reason": deadline.reason,
        "late": int(deadline.late),
        "breach_noted": int(deadline.breach_noted),
        "counting": counting_text(deadline.counting),
    }


def counting_text(counting: Counting | None) -> str | None:
    if counting is None:
        return None
    import json

    parts = counting_parts(counting, to_utc_text(counting.start))
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def counting_of(text: str | None, zone: tzinfo) -> Counting | None:
    if text is None:
        return None
    import json

    parts = json.loads(text)
    return counting_from(parts, from_utc_text(parts["start"], zone))


class NonFinite(float):
    """A number of stored JSON that is not finite (`NaN`, `Infinity`, `1e400`: only a
    database edited by hand holds one). A float like any other, except to a strict
    encoder, which refuses it: export's fast encoder then leaves its record to `json`,
    which writes it as it always has (`render.output.json_lines`)."""


def _number(text: str) -> float:
    value = float(text)
    return value if math.isfinite(value) else NonFinite(value)


_STORED = json.JSONDecoder(parse_float=_number, parse_constant=_number)


def stored_json(text: str) -> Any:
    """A JSON text the database keeps (a history entry's changes, a survey's scores), as
    `json.loads` reads it — its numbers that are not finite as `NonFinite`."""
    if type(text) is not str or text.startswith("\ufeff"):  # json.loads's own refusals
        return json.loads(text, parse_float=_number, parse_constant=_number)
    try:  # a text that is one JSON value and nothing more, as the tool writes them
        value, end = _STORED.raw_decode(text)
    except ValueError:
        end = -1
    if end == len(text):
        return value
    return _STORED.decode(text)  # spaces around it, or a refusal: as json.loads says


class Unreadable(DatabaseUnusable):
    """A stored value the tool cannot read back (a database edited by hand, or damaged
    where SQLite cannot tell): named, never a crash. `aftersales check` lists them."""

    def __init__(self, complaint_id: int, what: str, reason: Exception) -> None:
        super().__init__(
            f"database: complaint {complaint_id} holds {what} that cannot be read "
            f"({type(reason).__name__}: {str(reason)[:80]}); run `aftersales check`"
        )
        self.complaint_id = complaint_id
        self.what = what


# What decoding a damaged value raises.
UNREADABLE = (ValueError, TypeError, KeyError, IndexError, OverflowError, ArithmeticError)


def decode(row: Row, deadlines: Mapping[str, Deadline] | None, zone: tzinfo) -> Case:
    """The case of a row and its deadlines (None: they could not be read), or
    `Unreadable` naming the complaint."""
    try:
        if deadlines is None:
            raise ValueError("its deadlines cannot be read")
        return from_row(row, deadlines, zone)
    except UNREADABLE as exc:
        raise Unreadable(row["id"], "a value", exc) from None
