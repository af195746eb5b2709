"""The survey's use cases: record a response (one, or a form's file of them), draw the
plan of who to ask in a quarter, and the quarter's figures."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import NamedTuple

from aftersales_cli.desk import commands as cmd
from aftersales_cli.desk.work import Desk
from aftersales_cli.reports.period import Period
from aftersales_cli.rules import clients as client_rules
from aftersales_cli.rules import survey
from aftersales_cli.rules.config import SurveyRules
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.store import clients as client_store
from aftersales_cli.store import survey as store

# Comments shown per low aspect.
COMMENTS_SHOWN = 5


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


def plan(desk: Desk, period: Period, *, customers: bool = True) -> list[survey.PlanRow]:
    """`survey plan`: who to ask in the quarter (`rules.survey.plan`); without the
    customers, the clients' rows alone."""
    return survey.plan(
        store.plan_clients(desk.conn),
        store.closed_customers(desk.conn, period.start, period.end) if customers else (),
        (period.start, period.end),
        period.previous().start,
        desk.now,
        desk.rules.survey,
    )


def figures(desk: Desk, period: Period) -> survey.Figures:
    """`survey report` and the report's survey section: the quarter's responses against
    its plan, its aspects and clients, the low aspects with their comments, and the
    previous quarter's rate."""
    rules = desk.rules.survey
    conn = desk.conn
    counts = store.quarter(conn, period.start, period.end, rules.satisfied_min)
    # the plan counted: its clients' rows, and its customers by client and name (a
    # quarter's customers are a hundred thousand at a million complaints)
    rows = plan(desk, period, customers=False)
    customers = store.closed_customer_counts(conn, period.start, period.end, desk.now)
    previous = period.previous()
    tallies = {t.key: t for t in counts.aspects}
    comments = {
        key: store.low_comments(
            conn, period.start, period.end, key, rules.satisfied_min, COMMENTS_SHOWN
        )
        for key in _low_keys(tallies.values(), rules)
    }
    return survey.figures(
        period.label,
        len(rows) + sum(n for _, _, n in customers),
        sum(survey.answered(r, counts.respondents) for r in rows)
        + survey.answered_customers(customers, counts.respondents),
        counts.responses,
        counts.satisfied,
        store.satisfied_share(conn, previous.start, previous.end, rules.satisfied_min),
        counts.aspects,
        counts.clients,
        comments,
        rules,
        desk.rules.targets.survey_satisfaction_rate,
    )


def _low_keys(tallies: Iterable[survey.AspectTally], rules: SurveyRules) -> list[str]:
    return [t.key for t in tallies if t.n and survey.low(t.total / t.n, t.satisfied / t.n, rules)]
