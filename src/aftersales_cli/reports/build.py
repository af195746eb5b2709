"""One report: the queries of a period and the one before it, through the KPI math, into
the `Report` that every renderer (terminal, JSON, CSV, HTML) reads."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from aftersales_cli.clock import from_utc_text, local_zone
from aftersales_cli.reports import kpi, ledger_sums, queries, review, survey
from aftersales_cli.reports.period import Period
from aftersales_cli.reports.report import (
    PAUSED_LISTED,
    ActionCount,
    Cause,
    CauseCharge,
    Charge,
    ClientMoney,
    Cluster,
    Illness,
    IllnessRow,
    LedgerEntry,
    LedgerSum,
    OnTime,
    Paused,
    PausedCase,
    PersonCharge,
    Previous,
    Repeater,
    Report,
    Responsibility,
    StaffFine,
    Statutory,
    Trend,
    TrendPoint,
)
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.fields import mask_phone
from aftersales_cli.rules.taxonomy import MILESTONE_KEYS, SEVERITIES
from aftersales_cli.store.survey import satisfied_share


def yuan_number(fen: int | None) -> float:
    """Whole fen as a JSON number of yuan (`1250` → `12.5`, `1200` → `12`)."""
    value = Decimal(fen or 0) / 100
    return int(value) if value == value.to_integral_value() else float(value)


def _in_yuan(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fen columns as yuan: `penalties_fen` becomes `penalties`."""
    return [
        {
            (k[:-4] if k.endswith("_fen") else k): (yuan_number(v) if k.endswith("_fen") else v)
            for k, v in item.items()
        }
        for item in items
    ]


def build(
    connect: Callable[[], sqlite3.Connection],
    period: Period,
    now: datetime,
    rules: Rules,
    *,
    show_phone: bool = False,
) -> Report:
    """The report of `period`. Its queries are independent: they run two at a time, each
    worker on a connection of its own from `connect` (SQLite works while Python waits, so
    two cores sum a quarter in about half the time)."""
    w = queries.Window.of(period, now)
    before = period.previous()
    pw = queries.Window.of(before, now)
    tasks: dict[str, Callable[[sqlite3.Connection], Any]] = {
        # the most expensive first, so that the two workers finish together
        "figures": lambda c: queries.figures(c, w, rules),
        # (a quarter's plan counts its customers: a sort of the quarter's closings)
        "survey": lambda c: survey.figures(c, period, now, rules),
        "clusters": lambda c: queries.batch_clusters(c, w, rules),
        "previous_figures": lambda c: queries.figures(c, pw, rules),
        "repeaters": lambda c: queries.repeat_complainants(c, w),
        "spread": lambda c: queries.handling_spread(c, w),
        "review": lambda c: queries.review_cells(c, w),
        "ledger": lambda c: queries.ledger_cells(c, w),
        "suggested": lambda c: queries.suggested_by_org(c, w),
        "ledger_largest": lambda c: queries.ledger_largest(c, w),
        "trend": lambda c: queries.trend(c, period),
        "top_causes": lambda c: queries.top_causes(c, w),
        "statutory": lambda c: queries.statutory(c, w),
        "illness": lambda c: queries.illness(c, w),
        "by_category": lambda c: queries.counts_by(c, w, "category", "none"),
        "by_severity": lambda c: queries.counts_by(c, w, "severity", "none"),
        "by_channel": lambda c: queries.counts_by(c, w, "channel", "none"),
        "by_org": lambda c: queries.counts_by(c, w, "org", "none"),
        "total": lambda c: queries.total(c, w),
        "corrective_actions": lambda c: queries.corrective_actions(c, w),
        "paused": lambda c: queries.paused_time(c, w),
        "previous_total": lambda c: queries.total(c, pw),
        "previous_survey": lambda c: satisfied_share(
            c, before.start, before.end, rules.survey.satisfied_min
        ),
    }
    r = _run(tasks, connect)
    counts, on_time = r["figures"]
    surveyed = r["survey"]
    current = kpi.kpis(
        queries.kpi_inputs(counts, on_time, r["spread"], (surveyed.satisfied, surveyed.responses)),
        rules.targets,
    )
    previous_counts, previous_on_time = r["previous_figures"]
    previous = kpi.kpis(
        queries.kpi_inputs(previous_counts, previous_on_time, None, r["previous_survey"]),
        rules.targets,
    )
    clusters, cluster_count = r["clusters"]
    statutory, ledger = r["statutory"], r["ledger"]
    by_org = ledger_sums.by_org(ledger, r["suggested"])
    cells = review.with_penalties(r["review"], ledger_sums.penalties_by_review_key(ledger))
    return Report(
        period=period,
        generated_at=now,
        total=r["total"],
        kpis=kpi.with_deltas(current, previous),
        on_time={
            milestone: {
                severity: OnTime(c["met"], c["breached"], kpi.rate(c["met"], c["breached"]))
                for severity, c in by_severity.items()
            }
            for milestone, by_severity in on_time.items()
        },
        breaches_by_milestone={
            m: sum(s["breached"] for s in on_time.get(m, {}).values()) for m in MILESTONE_KEYS
        },
        by_category=r["by_category"],
        by_severity=dict(
            sorted(
                r["by_severity"].items(),
                key=lambda kv: SEVERITIES.keys().index(kv[0]) if kv[0] in SEVERITIES else 9,
            )
        ),
        by_channel=r["by_channel"],
        by_department=review.department_counts(cells),
        by_org=r["by_org"],
        top_causes=tuple(Cause(**c) for c in r["top_causes"]),
        penalties=tuple(
            ClientMoney(**{**m, "multipliers": tuple(m["multipliers"])}) for m in _in_yuan(by_org)
        ),
        penalties_total=yuan_number(queries.sum_fen(by_org, "penalties_fen", "staff_fines_fen")),
        compensation_total=yuan_number(queries.sum_fen(by_org, "compensation_fen")),
        compensation_by_kind={
            k: yuan_number(v) for k, v in ledger_sums.paid_by_kind(ledger).items()
        },
        ledger_summary=tuple(LedgerSum(**s) for s in _in_yuan(ledger_sums.summary(ledger))),
        ledger_largest=tuple(_entry(e) for e in r["ledger_largest"]),
        statutory=tuple(Statutory(**s) for s in _in_yuan(statutory)),
        statutory_total=yuan_number(queries.sum_fen(by_org, "statutory_fen")),
        statutory_cases=sum(m["statutory_cases"] for m in by_org),
        illness=_illness(r["illness"]),
        responsibility=Responsibility(
            departments=tuple(CauseCharge(**d) for d in _in_yuan(review.by_cause(cells, rules))),
            handling_departments=tuple(Charge(**d) for d in _in_yuan(review.by_handler(cells))),
            people=tuple(PersonCharge(**p) for p in _in_yuan(review.by_person(cells))),
            staff_fines=tuple(StaffFine(**f) for f in _in_yuan(ledger_sums.staff_fines(ledger))),
        ),
        batch_clusters=tuple(
            Cluster(**{**c, **{k: tuple(c[k]) for k in ("ids", "categories", "orgs")}})
            for c in clusters
        ),
        batch_clusters_total=cluster_count,
        repeat_complainants=tuple(
            Repeater(
                customer=item["customer"],
                count=item["count"],
                ids=tuple(item["ids"]),
                categories=tuple(item["categories"]),
                phone=item["phone_key"] if show_phone else mask_phone(item["phone_key"]),
            )
            for item in r["repeaters"]
        ),
        trend=Trend(period.trend_unit, tuple(TrendPoint(**p) for p in r["trend"])),
        previous=Previous(before, r["previous_total"], previous),
        corrective_actions=tuple(ActionCount(**a) for a in r["corrective_actions"]),
        paused=_paused(r["paused"]),
        survey=surveyed,
        ledger=Listing(lambda: _ledger_rows(connect, w)),
    )


