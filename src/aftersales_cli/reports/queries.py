"""The aggregating queries behind `report`: counts and sums computed by SQLite over the
complaints received in a period, never by loading every row into Python.

Each query is written for an index (migrations 0003–0007), so that a quarter of a large
database is summed from narrow indexes rather than the wide table: `complaints_by_received`
for the KPIs, one index per distribution (read value by value), `complaints_review` for
responsibility, the ledger's indexes for money, the partial `complaints_money` for the
statutory compensation suggested. A
partial index is used only when the query repeats its condition, so those conditions
are written once below. Times are compared as stored UTC text; a period is [start, end);
everything is as of `now` (a pending deadline past due counts as breached).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftersales_cli.clock import from_utc_text, to_utc_text
from aftersales_cli.reports import kpi
from aftersales_cli.reports.period import Period, buckets
from aftersales_cli.rules.calendar import calendar_days, elapsed, local_day
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.taxonomy import MILESTONE_BITS, MILESTONE_KEYS
from aftersales_cli.store.ledger import COLUMNS as ENTRY_COLUMNS

IN_PERIOD = "c.received_at >= :start AND c.received_at < :end"
CLOSED = "c.status IN ('closed', 'revisited')"
# The condition of the partial index complaints_money (migration 0003), word for word.
MONEY_ROWS = """(amount_fen IS NOT NULL OR penalty_fen IS NOT NULL OR staff_fine_fen IS NOT NULL
          OR statutory_compensation_fen IS NOT NULL OR incident = 1)"""
# Pending deadlines past due as of :now (their breach not yet settled by a late
# extension); the condition of the partial index deadlines_pending comes first.
PENDING_LATE = "d.done_at IS NULL AND d.due_at IS NOT NULL AND d.due_at < :now AND d.late = 0"


def popcount(column: str) -> str:
    """How many milestones a mask holds (one bit each)."""
    bits = sorted(MILESTONE_BITS.values())
    return "(" + " + ".join(f"(({column} >> {i}) & 1)" for i in bits) + ")"


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
        f"""SELECT c.{column}, COUNT(*) FROM complaints c
            WHERE {IN_PERIOD} GROUP BY c.{column}""",
        w.params,
    ).fetchall()
    counts = {(key if key is not None else missing): n for key, n in rows}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def figures(
    conn: sqlite3.Connection, w: Window, rules: Rules
) -> tuple[dict[str, Any], dict[str, dict[str, dict[str, int]]]]:
    """The KPIs' counts and the on-time table (met and breached milestones by milestone and
    severity), in one pass over complaints_by_severity. Settled outcomes come from the
    masks kept on each complaint; pending deadlines past due from the deadlines."""
    hours = rules.targets.responded_within_hours
    young = to_utc_text(elapsed(from_utc_text(w.now), -hours * 60))
    params = {
        **w.params,
        "respond": hours * 60,
        "young": young,
        "satisfied": rules.revisit.satisfied_min,
        "repeat": rules.intake.repeat_window_days * 1440,
    }
    masks = ", ".join(
        f"SUM((c.met_mask >> {bit}) & 1), SUM((c.breached_mask >> {bit}) & 1)"
        for bit in (MILESTONE_BITS[m] for m in MILESTONE_KEYS)
    )
    names = (
        "received",
        "closed",
        "satisfied",
        "revisited",
        "repeats",
        "responded",
        "measurable",
        "handled",
        "handling_minutes",
    )
    counts: dict[str, Any] = dict.fromkeys(names, 0)
    table: dict[str, dict[str, dict[str, int]]] = {}
    for row in conn.execute(
        f"""SELECT c.severity, COUNT(*), SUM({CLOSED}), SUM(c.satisfaction >= :satisfied),
                   COUNT(c.satisfaction), SUM(c.same_gap_minutes <= :repeat),
                   SUM(c.contact_minutes <= :respond),
                   SUM(c.contact_minutes IS NOT NULL OR c.received_at <= :young),
                   COUNT(c.handling_minutes), SUM(c.handling_minutes), {masks}
            FROM complaints c WHERE {IN_PERIOD} GROUP BY c.severity""",
        params,
    ):
        for name, value in zip(names, row[1:10], strict=True):
            counts[name] += int(value or 0)
        for i, milestone in enumerate(MILESTONE_KEYS):
            met, breached = row[10 + 2 * i], row[11 + 2 * i]
            if met or breached:
                table.setdefault(milestone, {})[row[0]] = {"met": met, "breached": breached}
    counts["client_repeats"] = client_repeats(conn, w, rules)
    for milestone, severity, late in conn.execute(
        f"""SELECT d.milestone, c.severity, COUNT(*) FROM deadlines d
            JOIN complaints c ON c.id = d.complaint_id
            WHERE {PENDING_LATE} AND {IN_PERIOD} GROUP BY d.milestone, c.severity""",
        w.params,
    ):
        cell = table.setdefault(milestone, {}).setdefault(severity, {"met": 0, "breached": 0})
        cell["breached"] += late
    return counts, {m: table[m] for m in MILESTONE_KEYS if m in table}


def client_repeats(conn: sqlite3.Connection, w: Window, rules: Rules) -> int:
    """Complaints whose client had another in the same category within the repeat window
    before (whatever the phone), from the partial index complaints_client_repeats."""
    row = conn.execute(
        f"""SELECT COUNT(*) FROM complaints c
            WHERE c.client_gap_minutes IS NOT NULL AND {IN_PERIOD}
              AND c.client_gap_minutes <= :repeat""",
        {**w.params, "repeat": rules.intake.repeat_window_days * 1440},
    ).fetchone()
    return int(row[0])


def kpi_inputs(
    counts: dict[str, Any],
    table: dict[str, dict[str, dict[str, int]]],
    spread: tuple[float, float] | None,
    survey: tuple[int, int],
) -> kpi.Inputs:
    """The KPIs' inputs from the counts, the on-time table, the handling spread and the
    survey's (satisfied, responses)."""
    met = sum(c["met"] for by in table.values() for c in by.values())
    breached = sum(c["breached"] for by in table.values() for c in by.values())
    handled = counts["handled"]
    mean = counts["handling_minutes"] / handled / 60 if handled else None
    median, p90 = (None, None) if spread is None else spread
    return kpi.Inputs(
        responded=kpi.Ratio(counts["responded"], counts["measurable"]),
        resolved=kpi.Ratio(counts["closed"], counts["received"]),
        satisfied=kpi.Ratio(counts["satisfied"], counts["revisited"]),
        handling=kpi.Handling(handled, mean, median, p90),
        repeats=kpi.Ratio(counts["repeats"], counts["received"]),
        client_repeats=kpi.Ratio(counts.get("client_repeats", 0), counts["received"]),
        on_time=kpi.Ratio(met, met + breached),
        survey_satisfied=kpi.Ratio(*survey),
    )


