"""Complaints as views for people: the case page (fields, deadlines, ledger, history)
and the list, as blocks that `text` and `console` render. Their JSON is `record_json`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aftersales_cli.clock import from_utc_text, local_zone, relative, show, span
from aftersales_cli.render.blocks import (
    Block,
    Cell,
    Fields,
    Heading,
    Line,
    Table,
    cell,
    show_yuan,
)
from aftersales_cli.render.record_json import Money, is_time_key, penalty_json
from aftersales_cli.render.text import Columns
from aftersales_cli.rules.case import Case, Counting, Deadline, unofficial_warning
from aftersales_cli.rules.fields import mask_phone
from aftersales_cli.rules.taxonomy import (
    CATEGORIES,
    CAUSES,
    CHANNELS,
    DEPARTMENTS,
    FINDINGS,
    METHODS,
    MILESTONE_KEYS,
    MILESTONES,
    NOTE_KINDS,
    PAYING_REMEDIES,
    REMEDIES,
    SEVERITIES,
    STATUSES,
    Vocabulary,
)

if TYPE_CHECKING:
    from aftersales_cli.rules.actions import Action
    from aftersales_cli.rules.attachments import Attachment
    from aftersales_cli.rules.ledger import Entry


def deadline_cell(deadline: Deadline, now: datetime, paused: bool = False) -> Cell:
    """`met · done 16:20`, `pending · in 1 h 25 min`, `breached · 3 h late`; a pending
    deadline of a paused case `paused` (it does not run: `resume` moves it)."""
    state = deadline.state(now, paused)
    if state == "paused":
        return Cell("paused", "dim")
    if state == "n/a":
        return Cell("n/a", "n/a")
    assert deadline.due_at is not None
    if deadline.done_at is not None:
        detail = f"done {show(deadline.done_at)}"
        if state == "breached":
            late = (deadline.done_at - deadline.due_at).total_seconds()
            if late > 0:
                detail += f" ({span(late)} late)"
            elif deadline.extended_from is not None:
                detail += " (extended after the deadline)"
            else:
                detail += " (recorded after the deadline had passed)"
    elif state == "pending":
        detail = relative(deadline.due_at, now)
    else:
        over = (now - deadline.due_at).total_seconds()
        if over > 0:
            detail = f"{span(over)} late"
        elif deadline.extended_from is not None:
            detail = f"extended after the deadline; now {relative(deadline.due_at, now)}"
        else:  # started again (reopened) after an earlier round was breached
            detail = f"earlier round late; now {relative(deadline.due_at, now)}"
    return Cell(f"{state} · {detail}", state)


# Milestones listed only where they apply: the revisit once the case is closed, QC's on
# its categories, forward unless switched off, confirm once the department has finished.
_LISTED_WHEN_DUE = frozenset({"forward", "sample", "lab_report", "confirm"})


_UNITS = {"d": "business day", "h": "business hour", "m": "business minute"}


def _business(duration: str) -> str:
    """`1h` → `1 business hour`, `2d` → `2 business days`."""
    amount, unit = duration[:-1], _UNITS[duration[-1]]
    return f"{amount} {unit}{'' if amount == '1' else 's'}"


def _day(day: date, year: int) -> str:
    return f"{day:%m-%d}" if day.year == year else f"{day:%Y-%m-%d}"


def counted_text(counting: Counting, above: Counting | None = None) -> str:
    """How a business-time due was counted, for people: `1 business hour from 09-30
    18:20; skipped 10-01 to 10-07 (国庆节); 10-10 Sat is a working day (补班)` — the days
    said once: the same days as the row `above` are `days off as above`."""
    start = counting.start.astimezone(local_zone())
    year = start.year
    parts = [f"{_business(counting.duration)} from {_day(start.date(), year)} {start:%H:%M}"]
    same = (counting.skipped, counting.makeup, counting.unofficial)
    if above is not None and (counting.skipped or counting.makeup):
        if same == (above.skipped, above.makeup, above.unofficial):
            parts.append("days off as above")
            if counting.paused_minutes:
                parts.append(f"moved {span(counting.paused_minutes * 60)} by pauses")
            return "; ".join(parts)
    skipped = []
    for off in counting.skipped:
        days = _day(off.first, year)
        if off.last != off.first:
            days += f" to {_day(off.last, year)}"
        skipped.append(f"{days} ({'、'.join(off.names) if off.names else off.kind})")
    if skipped:
        parts.append("skipped " + ", ".join(skipped))
    for day, name in counting.makeup:
        parts.append(f"{_day(day, year)} {day:%a} is a working day ({name}补班)")
    if counting.paused_minutes:
        parts.append(f"moved {span(counting.paused_minutes * 60)} by pauses")
    if counting.unofficial:
        years = ", ".join(str(y) for y in counting.unofficial)
        parts.append(f"{years} counted without official holidays")
    return "; ".join(parts)


def unofficial_warnings(case: Case) -> list[str]:
    """A warning per year a pending deadline was counted in without official holidays
    (stored with the deadline: no calendar is read to say it)."""
    years = sorted(
        {
            year
            for deadline in case.deadlines.values()
            if deadline.open and deadline.counting is not None
            for year in deadline.counting.unofficial
        }
    )
    return [unofficial_warning(year, f"complaint {case.id}'s deadlines") for year in years]


def deadline_rows(case: Case, now: datetime) -> list[list[Cell | str]]:
    rows: list[list[Cell | str]] = []
    above: Counting | None = None
    for milestone in MILESTONE_KEYS:
        deadline = case.deadlines[milestone]
        if deadline.due_at is None and milestone == "revisit" and case.is_open:
            continue  # not due before the case is closed
        if deadline.due_at is None and milestone in _LISTED_WHEN_DUE:
            continue
        extra = ""
        if deadline.extended_from is not None:
            extra = f"extended from {show(deadline.extended_from)}: {deadline.reason}"
        elif deadline.counting is not None:
            extra = counted_text(deadline.counting, above)
        above = deadline.counting
        rows.append(
            [milestone, show(deadline.due_at), deadline_cell(deadline, now, case.paused), extra]
        )
    return rows


def deadlines_table(case: Case, now: datetime, zone: str) -> Table:
    return Table(
        ["milestone", "due", "state", "note"],
        deadline_rows(case, now),
        title=f"Deadlines ({zone})",
        keep=frozenset({1}),
    )


def _severity(case: Case) -> Cell:
    return Cell(SEVERITIES.label(case.severity), case.severity)


def headline(case: Case, rules_categories: Any = None) -> str:
    category = (
        rules_categories.label(case.category)
        if rules_categories
        else CATEGORIES.label(case.category)
    )
    return (
        f"Complaint #{case.id} · {category} · {SEVERITIES.label(case.severity)} · "
        f"{STATUSES.label(case.status)}"
    )


def sample_line(until: datetime | None, now: datetime) -> Line | None:
    if until is None:
        return None
    if until > now:
        return Line(
            f"Retained sample (留样) of that meal can be sealed for testing until "
            f"{show(until)} ({relative(until, now)}).",
            "warning",
        )
    return Line(
        f"Retained sample (留样) of that meal was kept until {show(until)} "
        f"({relative(until, now)}).",
        "dim",
    )


def _paid_by_kind(entries: Sequence[Entry]) -> dict[str, Decimal]:
    paid: dict[str, Decimal] = {}
    for e in entries:
        if e.kind == "payment" and e.payment_kind:
            paid[e.payment_kind] = paid.get(e.payment_kind, Decimal(0)) + e.amount
    return {k: v for k, v in paid.items() if v}


def penalty_text(view: Mapping[str, Any], supply_value: Decimal | None) -> str:
    """`offence 2 × 3 of ¥2,000.00 = ¥6,000.00 (earlier: …)` or `same offence as #4`."""
    if view.get("same_offence_as"):
        text = f"same offence as #{view['same_offence_as']} (offence {view['offence']})"
    else:
        text = (
            f"offence {view['offence']} × {view['multiplier']} of {show_yuan(supply_value)} = "
            f"{show_yuan(Decimal(str(view['amount'])))}"
        )
    if view.get("event"):
        text += f" · supply event {view['event']}"
        earlier = view.get("earlier_events") or []
        text += f" · earlier fined events: {'; '.join(earlier)}" if earlier else " · first offence"
    return text


def ledger_table(entries: Sequence[Entry]) -> Table:
    rows: list[list[Cell | str]] = []
    for e in entries:
        what = e.payment_kind if e.kind == "payment" else e.kind
        if e.reverses is not None:
            what = f"{what} reversal of {e.reverses}"
        rows.append(
            [
                str(e.id),
                show(e.at),
                e.by,
                what or "",
                Cell(show_yuan(e.amount), "warning" if e.amount < 0 else None),
                e.reason or "",
            ]
        )
    return Table(
        ["entry", "when", "by", "what", "amount", "reason"],
        rows,
        title="Ledger",
        right=frozenset({0, 4}),
        keep=frozenset({0, 1, 4}),
    )


def action_state_cell(action: Action, now: datetime) -> Cell:
    """`open · due in 2 d`, `open · 3 h late`, `done 11-25 16:20 (2 h late)`, `verified …`."""
    late = action.late(now)
    if action.state == "open":
        if late:
            return Cell(f"open · {span((now - action.due_at).total_seconds())} late", "breached")
        return Cell(f"open · {relative(action.due_at, now)}", "pending")
    assert action.done_at is not None
    text = f"done {show(action.done_at)}"
    if late:
        text += f" ({span((action.done_at - action.due_at).total_seconds())} late)"
    if action.verified_at is not None:
        text += f" · verified {show(action.verified_at)}"
    return Cell(text, "breached" if late else "met")


def actions_table(actions: Sequence[Action], now: datetime, *, title: str) -> Table:
    """Corrective actions: id, what, department, owner, due and state (with the complaint
    when they are of several, and the survey aspect each answers when any does)."""
    several = len({a.complaint_id for a in actions}) > 1
    surveyed = any(a.survey_aspect for a in actions)
    rows: list[list[Cell | str]] = []
    for a in actions:
        rows.append(
            [
                str(a.id),
                *([f"#{a.complaint_id}"] if several else []),
                a.text,
                term_cell(DEPARTMENTS, a.department),
                a.owner or "",
                show(a.due_at),
                action_state_cell(a, now),
                *([a.survey_aspect or ""] if surveyed else []),
            ]
        )
    columns = ["action", *(["complaint"] if several else []), "what", "department", "owner"]
    return Table(
        [*columns, "due", "state", *(["survey aspect"] if surveyed else [])],
        rows,
        title=title,
        right=frozenset({0}),
        keep=frozenset({0, len(columns), len(columns) + 1}),
    )


SHA256_SHOWN = 12  # hex digits of an attachment's SHA-256 in a view (the JSON has all)


def attachments_table(attachments: Sequence[Attachment]) -> Table:
    """`#`, name, size, the start of its SHA-256, when, the note; the type and who
    attached it as the width allows (`show --json` has them all)."""
    from aftersales_cli.rules.attachments import size_text

    return Table(
        ["#", "name", "size", "sha256", "when", "note", "type", "by"],
        [
            [
                str(a.number),
                a.name,
                size_text(a.size),
                a.sha256[:SHA256_SHOWN],
                show(a.at),
                a.note or "",
                a.type,
                a.by,
            ]
            for a in attachments
        ],
        title="Attachments (aftersales attachment ID N --out FILE)",
        right=frozenset({0, 2}),
        keep=frozenset({0, 2, 3, 4, 6}),
        optional=(6, 7),
    )


def case_fields(case: Case, extra: Money | None = None) -> Fields:
    rows: list[tuple[str, Cell | str]] = [
        ("received", f"{show(case.received_at)} via {CHANNELS.label(case.channel)}"),
        ("customer", case.customer),
        ("phone", case.phone),
    ]
    optional: list[tuple[str, str | None]] = [
        ("org", case.org),
        ("order no", case.order_no),
        ("product", case.product),
        ("batch", case.batch),
        (
            "delivery",
            show(case.delivered_at)
            if case.delivered_at
            else (case.delivery_date.isoformat() if case.delivery_date else None),
        ),
    ]
    if case.quantity is not None and case.defective is not None:
        optional.append(("quantity", f"{case.defective} defective of {case.quantity}"))
    elif case.quantity is not None:
        optional.append(("quantity", str(case.quantity)))
    elif case.defective is not None:
        optional.append(("quantity", f"{case.defective} defective"))
    rows.extend((label, value) for label, value in optional if value)
    affected = [f"{case.people} affected"] if case.people > 1 else []
    affected += ["ill"] if case.ill else []
    affected += ["injured"] if case.injured else []
    affected += ["saw a doctor"] if case.hospital else []
    if affected:
        rows.append(("people", Cell(", ".join(affected), "urgent")))
    illness: list[tuple[str, str | None]] = [
        ("symptoms", case.symptoms),
        ("onset", show(case.onset_at) if case.onset_at else None),
        ("eaten", case.eaten),
    ]
    rows.extend((label, value) for label, value in illness if value)
    rows.append(("description", case.description))
    if case.request:
        rows.append(("request", case.request))
    rows.append(("severity", _severity(case)))
    rows.append(("department", DEPARTMENTS.label(case.department)))
    if case.assignee:
        rows.append(("assignee", case.assignee))
    if case.remedies or case.remedy:
        paid = _paid_by_kind(extra.ledger) if extra else {}
        shown_remedies = []
        for remedy in case.remedies or (case.remedy,):
            label = REMEDIES.label(remedy)
            if remedy in paid:
                label += f" {show_yuan(paid[remedy])} paid"
            elif remedy in PAYING_REMEDIES and extra is not None:
                label += " (owed)"
            shown_remedies.append(label)
        rows.append(
            ("remedies" if len(shown_remedies) > 1 else "remedy", ", ".join(shown_remedies))
        )
    if case.cause:
        ours = {True: "ours", False: "not ours", None: "undetermined"}[case.ours]
        rows.append(("cause", f"{CAUSES.label(case.cause)} ({ours})"))
    if case.finding:
        rows.append(("finding", FINDINGS.label(case.finding)))
    view = extra.penalty if extra else penalty_json(case)
    if view:
        rows.append(("penalty", Cell(penalty_text(view, case.supply_value), "warning")))
    if case.staff_fine is not None:
        rows.append(("staff fine", f"{show_yuan(case.staff_fine)} charged to {case.staff}"))
    elif case.staff:
        rows.append(("staff", case.staff))
    if case.statutory_compensation is not None:
        loss = f"loss {show_yuan(case.loss * case.people)} + " if case.loss is not None else ""
        each = (
            f" ({case.people} people × {show_yuan(case.statutory_compensation / case.people)})"
            if case.people > 1
            else ""
        )
        rows.append(
            (
                "statutory",
                f"{loss}statutory {show_yuan(case.statutory_compensation)}{each} "
                "(Food Safety Law art. 148; suggested until paid with `pay --kind statutory`)",
            )
        )
    if case.incident:
        rows.append(("INCIDENT", Cell(INCIDENT_TEXT, "danger")))
    if case.escalated_at:
        rows.append(
            (
                "escalated",
                Cell(f"to management {show(case.escalated_at)} (urgent and overdue)", "danger"),
            )
        )
    if case.note:
        rows.append(("note", case.note))
    if case.satisfaction is not None:
        said = f" — {case.revisit_note}" if case.revisit_note else ""
        rows.append(
            ("satisfaction", f"{case.satisfaction}/5 by {METHODS.label(case.revisit_method)}{said}")
        )
    if case.last_note_at:
        rows.append(("last note", show(case.last_note_at)))
    if case.paused_at is not None:
        since = f"since {show(case.paused_at)} — {case.pause_reason}"
        rows.append(("paused", Cell(since, "warning")))
    elif case.paused_minutes:
        rows.append(("paused", f"{span(case.paused_minutes * 60)} in all"))
    if case.reopen_count:
        rows.append(("reopened", f"{case.reopen_count} time(s), last {show(case.reopened_at)}"))
    return Fields(rows)


INCIDENT_TEXT = (
    "possible FOOD-SAFETY INCIDENT confirmed as ours: full medical costs, the performance "
    "bond is forfeited, the client may terminate the contract. Record the medical costs."
)


def next_deadline(case: Case, now: datetime) -> tuple[str, Deadline] | None:
    pending = [(m, d) for m, d in case.deadlines.items() if d.open]
    if not pending:
        return None
    return min(pending, key=lambda item: item[1].due_at or now)


_LIST_COLUMNS = (
    "id",
    "received",
    "severity",
    "category",
    "status",
    "customer",
    "org",
    "phone",
    "next deadline",
)
# Piped, a listing streams in fixed columns (the last one as long as it is).
_LIST_PLAIN = Columns((6, 11, 18, 24, 10, 12, 18, 13, 0))
LIST_HEADER = _LIST_PLAIN.line(_LIST_COLUMNS) + "\n"


def _list_cells(case: Case, now: datetime, show_phone: bool) -> list[Cell | str]:
    upcoming = next_deadline(case, now)
    if upcoming:
        milestone, deadline = upcoming
        due = _listed_state(case, deadline, now)
        next_cell = Cell(
            f"{milestone} {show(deadline.due_at)[5:]} · {due.text.split(' · ', 1)[-1]}",
            due.style,
        )
    else:
        next_cell = Cell("—", "dim")
    return [
        str(case.id),
        show(case.received_at)[5:],
        _severity(case),
        CATEGORIES.label(case.category) or case.category,
        case.status,
        case.customer,
        case.org or "",
        case.phone if show_phone else mask_phone(case.phone),
        next_cell,
    ]


def _listed_state(case: Case, deadline: Deadline, now: datetime) -> Cell:
    """The state of a case's next deadline as the list shows it; `paused` for any deadline
    of a paused case (one breached before the pause too: its page says which)."""
    return Cell("paused", "dim") if case.paused else deadline_cell(deadline, now)


def list_line(case: Case, now: datetime, *, show_phone: bool) -> str:
    """One complaint as a line of fixed columns (a listing streamed to a pipe)."""
    return _LIST_PLAIN.line([cell(c).text for c in _list_cells(case, now, show_phone)]) + "\n"


def when_cells(
    milestone: str, due: datetime | None, late: Cell, zh: str | None = None
) -> tuple[Cell, Cell]:
    """A pending deadline as two cells for a screen: `investigation 12-01 14:05` (on a
    narrow one `调查处理` over `12-01 14:05`, or `zh` over it) and how late, `2 d 3 h
    late`."""
    at = show(due)[5:]
    zh = zh or MILESTONES.zh(milestone) or milestone
    return Cell(f"{milestone} {at}", late.style, f"{zh}\n{at}"), late


def term_cell(vocabulary: Vocabulary, key: str | None, style: str | None = None) -> Cell:
    """`urgent 紧急`, or on a narrow screen `紧急`."""
    if not key:
        return Cell("")
    return Cell(vocabulary.label(key), style, vocabulary.zh(key) or None)


def list_table(
    cases: Sequence[Case], now: datetime, *, show_phone: bool, title: str | None = None
) -> Table:
    """The listing for a screen: the id, the next deadline and how late, the severity,
    the customer and the client always; status, category, received and phone as the
    width allows; a row is at most two lines."""
    rows: list[list[Cell | str]] = []
    for case in cases:
        upcoming = next_deadline(case, now)
        if upcoming:
            milestone, deadline = upcoming
            due = _listed_state(case, deadline, now)
            late = Cell(due.text.split(" · ", 1)[-1], due.style)
            when, late = when_cells(milestone, deadline.due_at, late)
        else:
            when, late = Cell("—", "dim"), Cell("")
        received = show(case.received_at)[5:]
        rows.append(
            [
                str(case.id),
                when,
                late,
                term_cell(SEVERITIES, case.severity, case.severity),
                case.customer,
                case.org or "",
                term_cell(STATUSES, case.status),
                term_cell(CATEGORIES, case.category),
                Cell(received, None, received.replace(" ", "\n")),
                case.phone if show_phone else mask_phone(case.phone),
            ]
        )
    return Table(
        _SCREEN_COLUMNS,
        rows,
        title=title,
        right=frozenset({0}),
        keep=frozenset({0, 1, 2, 3, 6, 7, 8, 9}),
        optional=(6, 7, 8, 9),
        lines=2,
    )


_SCREEN_COLUMNS = (
    "id",
    "next deadline",
    "late",
    "severity",
    "customer",
    "org",
    "status",
    "category",
    "received",
    "phone",
)


# Shown by the event's own note, or derived: not repeated in the summary.
# (A pause's reason is its entry's note; its mark is bookkeeping for a reclassification.)
_SKIP = {"note", "revisit_note", "last_note_at", "pause_reason", "pause_applied_at"}
_MONEY_KEYS = {
    "amount",
    "supply_value",
    "price",
    "loss",
    "staff_fine",
    "statutory_compensation",
    "penalty.amount",
}


def _value(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if is_time_key(key) and isinstance(value, str):
        try:
            return show(from_utc_text(value))
        except (ValueError, OverflowError):
            return value
    if key in _MONEY_KEYS and isinstance(value, int | float):
        return show_yuan(Decimal(str(value)))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _pair(value: Any) -> tuple[Any, Any]:
    """`[old, new]` as stored; anything else (a hand-edited row) shown as the new value."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None, value


