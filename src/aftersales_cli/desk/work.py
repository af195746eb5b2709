"""The unit of work of a use case, and the one way a complaint changes: load it, record
the breaches it already has as of now, apply one step of the lifecycle, write the case,
its history and (through the step) its ledger — all in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from aftersales_cli import clock
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.config import Rules
from aftersales_cli.store import complaints as store
from aftersales_cli.store import events

# One step of the lifecycle as a use case applies it: (connection, case before) → after.
Step = Callable[[sqlite3.Connection, Case], Case]


class Desk(NamedTuple):
    """What every use case works with: the database, the moment, the policy in force and
    who is at the desk. `transaction` opens one write transaction on `conn`. (Immutable
    values here are NamedTuples: as typed as a frozen dataclass, far cheaper to define at
    start-up — see `desk.commands`.)"""

    conn: sqlite3.Connection
    now: datetime
    rules: Rules
    operator: str
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]


class Changed(NamedTuple):
    """A complaint before and after one use case."""

    before: Case
    after: Case


def change(
    desk: Desk,
    complaint_id: int,
    action: str,
    step: Step,
    note: str | None,
    said: Mapping[str, tuple[Any, Any]] | None = None,
) -> Changed:
    """Load a complaint, apply one step of the lifecycle, write it and its history — all in
    one transaction. Before the step, the case is settled as of now: every deadline that
    has passed is recorded as breached (its `breached` event first), so nothing the step
    does can turn it into met. A step that refuses writes nothing. `said`: what the
    history entry records besides the changes (a note's `note.kind`)."""
    with on_case(desk, complaint_id) as (conn, before, settled):
        after = apply(desk, conn, settled, action, step, note, said)
    return Changed(before, after)


def apply(
    desk: Desk,
    conn: sqlite3.Connection,
    settled: Case,
    action: str,
    step: Step,
    note: str | None,
    said: Mapping[str, tuple[Any, Any]] | None = None,
) -> Case:
    """One step on a case settled as of now (`settle_case`), inside the caller's
    transaction: the step, the breaches it brings, the case and its history written —
    `change`'s body, for a use case that changes several complaints at once."""
    from aftersales_cli.rules.lifecycle import note_breaches

    after = step(conn, settled)
    after, more = note_breaches(settled, after, desk.now, desk.rules)
    store.update(
        conn, settled, after, action=action, by=desk.operator, at=desk.now, note=note, said=said
    )
    _breach_events(desk, conn, settled, after, more)
    return after


class OnCase(NamedTuple):
    """A complaint inside a use case's transaction: as stored, and settled as of now."""

    conn: sqlite3.Connection
    before: Case
    case: Case


@contextmanager
def on_case(desk: Desk, complaint_id: int) -> Iterator[OnCase]:
    """One transaction on a complaint, which first settles it as of now (`settle_case`),
    so that nothing written after can turn a passed deadline into met — the shape of
    every write: a lifecycle step (`change`), a corrective action, an attachment. An
    error inside rolls it all back."""
    with desk.transaction() as conn:
        before = store.get(conn, complaint_id)
        yield OnCase(conn, before, settle_case(desk, conn, before))


def settle_case(desk: Desk, conn: sqlite3.Connection, before: Case) -> Case:
    """The case as of now, its passed deadlines recorded as breached (written, with their
    `breached` events), inside the caller's transaction."""
    from aftersales_cli.rules.lifecycle import settle

    settled, breached = settle(before, desk.now, desk.rules)
    store.write(conn, before, settled)
    _breach_events(desk, conn, before, settled, breached)
    return settled


def _breach_events(
    desk: Desk, conn: sqlite3.Connection, before: Case, after: Case, milestones: list[str]
) -> None:
    """One `breached` event per milestone; the first carries the escalation, if any."""
    assert after.id is not None
    escalated = after.escalated_at if before.escalated_at is None else None
    for milestone in milestones:
        deadline = after.deadlines[milestone]
        events.append(
            conn,
            after.id,
            desk.now,
            desk.operator,
            "breached",
            events.breach_changes(milestone, escalated),
            breach_note(milestone, deadline.due_at, escalated is not None),
        )
        escalated = None


def breach_note(milestone: str, due_at: datetime | None, escalated: bool) -> str:
    note = f"{milestone} was due {clock.show(due_at)}"
    return note + "; escalated to management" if escalated else note


def late_action_note(
    action_id: int, department: str, owner: str | None, due_at: datetime, escalated: bool
) -> str:
    who = f"{department}, {owner}" if owner else department
    note = f"corrective action {action_id} ({who}) was due {clock.show(due_at)}"
    return note + "; escalated to management" if escalated else note
