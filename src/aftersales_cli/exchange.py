"""The files complaints travel in: export records (JSON Lines or CSV) and import rows.

An exported record is the complaint of the output contract, its deadlines carrying also
`late` and `breach_noted`, plus its whole history (`events`), so that importing it into
an empty database gives the same complaint back. CSV flattens the nesting into dotted
columns (`deadlines.contact.due_at`) with the history as JSON in `events`, neutralises
cells that a spreadsheet would run as a formula, and is written with a byte-order mark.

An import row is either such a record (it has `status` and `deadlines`) or a plain intake
row, e.g. the online form platform's export, named like the `log` options (Chinese
headers are accepted too). Parsing names the field of every problem.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from aftersales_cli.clock import local_zone, to_utc_text
from aftersales_cli.render.records import case_json, event_json
from aftersales_cli.rules import fields
from aftersales_cli.rules.case import Case, Deadline, Penalty
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.taxonomy import (
    CAUSES,
    CHANNELS,
    DEPARTMENTS,
    FINDINGS,
    METHODS,
    MILESTONE_KEYS,
    REMEDIES,
    SEVERITIES,
    STATUSES,
)
from aftersales_cli.store.complaints import Event

ACTIONS = ("log", "import", "classify", "assign", "done", "extend", "close", "revisit", "breached")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")

# Headers of a form platform's export, and what they mean.
HEADER_ALIASES = {
    "受理时间": "received_at",
    "投诉时间": "received_at",
    "提交时间": "received_at",
    "渠道": "channel",
    "反馈渠道": "channel",
    "客户姓名": "customer",
    "姓名": "customer",
    "联系人": "customer",
    "联系电话": "phone",
    "电话": "phone",
    "手机": "phone",
    "单位": "org",
    "客户单位": "org",
    "学校": "org",
    "订单号": "order_no",
    "订单编号": "order_no",
    "产品": "product",
    "菜品": "product",
    "批次": "batch",
    "批号": "batch",
    "配送日期": "delivery_date",
    "数量": "quantity",
    "不良数量": "defective",
    "问题描述": "description",
    "投诉内容": "description",
    "描述": "description",
    "客户诉求": "request",
    "诉求": "request",
    "分类": "category",
    "问题分类": "category",
    "严重程度": "severity",
    "影响人数": "people",
}


# ---- writing -----------------------------------------------------------------------


def export_record(
    case: Case,
    history: Iterable[Event],
    now: datetime,
    *,
    show_phone: bool,
    sample_until: datetime | None,
) -> dict[str, Any]:
    record = case_json(case, now, sample_until=sample_until, show_phone=show_phone)
    for milestone, deadline in case.deadlines.items():
        record["deadlines"][milestone]["late"] = deadline.late
        record["deadlines"][milestone]["breach_noted"] = deadline.breach_noted
    record["events"] = [event_json(e) for e in history]
    return record


# Objects that may be null, and their keys: CSV keeps a column for each either way, so
# that every row has the same columns.
NULLABLE_OBJECTS = {
    "penalty": ("offence", "multiplier", "amount"),
    "staff_fine": ("staff", "amount"),
}


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if value is None and not prefix and key in NULLABLE_OBJECTS:
            flat.update({f"{name}.{part}": None for part in NULLABLE_OBJECTS[key]})
        elif isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        elif isinstance(value, list):
            flat[name] = json.dumps(value, ensure_ascii=False)
        else:
            flat[name] = value
    return flat


def csv_cell(value: Any) -> Any:
    """A cell as a spreadsheet must not misread: formulas neutralised, numbers untouched."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def _needs_quote(text: str) -> bool:
    return text.startswith(_FORMULA) or (text.startswith("'") and _needs_quote(text[1:]))


def csv_text(value: str) -> str:
    """Undo `csv_cell`'s neutralising quote."""
    return value[1:] if value.startswith("'") and _needs_quote(value[1:]) else value


class CsvWriter:
    """Records to CSV, the header taken from the first one."""

    def __init__(self, out: io.TextIOBase | Any) -> None:
        self.out = out
        self.writer: csv.DictWriter[str] | None = None

    def write(self, record: Mapping[str, Any]) -> None:
        flat = flatten(record)
        if self.writer is None:
            self.writer = csv.DictWriter(self.out, fieldnames=list(flat), extrasaction="ignore")
            self.writer.writeheader()
        self.writer.writerow({k: csv_cell(v) for k, v in flat.items()})


# ---- reading -----------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, Any]
    problem: str | None = None  # a row that could not even be read

    @property
    def is_record(self) -> bool:
        return "status" in self.values and "deadlines" in self.values