def change_summary(action: str, changes: Mapping[str, Any]) -> str:
    pairs = {k: _pair(v) for k, v in changes.items()}
    if action == "log":
        new = {k: v[1] for k, v in pairs.items()}
        return (
            f"logged via {new.get('channel')}: {new.get('category')} / "
            f"{new.get('severity')}, department {new.get('department')}"
        )
    parts: list[str] = []
    for key, (old, new) in pairs.items():
        if key in _SKIP:
            continue
        if key.startswith("deadlines.") and key.count(".") == 2:
            _, milestone, sub = key.split(".")
            if sub == "done_at" and new is not None:
                parts.append(f"{milestone} done {_value(sub, new)}")
            elif sub == "due_at":
                parts.append(f"{milestone} due {_value(sub, old)} → {_value(sub, new)}")
            elif sub == "state":  # a `breached` entry
                parts.append(f"{milestone} {new}")
            continue
        if key.startswith("actions."):
            parts.extend(_action_change(key, new))
            continue
        if key == "note.kind":
            parts.append(NOTE_KINDS.label(new) if isinstance(new, str) else _value(key, new))
            continue
        if key.startswith("penalty."):
            if key == "penalty.amount" and new is not None:
                parts.append(f"penalty {_value(key, new)}")
            continue
        parts.append(
            f"{key} {_value(key, new)}"
            if old is None
            else f"{key} {_value(key, old)} → {_value(key, new)}"
        )
    return "; ".join(parts) or "no change"


