"""The shape of a complaint's history: what an entry may say, and in what order.

Pure. A history is the list of entries (`at`, `by`, `action`, `changes`, `note`) that
`store.events` appends with every change. Each entry's `changes` maps a field of the
complaint — named as `lifecycle.changes` names them: `status`, `deadlines.contact.done_at`,
`penalty.amount`, plus `deadlines.M.state` of a `breached` entry, `note.kind` of a `note`
entry and the fields of its corrective actions, `actions.ID.FIELD` (`rules.actions`) — to
the pair `[old, new]`. The field names are derived from `Case`, `Deadline` and `Penalty`,
so the set grows by itself when a field is added.

`history_problems` is what `import` and `aftersales check` ask of a stored or imported
history: entries in the order they were recorded, known actions and field names, a first
entry that opened the case, and statuses that add up to the complaint's status. It does
not re-judge the policy decisions an entry records.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from aftersales_cli.rules import actions
from aftersales_cli.rules.case import Case, Deadline, Penalty
from aftersales_cli.rules.taxonomy import MILESTONE_KEYS, NOTE_KINDS, STATUSES

ACTIONS: tuple[str, ...] = (
    "log",
    "import",
    "classify",
    "assign",
    "done",
    "extend",
    "close",
    "revisit",
    "breached",
    "penalty",  # the fine of a supply event re-evaluated after another case changed
    "pay",  # a payment recorded (or reversed) with `pay`
    "edit",  # intake data corrected, with the reason
    "action",  # a corrective action opened, done or verified (`actions.ID.FIELD`)
    "attach",  # a file kept with the case (`attach`): `attachment` [null, its number]
    "note",  # a progress note (`aftersales note`), its kind as `note.kind`
    "pause",  # the case's deadlines stopped (`aftersales pause`): `paused_at`, the reason
    "resume",  # they run again, each moved by the paused time (`aftersales resume`)
    "recompute",  # business-time dues counted again by a changed calendar
)
FIRST_ACTIONS: tuple[str, ...] = ("log", "import")

# Deadline parts no entry records as a change: `breach_noted` (its own `breached` entry
# says so) and `counting` (how a business-time due was counted; the due's change is).
_NOT_A_CHANGE = {"breach_noted", "counting"}
# Deadline parts that say when something is due rather than when it happened.
_DUE_PARTS = ("due_at", "extended_from")


class HistoryLike(Protocol):
    """An entry of a history as `history_problems` reads it (`store.events.Event`)."""

    @property
    def at(self) -> datetime: ...

    @property
    def action(self) -> str: ...

    @property
    def changes(self) -> Mapping[str, Sequence[Any]]: ...


def _kind(hint: Any) -> type | None:
    """`datetime`, `date` or None for a field's type (`datetime | None` is a datetime)."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for option in options:
        if option is datetime:
            return datetime
        if option is date:
            return date
    return None


def _fields() -> dict[str, type | None]:
    """Every field name a history may change, with the kind of value it holds."""
    case_types = typing.get_type_hints(Case)
    deadline_types = typing.get_type_hints(Deadline)
    penalty_types = typing.get_type_hints(Penalty)
    names: dict[str, type | None] = {}
    for field in dataclasses.fields(Case):
        if field.name == "id":
            continue
        if field.name == "deadlines":
            for milestone in MILESTONE_KEYS:
                for part in dataclasses.fields(Deadline):
                    if part.name not in _NOT_A_CHANGE:
                        key = f"deadlines.{milestone}.{part.name}"
                        names[key] = _kind(deadline_types[part.name])
                names[f"deadlines.{milestone}.state"] = None  # a `breached` entry
        elif field.name == "penalty":
            for part_name in Penalty._fields:
                names[f"penalty.{part_name}"] = _kind(penalty_types[part_name])
        else:
            names[field.name] = _kind(case_types[field.name])
    names["note.kind"] = None  # a `note` entry: what kind of note it is
    return names


FIELDS: dict[str, type | None] = _fields()
# What an entry records that is not a field of the complaint, and the one action that
# records it: the number `attach` gave the file it kept (`"attachment": [null, 1]`).
ENTRY_KEYS: dict[str, str] = {"attachment": "attach"}
KNOWN_KEYS: frozenset[str] = frozenset(FIELDS) | frozenset(ENTRY_KEYS)
TIME_KEYS: frozenset[str] = frozenset(k for k, kind in FIELDS.items() if kind is datetime)
DATE_KEYS: frozenset[str] = frozenset(k for k, kind in FIELDS.items() if kind is date)


def is_known_key(key: str) -> bool:
    """A field of a complaint as the history names it (its corrective actions' fields,
    `actions.ID.FIELD`, included)."""
    return key in KNOWN_KEYS or actions.is_key(key)