def handling_spread(conn: sqlite3.Connection, w: Window) -> tuple[float, float] | None:
    """Median and 90th percentile of hours from receipt to resolution, exact, from the
    histogram of minutes (a few thousand rows, not a sort of the whole period)."""
    histogram = conn.execute(
        f"""SELECT c.handling_minutes, COUNT(*) FROM complaints c
            WHERE {IN_PERIOD} AND c.handling_minutes IS NOT NULL
            GROUP BY c.handling_minutes ORDER BY c.handling_minutes""",
        w.params,
    ).fetchall()
    if not histogram:
        return None
    median, p90 = (kpi.percentile_of_histogram(histogram, f) / 60 for f in (0.5, 0.9))
    return median, p90


def top_causes(conn: sqlite3.Connection, w: Window, limit: int = 10) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"""SELECT c.cause, COUNT(*) AS n, COALESCE(SUM(c.ours = 1), 0),
                   COALESCE(SUM(c.ours = 0), 0)
            FROM complaints c WHERE c.cause IS NOT NULL AND {IN_PERIOD}
            GROUP BY c.cause ORDER BY n DESC, c.cause LIMIT :limit""",
        {**w.params, "limit": limit},
    )
    return [{"cause": r[0], "count": r[1], "ours": r[2], "not_ours": r[3]} for r in rows]


