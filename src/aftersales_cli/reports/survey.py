"""The survey's figures over a period: the store's counts (`store.survey`) through the
pure math of `rules.survey` — for `survey report` and the report's survey section alike.

A quarter's figures are counted against its plan of whom to ask. A month or a range is
not a survey's span: its figures (responses, aspects, clients, low aspects, the previous
span's rate) are over its days, with no plan (`quarter`, `planned`, `answered` None).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from aftersales_cli.reports.period import Period
from aftersales_cli.rules import survey
from aftersales_cli.rules.config import Rules, SurveyRules
from aftersales_cli.store import actions as action_store
from aftersales_cli.store import survey as store

# Comments shown per low aspect.
COMMENTS_SHOWN = 5


def plan(
    conn: sqlite3.Connection,
    period: Period,
    now: datetime,
    rules: SurveyRules,
    *,
    customers: bool = True,
) -> list[survey.PlanRow]:
    """Who to ask in the quarter (`rules.survey.plan`); without the customers, the
    clients' rows alone."""
    return survey.plan(
        store.plan_clients(conn),
        store.closed_customers(conn, period.start, period.end) if customers else (),
        (period.start, period.end),
        period.previous().start,
        now,
        rules,
    )


def figures(
    conn: sqlite3.Connection, period: Period, now: datetime, rules: Rules
) -> survey.Figures:
    """The period's responses (against its plan, when it is a quarter), its aspects and
    clients, the low aspects with their comments and the corrective actions opened for
    them in the period, and the previous period's rate."""
    survey_rules = rules.survey
    least = survey_rules.satisfied_min
    counts = store.quarter(conn, period.start, period.end, least)
    previous = period.previous()
    tallies = {t.key: t for t in counts.aspects}
    comments = {
        key: store.low_comments(conn, period.start, period.end, key, least, COMMENTS_SHOWN)
        for key in _low_keys(tallies.values(), survey_rules)
    }
    quarter: str | None = None
    planned = answered = None
    if period.kind == "quarter":
        # the plan counted: its clients' rows, and its customers by client and name (a
        # quarter's customers are a hundred thousand at a million complaints)
        rows = plan(conn, period, now, survey_rules, customers=False)
        customers = store.closed_customer_counts(conn, period.start, period.end, now)
        quarter = period.label
        planned = len(rows) + sum(n for _, _, n in customers)
        answered = sum(
            survey.answered(r, counts.respondents) for r in rows
        ) + survey.answered_customers(customers, counts.respondents)
    return survey.figures(
        quarter,
        planned,
        answered,
        counts.responses,
        counts.satisfied,
        store.satisfied_share(conn, previous.start, previous.end, least),
        counts.aspects,
        counts.clients,
        comments,
        survey_rules,
        rules.targets.survey_satisfaction_rate,
        actions=action_store.answering_aspects(conn, period.start, period.end),
    )


def _low_keys(tallies: Iterable[survey.AspectTally], rules: SurveyRules) -> list[str]:
    return [t.key for t in tallies if t.n and survey.low(t.total / t.n, t.satisfied / t.n, rules)]
