"""The use cases of corrective actions (整改): open one on a complaint, record it done,
have QC verify it. Each is one transaction that first settles its complaint as of now
(the breaches of its deadlines, and of the action itself when it is already late, each
with its `breached` entry), then writes the action and its history entry."""

from __future__ import annotations

import sqlite3

from aftersales_cli import clock
from aftersales_cli.desk import commands as cmd
from aftersales_cli.desk.work import Desk, late_action_note, on_case
from aftersales_cli.rules import actions as rules
from aftersales_cli.rules.actions import Action
from aftersales_cli.store import actions as store
from aftersales_cli.store import breaches


def add(desk: Desk, command: cmd.AddAction) -> Action:
    """A corrective action on a complaint (any status: a closed case most often)."""
    with on_case(desk, command.complaint_id) as (conn, _, case):
        assert case.id is not None
        action = rules.open_action(
            case.id,
            case.received_at,
            text=command.text,
            department=command.department,
            owner=command.owner,
            due_at=command.due,
            now=desk.now,
            by=desk.operator,
            survey_aspect=command.survey_aspect,
        )
        who = f", owner {command.owner}" if command.owner else ""
        answers = f"; for survey aspect {command.survey_aspect}" if command.survey_aspect else ""
        note = f"{command.text} — {command.department}{who}, due {clock.show(command.due)}{answers}"
        stored = store.insert(conn, action, note=note)
        _note_late(desk, conn, stored)
    return store.get(desk.conn, stored.id or 0)


def move(desk: Desk, command: cmd.MoveAction) -> Action:
    """`done` or `verified`: refused (nothing written) when the action is not where that
    step starts — done twice, verified before it is done."""
    step = rules.mark_done if command.to == "done" else rules.verify
    complaint_id = store.get(desk.conn, command.action_id).complaint_id  # never changes
    with on_case(desk, complaint_id) as (conn, _, _):
        before = store.get(conn, command.action_id)
        after = step(before, desk.now)  # a refusal rolls back what settling wrote
        _note_late(desk, conn, before)
        store.update(conn, before, after, at=desk.now, by=desk.operator, note=command.note)
    return store.get(desk.conn, command.action_id)


def _note_late(desk: Desk, conn: sqlite3.Connection, action: Action) -> None:
    """The action's own breach, if it is past due and the history does not say so yet."""
    breaches.note_late_actions(
        conn,
        desk.now,
        desk.operator,
        desk.rules.severity.escalate_when_overdue,
        late_action_note,
        only=action.id,
    )