# The condition of the partial index complaints_paused_time (migration 0021), word for word.
PAUSED_ROWS = "(paused_minutes > 0 OR paused_at IS NOT NULL)"


def paused_time(conn: sqlite3.Connection, w: Window) -> list[tuple[int, int, bool]]:
    """The period's complaints ever paused (`aftersales pause`), the longest first: id,
    clock minutes paused as of now (the pauses over, and the one still running), and
    whether it is paused still. Read off their own partial index."""
    return [
        (int(row[0]), int(row[1]), bool(row[2]))
        for row in conn.execute(
            f"""SELECT id, paused_minutes + CASE WHEN paused_at IS NULL THEN 0
                         ELSE MAX(0, CAST((julianday(:now) - julianday(pause_applied_at)) * 1440
                                          AS INTEGER)) END AS minutes,
                       paused_at IS NOT NULL
                FROM complaints c INDEXED BY complaints_paused_time
                WHERE {PAUSED_ROWS} AND {IN_PERIOD}
                ORDER BY minutes DESC, id""",
            w.params,
        )
    ]


# Ledger entries of the complaints received in the period (net of reversals: a reversal
# is an entry of its own, with the opposite amount).
def corrective_actions(conn: sqlite3.Connection, w: Window) -> list[dict[str, Any]]:
    """Per department, the corrective actions opened in the period (their own index, not
    the complaints): opened, done on time, verified, still open, late as of now."""
    return [
        dict(row)
        for row in conn.execute(
            """SELECT department, COUNT(*) AS opened,
                      SUM(done_at IS NOT NULL AND done_at <= due_at) AS done_on_time,
                      SUM(state = 'verified') AS verified,
                      SUM(state = 'open') AS still_open,
                      SUM(CASE WHEN done_at IS NULL THEN due_at < :now
                               ELSE done_at > due_at END) AS late
               FROM actions WHERE opened_at >= :start AND opened_at < :end
               GROUP BY department ORDER BY opened DESC, department""",
            w.params,
        )
    ]


LEDGER_IN_PERIOD = f"""FROM ledger l JOIN complaints c ON c.id = l.complaint_id
            WHERE {IN_PERIOD}"""


LEDGER_CELL_KEYS = (
    "org",
    "cause",
    "department",
    "assignee",
    "kind",
    "payment_kind",
    "staff",
    "reversal",
    "standing_multiplier",
)


def ledger_cells(conn: sqlite3.Connection, w: Window) -> list[dict[str, Any]]:
    """The period's ledger in one pass: entries and their net sum per client, cause,
    handling department, person, kind, payment kind, staff member, reversal or not, and —
    for a fine that stands (neither a reversal nor reversed) — its multiplier. Every money
    figure of the report is rolled up from these (reports.ledger_sums, reports.review)."""
    rows = conn.execute(
        f"""SELECT COALESCE(c.org, 'none'), c.cause, c.department, c.assignee, l.kind,
                   l.payment_kind, l.staff, l.reverses IS NOT NULL,
                   CASE WHEN l.kind = 'fine' AND l.reverses IS NULL AND NOT EXISTS (
                          SELECT 1 FROM ledger r WHERE r.reverses = l.id)
                        THEN l.multiplier END,
                   COUNT(*), SUM(l.amount_fen)
            {LEDGER_IN_PERIOD} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9""",
        w.params,
    )
    return [
        {**dict(zip(LEDGER_CELL_KEYS, r[:9], strict=True)), "entries": r[9], "net_fen": r[10]}
        for r in rows
    ]


