"""Corrective actions (整改, policies 001 and 004): what a department does so that a
complaint's cause does not come back — opened with a due time, done by the department,
verified by QC. Pure: frozen values and the steps between them; no storage, no clock.

An action moves one way only: `open` → `done` → `verified`. It is late when its due time
passed before it was done (while it is open, as of now). Its history is kept in its
complaint's history: every step is an entry (action `action`; `breached` when it went
late) whose changes name the action's fields as `actions.ID.FIELD` — what `check` and
`import` replay to confirm the stored action (`history_problems`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aftersales_cli.rules.errors import Refused, RuleError

STATES: tuple[str, ...] = ("open", "done", "verified")
# What each step may move the state from.
_FROM = {"open": None, "done": "open", "verified": "done"}

# The fields of an action its history records, and the mark of a `breached` entry.
FIELDS: tuple[str, ...] = (
    "text",
    "department",
    "owner",
    "due_at",
    "state",
    "done_at",
    "verified_at",
    "survey_aspect",
)
LATE = "late"
TIME_FIELDS = frozenset({"due_at", "done_at", "verified_at"})
KEY = r"actions\.([1-9][0-9]{0,18})\.([a-z_]+)"


@dataclass(frozen=True)
class Action:
    """`{id, complaint_id, text, department, owner, due_at, state, done_at, verified_at}`,
    with when it was opened and by whom; `breach_noted`: its `breached` entry is written;
    `survey_aspect`: the survey aspect (its key) it is the improvement measure of, if any."""

    complaint_id: int
    text: str
    department: str
    owner: str | None
    due_at: datetime
    opened_at: datetime
    by: str
    state: str = "open"
    done_at: datetime | None = None
    verified_at: datetime | None = None
    breach_noted: bool = False
    survey_aspect: str | None = None
    id: int | None = None

    def late(self, now: datetime) -> bool:
        """Done after its due time, or still open past it (at the due minute: on time)."""
        if self.done_at is not None:
            return self.done_at > self.due_at
        return now > self.due_at

    @property
    def done_on_time(self) -> bool:
        return self.done_at is not None and self.done_at <= self.due_at

    def recorded(self) -> dict[str, Any]:
        """The fields its history records, as values."""
        return {name: getattr(self, name) for name in FIELDS}


def open_action(
    complaint_id: int,
    received_at: datetime,
    *,
    text: str,
    department: str,
    owner: str | None,
    due_at: datetime,
    now: datetime,
    by: str,
    survey_aspect: str | None = None,
) -> Action:
    """A new action on a complaint: due after the complaint was received; it may answer a
    survey aspect (the key, as the parser found it among the rules' aspects)."""
    if due_at <= received_at:
        raise RuleError(
            "due",
            f"must be after the complaint was received ({received_at:%Y-%m-%d %H:%M}), "
            f"not {due_at:%Y-%m-%d %H:%M}",
        )
    return Action(
        complaint_id, text, department, owner, due_at, now, by, survey_aspect=survey_aspect
    )


def mark_done(action: Action, now: datetime) -> Action:
    """The department finished it."""
    _step(action, "done", "done")
    return dataclasses.replace(action, state="done", done_at=now)


def verify(action: Action, now: datetime) -> Action:
    """QC confirmed the fix worked: only after it is done."""
    _step(action, "verified", "verify")
    return dataclasses.replace(action, state="verified", verified_at=now)


def _step(action: Action, to: str, verb: str) -> None:
    if action.state == _FROM[to]:
        return
    name = f"action {action.id}"
    if action.state == to or (to == "done" and action.state == "verified"):
        raise Refused(verb, f"{name} is already {action.state}")
    raise Refused(
        verb, f"{name} is not done yet; record it first: aftersales action done {action.id}"
    )


def changes(before: Action | None, after: Action) -> dict[str, tuple[Any, Any]]:
    """What changed, as `actions.ID.FIELD: (old, new)`; for a new action every field set."""
    assert after.id is not None
    old = before.recorded() if before is not None else {}
    return {
        f"actions.{after.id}.{name}": (old.get(name), value)
        for name, value in after.recorded().items()
        if old.get(name) != value and not (before is None and value is None)
    }


def late_changes(action_id: int) -> dict[str, tuple[Any, Any]]:
    """The change a `breached` entry records when an action went late."""
    return {f"actions.{action_id}.{LATE}": (False, True)}


# ---- the history, replayed ---------------------------------------------------------------


def key_parts(key: str) -> tuple[int, str] | None:
    """`actions.7.state` → (7, "state"); None for any other key."""
    if not key.startswith("actions."):  # (most keys: a history holds many)
        return None
    match = re.fullmatch(KEY, key)
    if match is None or match.group(2) not in (*FIELDS, LATE):
        return None
    return int(match.group(1)), match.group(2)


def is_key(key: str) -> bool:
    return key_parts(key) is not None


def is_time_key(key: str) -> bool:
    parts = key_parts(key)
    return parts is not None and parts[1] in TIME_FIELDS


def is_due_key(key: str) -> bool:
    parts = key_parts(key)
    return parts is not None and parts[1] == "due_at"


class Entry(Protocol):
    @property
    def changes(self) -> Mapping[str, Sequence[Any]]: ...


def _same(field: str, recorded: Any, value: Any) -> bool:
    if field in TIME_FIELDS and isinstance(recorded, str) and isinstance(value, datetime):
        try:
            return datetime.fromisoformat(recorded) == value
        except ValueError:
            return False
    return bool(recorded == value)


def history_problems(actions: Sequence[Action], events: Sequence[Entry]) -> list[tuple[str, str]]:
    """What is wrong between a complaint's actions and its history, as (field, message):
    each action's steps in order (open, done, verified), and what the history says of it
    equal to the action as stored; no action the history names is missing."""
    problems: list[tuple[str, str]] = []
    replayed: dict[int, dict[str, Any]] = {}
    for n, event in enumerate(events):
        if not isinstance(event.changes, Mapping):
            continue
        for key, pair in event.changes.items():
            parts = key_parts(key) if isinstance(key, str) else None
            if parts is None or not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            action_id, field = parts
            fields = replayed.setdefault(action_id, {})
            if field == "state":
                old, new = pair
                if old != fields.get("state") or new not in STATES or _FROM[new] != old:
                    problems.append(
                        (
                            f"events[{n}].changes.{key}",
                            f"moves action {action_id} from {old!r} to {new!r}; an action "
                            "goes open, done, verified in turn",
                        )
                    )
            fields[field] = pair[1]
    stored = {a.id: a for a in actions}
    for action_id in sorted(replayed.keys() - stored.keys()):
        problems.append((f"actions.{action_id}", "is in the history but not stored"))
    for action in actions:
        assert action.id is not None
        said = replayed.get(action.id)
        if said is None:
            problems.append((f"actions.{action.id}", "is stored but its history has no entry"))
            continue
        wrong = [
            name
            for name, value in action.recorded().items()
            if not _same(name, said.get(name), value)
        ]
        if wrong:
            problems.append(
                (f"actions.{action.id}", f"disagrees with its history: {', '.join(wrong)}")
            )
        if bool(said.get(LATE)) != action.breach_noted:
            problems.append(
                (
                    f"actions.{action.id}.breach_noted",
                    f"{action.breach_noted}, but its history "
                    + ("says it went late" if said.get(LATE) else "has no breached entry"),
                )
            )
    return problems