def _paused(rows: list[tuple[int, int, bool]]) -> Paused:
    return Paused(
        hours=round(sum(minutes for _, minutes, _ in rows) / 60, 1),
        complaints=len(rows),
        still_paused=sum(still for _, _, still in rows),
        longest=tuple(
            PausedCase(cid, round(minutes / 60, 1), still)
            for cid, minutes, still in rows[:PAUSED_LISTED]
        ),
    )


def _illness(rows: list[dict[str, Any]]) -> Illness:
    clients = tuple(IllnessRow(**row) for row in rows)
    return Illness(
        cases=sum(c.cases for c in clients),
        people=sum(c.people for c in clients),
        hospital=sum(c.hospital for c in clients),
        clients=clients,
    )


def _entry(e: dict[str, Any], zone: tzinfo | None = None) -> LedgerEntry:
    amount = e.pop("amount_fen")
    return LedgerEntry(
        **{**e, "at": from_utc_text(e["at"], zone).isoformat()}, amount=yuan_number(amount)
    )


def _ledger_rows(
    connect: Callable[[], sqlite3.Connection], w: queries.Window
) -> Iterator[LedgerEntry]:
    conn, zone = connect(), local_zone()
    try:
        for e in queries.ledger_entries(conn, w):
            yield _entry(e, zone)
    finally:
        conn.close()


class Listing(Iterable[LedgerEntry]):
    """Rows too many to hold (a quarter's ledger): each iteration reads them afresh, one
    row at a time, as ledger.csv is written."""

    def __init__(self, rows: Callable[[], Iterator[LedgerEntry]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[LedgerEntry]:
        return self._rows()


WORKERS = 2


def _run(
    tasks: dict[str, Callable[[sqlite3.Connection], Any]], connect: Callable[[], sqlite3.Connection]
) -> dict[str, Any]:
    """Every task, on WORKERS connections of their own, in the order given."""
    local = threading.local()
    opened: list[sqlite3.Connection] = []
    lock = threading.Lock()

    def run(task: Callable[[sqlite3.Connection], Any]) -> Any:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = connect()
            with lock:
                opened.append(conn)
        return task(conn)

    try:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            futures = {name: pool.submit(run, task) for name, task in tasks.items()}
            return {name: future.result() for name, future in futures.items()}
    finally:
        for conn in opened:
            conn.close()