def suggested_by_org(conn: sqlite3.Connection, w: Window) -> list[dict[str, Any]]:
    """Per client: the statutory compensation suggested (not paid: a suggestion), how many
    cases it was suggested on, and the incidents — from the complaints, in fen."""
    rows = conn.execute(
        f"""SELECT COALESCE(c.org, 'none'), COALESCE(SUM(c.statutory_compensation_fen), 0),
                   COALESCE(SUM(c.incident), 0), COUNT(c.statutory_compensation_fen)
            FROM complaints c WHERE {MONEY_ROWS} AND {IN_PERIOD} GROUP BY 1""",
        w.params,
    )
    return [
        {"org": r[0], "statutory_fen": r[1], "incidents": r[2], "statutory_cases": r[3]}
        for r in rows
    ]


# A ledger entry as the report lists it: the stored columns up to what a fine adds, and
# the complaint's client.
LEDGER_KEYS = ("id", *ENTRY_COLUMNS[: ENTRY_COLUMNS.index("event")], "org")
_LEDGER_COLUMNS = ", ".join(f"l.{c}" for c in LEDGER_KEYS[:-1]) + ", COALESCE(c.org, 'none')"


def ledger_entries(conn: sqlite3.Connection, w: Window) -> Iterator[dict[str, Any]]:
    """Every ledger entry of the period's complaints, in the order recorded — read as it
    is written out (a quarter may hold tens of thousands)."""
    cursor = conn.execute(f"SELECT {_LEDGER_COLUMNS} {LEDGER_IN_PERIOD} ORDER BY l.id", w.params)
    for row in cursor:
        yield dict(zip(LEDGER_KEYS, row, strict=True))


def ledger_largest(conn: sqlite3.Connection, w: Window, limit: int = 20) -> list[dict[str, Any]]:
    """The largest entries (by amount, reversals included) of the period's complaints."""
    rows = conn.execute(
        f"""SELECT {_LEDGER_COLUMNS} {LEDGER_IN_PERIOD}
            ORDER BY ABS(l.amount_fen) DESC, l.id LIMIT :limit""",
        {**w.params, "limit": limit},
    )
    return [dict(zip(LEDGER_KEYS, row, strict=True)) for row in rows]


def statutory(conn: sqlite3.Connection, w: Window, limit: int = 20) -> list[dict[str, Any]]:
    """The largest statutory compensations suggested (their sum and count are per client
    in money_by_org)."""
    rows = conn.execute(
        f"""SELECT c.id, COALESCE(c.org, 'none'), c.statutory_compensation_fen
            FROM complaints c
            WHERE {MONEY_ROWS} AND {IN_PERIOD} AND c.statutory_compensation_fen IS NOT NULL
            ORDER BY c.statutory_compensation_fen DESC, c.id LIMIT :limit""",
        {**w.params, "limit": limit},
    )
    return [{"id": r[0], "org": r[1], "amount_fen": r[2]} for r in rows]


# Per client, the period's complaints where someone fell ill — one range over the partial
# index complaints_illness (migration 0012), which holds every column it reads.
ILLNESS = f"""SELECT COALESCE(c.org, 'none'), COUNT(*), SUM(c.people), SUM(c.hospital)
    FROM complaints c INDEXED BY complaints_illness WHERE c.ill = 1 AND {IN_PERIOD}
    GROUP BY c.org ORDER BY COUNT(*) DESC, SUM(c.people) DESC, c.org"""


def illness(conn: sqlite3.Connection, w: Window) -> list[dict[str, Any]]:
    """Per client, the period's complaints where someone fell ill: how many, the people
    affected, how many saw a doctor."""
    return [
        {"org": r[0], "cases": r[1], "people": r[2], "hospital": r[3]}
        for r in conn.execute(ILLNESS, w.params)
    ]