def _action_change(key: str, new: Any) -> list[str]:
    """`action 3 opened`, `action 3 done`, `action 3 verified`, `action 3 late`; what it
    is, its department, owner and due time are in the entry's note."""
    _, number, field = key.split(".", 2)
    if field == "state":
        return [f"action {number} {'opened' if new == 'open' else new}"]
    if field == "late":
        return [f"action {number} late"]
    return []


def timeline(events: Sequence[Any]) -> Table:
    rows: list[list[Cell | str]] = []
    for event in events:
        summary = change_summary(event.action, event.changes)
        if event.note:
            summary += f" — {event.note}"
        style = "breached" if event.action == "breached" else None
        rows.append([show(event.at), event.by, Cell(event.action, style), summary])
    return Table(["when", "by", "what", "details"], rows, title="History", keep=frozenset({0}))


def case_view(
    case: Case,
    now: datetime,
    zone: str,
    *,
    sample_until: datetime | None,
    events: Sequence[Any] = (),
    money: Money | None = None,
    actions: Sequence[Action] = (),
    attachments: Sequence[Attachment] = (),
) -> list[Block]:
    blocks: list[Block] = [Heading(headline(case)), case_fields(case, money)]
    sample = sample_line(sample_until, now)
    if sample:
        blocks.append(sample)
    blocks.append(deadlines_table(case, now, zone))
    if actions:
        blocks.append(actions_table(actions, now, title="Corrective actions (整改)"))
    if money and money.ledger:
        blocks.append(ledger_table(money.ledger))
    if attachments:
        blocks.append(attachments_table(attachments))
    if events:
        blocks.append(timeline(events))
    return blocks