def is_time_key(key: str) -> bool:
    """A field holding a time (stored as UTC text in the history)."""
    return key in TIME_KEYS or actions.is_time_key(key)


def is_date_key(key: str) -> bool:
    """A field holding a calendar day (`delivery_date`)."""
    return key in DATE_KEYS


def is_due_key(key: str) -> bool:
    """A time that says when something is due (it may lie in the future), not when it
    happened."""
    return (key.startswith("deadlines.") and key.endswith(_DUE_PARTS)) or actions.is_due_key(key)


def shown(text: str, limit: int = 60) -> str:
    """A name or value from a file, safe and short enough for one line of an error."""
    short = text if len(text) <= limit else text[: limit - 3] + "..."
    printable = short.isprintable() and not any(c in short for c in "\u2028\u2029")
    return short if printable else repr(short)[1:-1]


def quoted(value: Any) -> str:
    """A value from a file for an error line: text quoted and `shown`, other values by
    their kind (never the repr of whatever nesting they hold)."""
    if isinstance(value, str):
        return f"'{shown(value)}'"
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    return f"a {type(value).__name__}"


def _is_pair(value: Any) -> bool:
    if type(value) is list or type(value) is tuple:
        return len(value) == 2
    return isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2


def _entry_key_problems(
    name: str, key: str, action: str, pair: Sequence[Any]
) -> list[tuple[str, str]]:
    """An `attachment` change: only in an attach entry, `[null, N]` with N from 1."""
    if action != ENTRY_KEYS[key]:
        return [(name, f"recorded only by an {ENTRY_KEYS[key]} entry, not by {quoted(action)}")]
    old, new = pair
    if old is not None or type(new) is not int or new < 1:
        return [
            (name, f"[null, the attachment's number from 1], not [{quoted(old)}, {quoted(new)}]")
        ]
    return []


def _change(where: str, key: str) -> str:
    """The name of a change of a history entry (`events[3].changes.status`)."""
    return f"{where}.changes.{key}"


def history_problems(case: Case, events: Sequence[HistoryLike]) -> list[tuple[str, str]]:
    """What is wrong with a complaint's history, as (field, message) pairs, in the order
    met; empty when nothing is."""
    if not events:
        return [("events", "a history whose first entry is log or import; it is empty")]
    problems: list[tuple[str, str]] = []
    first = events[0].action
    if first not in FIRST_ACTIONS:
        problems.append(
            ("events[0].action", f"the first entry is log or import, not {quoted(first)}")
        )
    status: Any = None
    previous: datetime | None = None
    for n, event in enumerate(events):
        where = f"events[{n}]"
        if event.action not in ACTIONS:
            problems.append(
                (f"{where}.action", f"one of {', '.join(ACTIONS)}, not {quoted(event.action)}")
            )
        if previous is not None and event.at < previous:
            problems.append(
                (
                    f"{where}.at",
                    f"{event.at.isoformat()} is before the entry above it "
                    f"({previous.isoformat()}); a history is in the order it was recorded",
                )
            )
        previous = event.at if previous is None or event.at > previous else previous
        changes = event.changes
        if not isinstance(changes, Mapping):
            problems.append((f"{where}.changes", "an object of field: [old, new]"))
            continue
        for key, pair in changes.items():
            if not isinstance(key, str) or not is_known_key(key):
                problems.append(
                    (f"{where}.changes.{shown(str(key))}", "not a field of a complaint")
                )
                continue
            if not _is_pair(pair):
                problems.append((_change(where, key), "a pair [old, new]"))
                continue
            if key in ENTRY_KEYS:
                problems.extend(_entry_key_problems(_change(where, key), key, event.action, pair))
                continue
            if key == "note.kind" and pair[1] not in NOTE_KINDS:
                kinds = ", ".join(NOTE_KINDS)
                problems.append((_change(where, key), f"{quoted(pair[1])} is not one of {kinds}"))
            if key != "status":
                continue  # (most changes: their name is made only for a problem)
            name = _change(where, key)
            old, new = pair
            if old != status:
                problems.append(
                    (
                        name,
                        f"changes the status from {quoted(old)}, but the history has it "
                        f"at {quoted(status)} by then",
                    )
                )
            if not isinstance(new, str) or new not in STATUSES:
                problems.append((name, f"{quoted(new)} is not one of {', '.join(STATUSES)}"))
            status = new
    if status != case.status:
        ends = "never sets a status" if status is None else f"ends at status {quoted(status)}"
        problems.append(("status", f"{quoted(case.status)}, but its history {ends}"))
    return problems