def review_cells(conn: sqlite3.Connection, w: Window) -> list[dict[str, Any]]:
    """The monthly review's figures per cause, handling department and person — one pass
    over the index complaints_review (migration 0007), read cause by cause, from which the
    review's every view is rolled up (reports.review): complaints, closed, ours and breaches
    (settled, and pending past due); penalties are added from the ledger's cells."""
    key = "c.cause, c.department, c.assignee"
    cells: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in conn.execute(
        f"""SELECT {key}, COUNT(*), SUM({CLOSED}), COALESCE(SUM(c.ours = 1), 0),
                   SUM({popcount("c.breached_mask")})
            FROM complaints c WHERE {IN_PERIOD} GROUP BY {key}""",
        w.params,
    ):
        cells[r[:3]] = {
            "cause": r[0],
            "department": r[1],
            "assignee": r[2],
            "complaints": r[3],
            "closed": r[4],
            "ours": r[5],
            "breaches": r[6],
            "penalties_fen": 0,
        }
    for r in conn.execute(
        f"""SELECT {key}, COUNT(*) FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
            WHERE {PENDING_LATE} AND {IN_PERIOD} GROUP BY {key}""",
        w.params,
    ):
        if r[:3] in cells:
            cells[r[:3]]["breaches"] += r[3]
    return list(cells.values())


def batch_clusters(
    conn: sqlite3.Connection, w: Window, rules: Rules, limit: int = 20
) -> tuple[list[dict[str, Any]], int]:
    """Two or more complaints on one batch — or one product and delivery date — received
    within the batch window of each other; or two or more of the cluster categories
    (food_safety, illness) from one client on one local day: the largest `limit`, and how
    many there are. A set already listed (by batch, say) is not listed again."""
    window = rules.intake.batch_window_hours * 60
    found: list[dict[str, Any]] = []
    for kind, key_sql, where in (
        ("batch", "c.batch", "c.batch IS NOT NULL"),
        (
            "product",
            "c.product, c.delivery_date",
            "c.product IS NOT NULL AND c.delivery_date IS NOT NULL",
        ),
    ):
        for row in conn.execute(
            f"""SELECT {key_sql}, COUNT(*), MIN(c.received_at), MAX(c.received_at)
                FROM complaints c WHERE {where} AND {IN_PERIOD}
                GROUP BY {key_sql} HAVING COUNT(*) >= 2""",
            w.params,
        ):
            key = row[:-3]
            found.append(
                {
                    "kind": kind,
                    "key": " / ".join(map(str, key)),
                    "match": key,
                    "count": row[-3],
                    "first": row[-2],
                    "last": row[-1],
                }
            )
    found.extend(_client_days(conn, w, rules))
    found.sort(key=lambda c: (-c["count"], c["first"]))
    clusters: list[dict[str, Any]] = []
    listed: list[set[int]] = []
    for cluster in found:
        if len(clusters) == limit:
            break
        members = _members(conn, w, cluster["kind"], cluster["match"], rules)
        times = [from_utc_text(t) for t, *_ in members]
        if cluster["kind"] == "client":  # one local day is the cluster: named as typed
            cluster["key"] = f"{members[0][3]} / {cluster['day']}"
        elif not any(
            (b - a).total_seconds() <= window * 60 for a, b in zip(times, times[1:], strict=False)
        ):
            continue  # on one batch, but days apart
        ids = {m[1] for m in members}
        if any(ids <= earlier for earlier in listed):
            continue  # already listed (by batch, say)
        listed.append(ids)
        clusters.append(
            {
                "kind": cluster["kind"],
                "key": cluster["key"],
                "ids": [m[1] for m in members],
                "categories": list(dict.fromkeys(m[2] for m in members)),
                "orgs": list(dict.fromkeys(m[3] for m in members)),
                "count": len(members),
                "first": times[0],
                "last": times[-1],
            }
        )
    return clusters, len(found)


def _in_categories(rules: Rules) -> tuple[str, dict[str, str]]:
    """`c.category IN (...)` of the cluster categories, and its parameters."""
    names = {f"k{i}": key for i, key in enumerate(sorted(rules.intake.cluster_categories))}
    return f"c.category IN ({', '.join(':' + n for n in names)})", names


