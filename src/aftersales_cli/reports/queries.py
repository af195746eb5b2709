"""The aggregating queries behind `report`: counts and sums computed by SQLite over the
complaints received in a period, never by loading every row into Python.

Times are compared as stored UTC text; a period is [start, end). Everything is as of
`now` (a pending deadline that has passed counts as breached).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftersales_cli.clock import from_utc_text, to_utc_text
from aftersales_cli.reports import kpi
from aftersales_cli.reports.period import Period, buckets
from aftersales_cli.rules.config import Rules

IN_PERIOD = "c.received_at >= :start AND c.received_at < :end"
CLOSED = "c.status IN ('closed', 'revisited')"

# A deadline's state as of :now — the same rule as rules.case.Deadline.state (a test
# holds the two to each other).
STATE_SQL = """
    CASE
      WHEN d.due_at IS NULL THEN 'n/a'
      WHEN d.done_at IS NOT NULL THEN
        CASE WHEN d.late = 0 AND d.done_at <= d.due_at THEN 'met' ELSE 'breached' END
      WHEN d.late = 1 OR d.due_at < :now THEN 'breached'
      ELSE 'pending'
    END"""

_UTC = "'%Y-%m-%dT%H:%M:%SZ'"


@dataclass(frozen=True)
class Window:
    """Query parameters for one period as of now."""

    start: str
    end: str
    now: str

    @classmethod
    def of(cls, period: Period, now: datetime) -> Window:
        return cls(to_utc_text(period.start), to_utc_text(period.end), to_utc_text(now))

    @property
    def params(self) -> dict[str, str]:
        return {"start": self.start, "end": self.end, "now": self.now}


def _one(conn: sqlite3.Connection, sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(conn.execute(sql, params).fetchone())


def total(conn: sqlite3.Connection, w: Window) -> int:
    return int(_one(conn, f"SELECT COUNT(*) FROM complaints c WHERE {IN_PERIOD}", w.params)[0])


def counts_by(conn: sqlite3.Connection, w: Window, column: str, missing: str) -> dict[str, int]:
    """Complaints per value of `column` (a fixed column name), the largest first."""
    rows = conn.execute(
        f"""SELECT COALESCE(c.{column}, :missing) AS key, COUNT(*) AS n FROM complaints c
            WHERE {IN_PERIOD} GROUP BY key ORDER BY n DESC, key""",
        {**w.params, "missing": missing},
    )
    return {row[0]: row[1] for row in rows}


def kpi_inputs(conn: sqlite3.Connection, w: Window, rules: Rules) -> kpi.Inputs:
    hours = rules.targets.responded_within_hours
    params = {
        **w.params,
        "hours": f"+{hours} hours",
        "satisfied": rules.satisfied_min,
        "repeat": f"-{rules.repeat_window_days} days",
    }
    row = _one(
        conn,
        f"""SELECT
              COUNT(*),
              COALESCE(SUM({CLOSED}), 0),
              SUM(c.satisfaction >= :satisfied),
              COUNT(c.satisfaction),
              SUM(EXISTS (SELECT 1 FROM complaints p
                          WHERE p.phone_key = c.phone_key AND p.category = c.category
                            AND p.received_at < c.received_at
                            AND p.received_at >= strftime({_UTC}, c.received_at, :repeat))),
              SUM(d.done_at IS NOT NULL
                  AND d.done_at <= strftime({_UTC}, c.received_at, :hours)),
              SUM(d.done_at IS NOT NULL OR strftime({_UTC}, c.received_at, :hours) <= :now)
            FROM complaints c JOIN deadlines d
              ON d.complaint_id = c.id AND d.milestone = 'contact'
            WHERE {IN_PERIOD}""",
        params,
    )
    received, closed, satisfied, revisited, repeats, responded, measurable = (
        int(v or 0) for v in row
    )
    met, breached = _one(
        conn,
        f"""SELECT COALESCE(SUM(state = 'met'), 0), COALESCE(SUM(state = 'breached'), 0)
            FROM (SELECT {STATE_SQL} AS state FROM deadlines d
                  JOIN complaints c ON c.id = d.complaint_id WHERE {IN_PERIOD})""",
        w.params,
    )
    return kpi.Inputs(
        responded=kpi.Ratio(responded, measurable),
        resolved=kpi.Ratio(closed, received),
        satisfied=kpi.Ratio(satisfied, revisited),
        handling=handling(conn, w),
        repeats=kpi.Ratio(repeats, received),
        on_time=kpi.Ratio(int(met), int(met) + int(breached)),
    )


_HOURS = "(julianday(c.closed_at) - julianday(c.received_at)) * 24.0"


def handling(conn: sqlite3.Connection, w: Window) -> kpi.Handling:
    """Mean, median and 90th percentile of hours from receipt to resolution."""
    where = f"{IN_PERIOD} AND {CLOSED} AND c.closed_at IS NOT NULL"
    count, mean = _one(
        conn, f"SELECT COUNT(*), AVG({_HOURS}) FROM complaints c WHERE {where}", w.params
    )
    if not count:
        return kpi.Handling(0, None, None, None)

    def percentile(fraction: float) -> float:
        lower, upper, weight = kpi.percentile_positions(count, fraction)
        values = [
            row[0]
            for row in conn.execute(
                f"""SELECT {_HOURS} AS h FROM complaints c WHERE {where}
                    ORDER BY h LIMIT :n OFFSET :offset""",
                {**w.params, "n": upper - lower + 1, "offset": lower},
            )
        ]
        return kpi.interpolate(values[0], values[-1], weight)

    return kpi.Handling(int(count), float(mean), percentile(0.5), percentile(0.9))


def on_time(conn: sqlite3.Connection, w: Window) -> dict[str, dict[str, dict[str, int]]]:
    """Met and breached milestones by milestone and severity (pending and n/a left out)."""
    result: dict[str, dict[str, dict[str, int]]] = {}
    rows = conn.execute(
        f"""SELECT milestone, severity, SUM(state = 'met'), SUM(state = 'breached')
            FROM (SELECT d.milestone, c.severity, {STATE_SQL} AS state FROM deadlines d
                  JOIN complaints c ON c.id = d.complaint_id WHERE {IN_PERIOD})
            WHERE state IN ('met', 'breached')
            GROUP BY milestone, severity""",
        w.params,
    )
    for milestone, severity, met, breached in rows:
        result.setdefault(milestone, {})[severity] = {"met": met, "breached": breached}
    return result


def top_causes(conn: sqlite3.Connection, w: Window, limit: int = 10) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"""SELECT c.cause, COUNT(*) AS n, COALESCE(SUM(c.ours = 1), 0),
                   COALESCE(SUM(c.ours = 0), 0)
            FROM complaints c WHERE {IN_PERIOD} AND c.cause IS NOT NULL
            GROUP BY c.cause ORDER BY n DESC, c.cause LIMIT :limit""",
        {**w.params, "limit": limit},
    )
    return [{"cause": r[0], "count": r[1], "ours": r[2], "not_ours": r[3]} for r in rows]


def money_by_org(conn: sqlite3.Connection, w: Window) -> list[dict[str, Any]]:
    """Penalties, fines and compensation per client, in fen."""
    rows = conn.execute(
        f"""SELECT COALESCE(c.org, 'none') AS org, COUNT(c.penalty_offence),
                   GROUP_CONCAT(c.penalty_multiplier), COALESCE(SUM(c.penalty_fen), 0) AS pen,
                   COALESCE(SUM(c.staff_fine_fen), 0) AS fines,
                   COALESCE(SUM(c.amount_fen), 0) AS paid,
                   COALESCE(SUM(c.statutory_compensation_fen), 0), COALESCE(SUM(c.incident), 0)
            FROM complaints c WHERE {IN_PERIOD}
            GROUP BY org
            HAVING COUNT(c.penalty_offence) OR SUM(c.staff_fine_fen) OR SUM(c.amount_fen)
                   OR SUM(c.statutory_compensation_fen) OR COALESCE(SUM(c.incident), 0)
            ORDER BY pen + fines DESC, paid DESC, org""",
        w.params,
    )
    return [
        {
            "org": r[0],
            "offences": r[1],
            "multipliers": [_number(m) for m in r[2].split(",")] if r[2] else [],
            "penalties_fen": r[3],
            "staff_fines_fen": r[4],
            "compensation_fen": r[5],
            "statutory_fen": r[6],
            "incidents": r[7],
        }
        for r in rows
    ]


def statutory(conn: sqlite3.Connection, w: Window) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"""SELECT c.id, COALESCE(c.org, 'none'), c.statutory_compensation_fen
            FROM complaints c WHERE {IN_PERIOD} AND c.statutory_compensation_fen IS NOT NULL
            ORDER BY c.statutory_compensation_fen DESC, c.id""",
        w.params,
    )
    return [{"id": r[0], "org": r[1], "amount_fen": r[2]} for r in rows]


def _breaches_cte() -> str:
    return f"""WITH b AS (
        SELECT d.complaint_id AS id, SUM(({STATE_SQL}) = 'breached') AS n
        FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
        WHERE {IN_PERIOD} GROUP BY d.complaint_id)"""


def responsibility(conn: sqlite3.Connection, w: Window, by_person: bool) -> list[dict[str, Any]]:
    """The monthly review: complaints, how many closed and ours, breaches and penalties —
    per department, or per person (with their department)."""
    who = (
        "COALESCE(c.assignee, 'unassigned')"
        if by_person
        else "COALESCE(c.department, 'unassigned')"
    )
    group = "who, department" if by_person else "who"
    rows = conn.execute(
        f"""{_breaches_cte()}
            SELECT {who} AS who, COALESCE(c.department, 'unassigned') AS department,
                   COUNT(*) AS complaints, COALESCE(SUM({CLOSED}), 0), COALESCE(SUM(c.ours = 1), 0),
                   COALESCE(SUM(b.n), 0), COALESCE(SUM(c.penalty_fen), 0)
            FROM complaints c LEFT JOIN b ON b.id = c.id
            WHERE {IN_PERIOD}
            GROUP BY {group} ORDER BY complaints DESC, who""",
        w.params,
    )
    result = []
    for r in rows:
        item: dict[str, Any] = (
            {"assignee": r[0], "department": r[1]} if by_person else {"department": r[0]}
        )
        item.update(
            {
                "complaints": r[2],
                "closed": r[3],
                "ours": r[4],
                "breaches": r[5],
                "penalties_fen": r[6],
            }
        )
        result.append(item)
    return result


def staff_fines(conn: sqlite3.Connection, w: Window) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"""SELECT c.staff, COUNT(*), SUM(c.staff_fine_fen) FROM complaints c
            WHERE {IN_PERIOD} AND c.staff_fine_fen IS NOT NULL
            GROUP BY c.staff ORDER BY 3 DESC, c.staff""",
        w.params,
    )
    return [{"staff": r[0], "fines": r[1], "amount_fen": r[2]} for r in rows]


def batch_clusters(conn: sqlite3.Connection, w: Window, rules: Rules) -> list[dict[str, Any]]:
    """Two or more complaints on one batch — or one product and delivery date — received
    within the batch window of each other."""
    window = f"{rules.batch_window_hours} hours"
    params = {**w.params, "before": f"-{window}", "after": f"+{window}"}
    clusters: dict[tuple[str, str], dict[str, Any]] = {}
    for key_sql, match_sql, label in (
        ("c.batch", "o.batch = c.batch", "batch"),
        (
            "c.product || ' / ' || c.delivery_date",
            "o.product = c.product AND o.delivery_date = c.delivery_date",
            "product",
        ),
    ):
        not_null = (
            "c.batch IS NOT NULL"
            if label == "batch"
            else "c.product IS NOT NULL AND c.delivery_date IS NOT NULL"
        )
        rows = conn.execute(
            f"""SELECT {key_sql}, c.id, c.received_at, c.category, COALESCE(c.org, 'none')
                FROM complaints c
                WHERE {IN_PERIOD} AND {not_null} AND EXISTS (
                    SELECT 1 FROM complaints o WHERE {match_sql} AND o.id != c.id
                      AND o.received_at BETWEEN strftime({_UTC}, c.received_at, :before)
                                            AND strftime({_UTC}, c.received_at, :after))
                ORDER BY c.received_at""",
            params,
        )
        for key, cid, received, category, org in rows:
            cluster = clusters.setdefault(
                (label, key),
                {
                    "kind": label,
                    "key": key,
                    "ids": [],
                    "categories": [],
                    "orgs": [],
                    "first": received,
                    "last": received,
                },
            )
            cluster["ids"].append(cid)
            cluster["last"] = received
            for field, value in (("categories", category), ("orgs", org)):
                if value not in cluster[field]:
                    cluster[field].append(value)
    # Complaints already in a larger cluster (by batch, say) are not listed again (by
    # product and delivery date).
    listed: list[set[int]] = []
    result = []
    for cluster in sorted(clusters.values(), key=lambda c: (-len(c["ids"]), c["first"])):
        ids = set(cluster["ids"])
        if any(ids <= earlier for earlier in listed):
            continue
        listed.append(ids)
        result.append(
            {
                **cluster,
                "count": len(ids),
                "first": from_utc_text(cluster["first"]),
                "last": from_utc_text(cluster["last"]),
            }
        )
    return result


def repeat_complainants(
    conn: sqlite3.Connection, w: Window, limit: int = 20
) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"""SELECT c.phone_key, MIN(c.customer), COUNT(*) AS n, GROUP_CONCAT(c.id),
                   GROUP_CONCAT(DISTINCT c.category)
            FROM complaints c WHERE {IN_PERIOD}
            GROUP BY c.phone_key HAVING n >= 2 ORDER BY n DESC, MIN(c.received_at)
            LIMIT :limit""",
        {**w.params, "limit": limit},
    )
    return [
        {
            "phone_key": r[0],
            "customer": r[1],
            "count": r[2],
            "ids": [int(i) for i in r[3].split(",")],
            "categories": r[4].split(","),
        }
        for r in rows
    ]


def trend(conn: sqlite3.Connection, period: Period) -> list[dict[str, Any]]:
    """Complaints received per day or week of the period (and how many were urgent)."""
    spans = buckets(period)
    values = ", ".join(f"({i}, ?, ?)" for i in range(len(spans)))
    params: list[Any] = []
    for start, end, _ in spans:
        params.extend([to_utc_text(start), to_utc_text(end)])
    rows = conn.execute(
        f"""WITH b(i, s, e) AS (VALUES {values})
            SELECT b.i, COUNT(c.id), COALESCE(SUM(c.severity = 'urgent'), 0)
            FROM b LEFT JOIN complaints c ON c.received_at >= b.s AND c.received_at < b.e
            GROUP BY b.i ORDER BY b.i""",
        params,
    )
    counts = {r[0]: (r[1], r[2]) for r in rows}
    return [
        {
            "start": start.date().isoformat(),
            "label": label,
            "count": counts[i][0],
            "urgent": counts[i][1],
        }
        for i, (start, _, label) in enumerate(spans)
    ]


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def sum_fen(items: Iterable[dict[str, Any]], *keys: str) -> int:
    return sum(int(item[k]) for item in items for k in keys)
