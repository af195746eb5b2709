"""Counting business-time deadlines again after the calendar changed (`recompute`): a
holiday notice entered in the rules file after the deadlines it moves were set."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import NamedTuple

from aftersales_cli.desk import commands as cmd
from aftersales_cli.desk.work import Desk, Step, apply, settle_case
from aftersales_cli.rules import lifecycle
from aftersales_cli.rules.case import Case
from aftersales_cli.store import complaints as store

Advance = Callable[[int], None]

NOTE = "counted again by the calendar in force"


def _to(after: Case) -> Step:
    """The step that leads to `after` (already worked out)."""

    def step(_conn: sqlite3.Connection, _case: Case) -> Case:
        return after

    return step


class Recounted(NamedTuple):
    """What `recompute` looked at and what moved: each changed complaint before and after."""

    looked_at: int
    moved: list[tuple[Case, Case]]


def recompute(
    desk: Desk, command: cmd.Recompute, started: Callable[[int], Advance] | None = None
) -> Recounted:
    """One transaction: each complaint settled as of now (a deadline already passed is
    breached, whatever the new calendar says), then its pending business-time deadlines
    counted again; a complaint whose deadlines moved gets a `recompute` history entry.
    `started(total)`, given, returns what to call as each complaint is done (progress)."""
    moved: list[tuple[Case, Case]] = []
    with desk.transaction() as conn:
        ids = list(command.complaint_ids) or store.counted_pending(conn)
        advance = started(len(ids)) if started else None
        for complaint_id in ids:
            if advance is not None:
                advance(1)
            before = store.get(conn, complaint_id)
            settled = settle_case(desk, conn, before)
            after = lifecycle.recounted(settled, desk.rules)
            if after.deadlines == settled.deadlines:
                continue
            after = apply(desk, conn, settled, "recompute", _to(after), NOTE)
            moved.append((settled, after))
    return Recounted(len(ids), moved)