def _client_days(conn: sqlite3.Connection, w: Window, rules: Rules) -> list[dict[str, Any]]:
    """Clients with two or more complaints of the cluster categories on one local day.
    Counted in SQLite over the covering index complaints_client_day, one local day at a
    time (the period's day boundaries, as stored UTC text), so a day is the local calendar
    day whatever the zone's offset or its changes."""
    if not rules.intake.cluster_categories:
        return []
    start, _ = local_day(from_utc_text(w.start))
    days: list[tuple[str, str, str]] = []
    while to_utc_text(start) < w.end:
        end = calendar_days(start, 1)
        days.append((start.date().isoformat(), to_utc_text(start), to_utc_text(end)))
        start = end
    categories, names = _in_categories(rules)
    values = ", ".join(f"({i}, :s{i}, :e{i})" for i in range(len(days)))
    spans = {f"s{i}": s for i, (_, s, _) in enumerate(days)}
    spans.update({f"e{i}": e for i, (_, _, e) in enumerate(days)})
    rows = conn.execute(
        f"""WITH b(i, s, e) AS (VALUES {values})
            SELECT c.org_key, b.i, COUNT(*), MIN(c.received_at), MAX(c.received_at)
            FROM b JOIN complaints c ON c.received_at >= b.s AND c.received_at < b.e
            WHERE {categories} AND {IN_PERIOD} AND c.org_key IS NOT NULL
            GROUP BY c.org_key, b.i HAVING COUNT(*) >= 2""",
        {**w.params, **names, **spans},
    )
    return [
        {
            "kind": "client",
            "key": key,
            "day": days[i][0],
            "match": (key, days[i][1], days[i][2]),
            "count": count,
            "first": first,
            "last": last,
        }
        for key, i, count, first, last in rows
    ]


def _members(
    conn: sqlite3.Connection, w: Window, kind: str, match: tuple[Any, ...], rules: Rules
) -> list[tuple[Any, ...]]:
    categories, names = _in_categories(rules)
    where = {
        "batch": "c.batch = :a",
        "product": "c.product = :a AND c.delivery_date = :b",
        "client": f"c.org_key = :a AND {categories} AND c.received_at >= :b AND c.received_at < :c",
    }[kind]
    return conn.execute(
        f"""SELECT c.received_at, c.id, c.category, COALESCE(c.org, 'none') FROM complaints c
            WHERE {where} AND {IN_PERIOD} ORDER BY c.received_at, c.id""",
        {**w.params, **names, **dict(zip("abc", match, strict=False))},
    ).fetchall()


def repeat_complainants(
    conn: sqlite3.Connection, w: Window, limit: int = 20
) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"""SELECT c.phone_key, COUNT(*) AS n FROM complaints c WHERE {IN_PERIOD}
            GROUP BY c.phone_key HAVING n >= 2 ORDER BY n DESC, c.phone_key LIMIT :limit""",
        {**w.params, "limit": limit},
    ).fetchall()
    result = []
    for key, count in rows:
        detail = conn.execute(
            f"""SELECT c.id, c.customer, c.category FROM complaints c
                WHERE c.phone_key = :key AND {IN_PERIOD} ORDER BY c.received_at""",
            {**w.params, "key": key},
        ).fetchall()
        result.append(
            {
                "phone_key": key,
                "customer": detail[0][1],
                "count": count,
                "ids": [d[0] for d in detail],
                "categories": list(dict.fromkeys(d[2] for d in detail)),
            }
        )
    return result


def trend(conn: sqlite3.Connection, period: Period) -> list[dict[str, Any]]:
    """Complaints received per day or week of the period (and how many were urgent)."""
    spans = buckets(period)
    values = ", ".join(f"({i}, ?, ?)" for i in range(len(spans)))
    params: list[Any] = []
    for start, end, _ in spans:
        params.extend([to_utc_text(start), to_utc_text(end)])
    rows = conn.execute(
        f"""WITH b(i, s, e) AS (VALUES {values})
            SELECT b.i, COUNT(c.received_at), COALESCE(SUM(c.severity = 'urgent'), 0)
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


def sum_fen(items: Iterable[dict[str, Any]], *keys: str) -> int:
    return sum(int(item[k]) for item in items for k in keys)
