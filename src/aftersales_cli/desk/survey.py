"""The survey's use cases: record a response (one, or a form's file of them), draw the
plan of who to ask in a quarter, and the quarter's figures."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from aftersales_cli.desk import commands as cmd
from aftersales_cli.desk.work import Desk
from aftersales_cli.reports import survey as figures_of
from aftersales_cli.reports.period import Period
from aftersales_cli.rules import clients as client_rules
from aftersales_cli.rules import survey
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.store import clients as client_store
from aftersales_cli.store import survey as store


class Recorded(NamedTuple):
    id: int
    client: str  # the registered client's name
    satisfied: bool


def client_of(conn: sqlite3.Connection, name: str) -> tuple[int, str]:
    """The registered client a response is for; a name nobody registered is refused,
    with the near matches (a survey is of clients the company has: add it first)."""
    found = client_store.resolve(conn, client_rules.key("client", name))
    if found is not None:
        return found
    near = client_rules.near_matches(name, client_store.known(conn))
    hint = f"; did you mean {' or '.join(near)}?" if near else ""
    raise RuleError(
        "client", f"{name!r} is not a registered client{hint} (add it: aftersales client add)"
    )


def write(conn: sqlite3.Connection, desk: Desk, command: cmd.RecordSurvey) -> Recorded:
    """One response, inside the caller's transaction."""
    client_id, name = client_of(conn, command.client)
    response_id = store.insert(
        conn,
        client_id,
        command.at,
        command.method,
        command.scores,
        command.respondent,
        command.comment,
        desk.operator,
        desk.now,
    )
    total, count = sum(command.scores.values()), len(command.scores)
    return Recorded(response_id, name, survey.satisfied(total, count, desk.rules.survey))


def record(desk: Desk, command: cmd.RecordSurvey) -> Recorded:
    """`survey record`: one response, in one transaction."""
    with desk.transaction() as conn:
        return write(conn, desk, command)


def plan(desk: Desk, period: Period) -> list[survey.PlanRow]:
    """`survey plan`: who to ask in the quarter (`rules.survey.plan`)."""
    return figures_of.plan(desk.conn, period, desk.now, desk.rules.survey)


def figures(desk: Desk, period: Period) -> survey.Figures:
    """`survey report`: the quarter's responses against its plan, its aspects and
    clients, the low aspects with their comments, and the previous quarter's rate (the
    report's survey section is the same figures, `reports.survey`)."""
    return figures_of.figures(desk.conn, period, desk.now, desk.rules)