class ImportError_(Exception):
    """Rows that cannot be imported: every message names its line and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} bad row(s)")
        self.problems = problems


def read_rows(text: str, fmt: str) -> Iterator[Row]:
    if fmt == "jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Row(number, {}, f"not valid JSON ({exc.msg})")
                continue
            if not isinstance(value, dict):
                yield Row(number, {}, "a row is a JSON object")
                continue
            yield Row(number, value)
        return
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    if reader.fieldnames is None:
        return
    start = reader.line_num + 1
    for raw in reader:
        values = {
            HEADER_ALIASES.get(k.strip(), k.strip()): csv_text(v or "")
            for k, v in raw.items()
            if k is not None
        }
        yield Row(start, unflatten({k: v for k, v in values.items() if v != ""}))
        start = reader.line_num + 1


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = json.loads(value) if key == "events" else value
    return nested


def _time(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise RuleError(field, f"an ISO-8601 time with its offset, got {value!r}")
    return parsed.astimezone(local_zone()).replace(microsecond=0)


def _int(value: Any, field: str, low: int = 0, high: int = fields.COUNT_MAX) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise RuleError(field, f"a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise RuleError(field, f"a whole number from {low} to {high}")
    return number


def _bool(value: Any, field: str) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "y", "是"):
        return True
    if text in ("false", "0", "no", "n", "否"):
        return False
    raise RuleError(field, f"true or false, got {value!r}")


def _money(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise RuleError(field, f"an amount in yuan, got {value!r}") from None
    return fields.amount(field, f"{number:f}")


def _text(value: Any, field: str, limit: int = fields.NAME_MAX) -> str | None:
    if value in (None, ""):
        return None
    return fields.text(field, str(value), limit=limit, multiline=limit > fields.NAME_MAX)


def _phone(value: Any) -> str:
    if "*" in str(value):
        raise RuleError("phone", "is masked; export with --show-phone to move complaints")
    return fields.phone(str(value))


def _term(vocabulary: Any, value: Any) -> str | None:
    return None if value in (None, "") else str(vocabulary.parse(str(value)))


def _deadline(data: Any, milestone: str) -> Deadline:
    if data in (None, ""):
        return Deadline()
    if not isinstance(data, dict):
        raise RuleError(f"deadlines.{milestone}", "an object with due_at and done_at")
    where = f"deadlines.{milestone}"
    return Deadline(
        due_at=_time(data.get("due_at"), f"{where}.due_at"),
        done_at=_time(data.get("done_at"), f"{where}.done_at"),
        extended_from=_time(data.get("extended_from"), f"{where}.extended_from"),
        reason=_text(data.get("reason"), f"{where}.reason", fields.TEXT_MAX),
        late=bool(_bool(data.get("late"), f"{where}.late")),
        breach_noted=bool(_bool(data.get("breach_noted"), f"{where}.breach_noted")),
    )


def _events(data: Any) -> list[Event]:
    if data in (None, ""):
        return []
    if not isinstance(data, list):
        raise RuleError("events", "a list of history entries")
    history = []
    for n, item in enumerate(data):
        where = f"events[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("changes", {}), dict):
            raise RuleError(where, "an object with at, by, action, changes and note")
        at = _time(item.get("at"), f"{where}.at")
        if at is None:
            raise RuleError(f"{where}.at", "is required")
        action = str(item.get("action", ""))
        if action not in ACTIONS:
            raise RuleError(f"{where}.action", f"one of {', '.join(ACTIONS)}")
        changes: dict[str, list[Any]] = {}
        for key, pair in item.get("changes", {}).items():
            if not isinstance(pair, list) or len(pair) != 2:
                raise RuleError(f"{where}.changes.{key}", "a pair [old, new]")
            if _timed(key):
                pair = [_utc(_time(v, f"{where}.changes.{key}")) for v in pair]
            changes[key] = pair
        history.append(
            Event(
                0,
                at,
                fields.text(f"{where}.by", str(item.get("by", ""))),
                action,
                changes,
                _text(item.get("note"), f"{where}.note", fields.TEXT_MAX),
            )
        )
    return history


def _utc(moment: datetime | None) -> str | None:
    return None if moment is None else to_utc_text(moment)


def _timed(key: str) -> bool:
    return key.endswith("_at") or key.endswith(".extended_from")


def case_from_record(data: Mapping[str, Any], rules: Rules) -> tuple[Case, list[Event]]:
    """A complaint exactly as exported, checked field by field."""
    day = data.get("delivery_date")
    try:
        delivery = date.fromisoformat(str(day)) if day not in (None, "") else None
    except ValueError:
        raise RuleError("delivery_date", f"a date like 2026-11-21, got {day!r}") from None
    penalty = data.get("penalty")
    staff_fine = data.get("staff_fine")
    received = _time(data.get("received_at"), "received_at")
    if received is None:
        raise RuleError("received_at", "is required")
    deadlines = data.get("deadlines") or {}
    if not isinstance(deadlines, dict):
        raise RuleError("deadlines", "an object keyed by milestone")
    case = Case(
        id=_int(data.get("id"), "id", low=1, high=2**62),
        status=str(STATUSES.parse(str(data.get("status", "")))),
        received_at=received,
        channel=str(CHANNELS.parse(str(data.get("channel", "")))),
        customer=fields.text("customer", str(data.get("customer", ""))),
        phone=_phone(data.get("phone", "")),
        description=fields.text(
            "description", str(data.get("description", "")), limit=fields.TEXT_MAX, multiline=True
        ),
        category=str(rules.category_terms.parse(str(data.get("category", "")))),
        severity=str(SEVERITIES.parse(str(data.get("severity", "")))),
        org=_text(data.get("org"), "org"),
        order_no=_text(data.get("order_no"), "order_no"),
        product=_text(data.get("product"), "product"),
        batch=_text(data.get("batch"), "batch"),
        delivery_date=delivery,
        delivered_at=_time(data.get("delivered_at"), "delivered_at"),
        quantity=_int(data.get("quantity"), "quantity"),
        defective=_int(data.get("defective"), "defective"),
        request=_text(data.get("request"), "request", fields.TEXT_MAX),
        people=_int(data.get("people"), "people", low=1) or 1,
        ill=bool(_bool(data.get("ill"), "ill")),
        injured=bool(_bool(data.get("injured"), "injured")),
        department=_term(DEPARTMENTS, data.get("department")),
        assignee=_text(data.get("assignee"), "assignee"),
        deadlines={m: _deadline(deadlines.get(m), m) for m in MILESTONE_KEYS},
        remedy=_term(REMEDIES, data.get("remedy")),
        amount=_money(data.get("amount"), "amount"),
        cause=_term(CAUSES, data.get("cause")),
        ours=_bool(data.get("ours"), "ours"),
        finding=_term(FINDINGS, data.get("finding")),
        note=_text(data.get("note"), "note", fields.TEXT_MAX),
        supply_value=_money(data.get("supply_value"), "supply_value"),
        price=_money(data.get("price"), "price"),
        loss=_money(data.get("loss"), "loss"),
        staff=_text(data.get("staff"), "staff"),
        penalty=_penalty(penalty),
        staff_fine=_money(staff_fine.get("amount"), "staff_fine.amount")
        if isinstance(staff_fine, dict)
        else None,
        statutory_compensation=_money(data.get("statutory_compensation"), "statutory_compensation"),
        incident=bool(_bool(data.get("incident"), "incident")),
        satisfaction=_int(data.get("satisfaction"), "satisfaction", low=1, high=5),
        revisit_method=_term(METHODS, data.get("revisit_method")),
        revisit_note=_text(data.get("revisit_note"), "revisit_note", fields.TEXT_MAX),
        closed_at=_time(data.get("closed_at"), "closed_at"),
        reopened_at=_time(data.get("reopened_at"), "reopened_at"),
        reopen_count=_int(data.get("reopen_count"), "reopen_count") or 0,
        escalated_at=_time(data.get("escalated_at"), "escalated_at"),
    )
    if case.id is None:
        raise RuleError("id", "is required to restore an exported complaint")
    return case, _events(data.get("events"))


def _penalty(data: Any) -> Penalty | None:
    if data in (None, ""):
        return None
    if not isinstance(data, dict):
        raise RuleError("penalty", "an object with offence, multiplier and amount")
    offence = _int(data.get("offence"), "penalty.offence", low=1)
    multiplier = _money(data.get("multiplier"), "penalty.multiplier")
    amount = _money(data.get("amount"), "penalty.amount")
    if offence is None or multiplier is None or amount is None:
        raise RuleError("penalty", "needs offence, multiplier and amount")
    return Penalty(offence, multiplier, amount)


def intake_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """An intake row's values as `log` takes them (numbers and flags converted)."""
    raw = dict(values)
    for key in ("quantity", "defective"):
        raw[key] = _int(raw.get(key), key)
    raw["people"] = _int(raw.get("people"), "people", low=1) or 1
    for key in ("ill", "injured"):
        raw[key] = bool(_bool(raw.get(key), key))
    for key in ("description", "channel", "customer", "phone"):
        if raw.get(key) in (None, ""):
            raise RuleError(key, "is required")
    return raw
