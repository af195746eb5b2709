"""One report: the queries of a period and the one before it, through the KPI math, into
the stable JSON-shaped dict that every renderer (terminal, JSON, CSV, HTML) reads."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from aftersales_cli.clock import from_utc_text, iso_local, local_zone
from aftersales_cli.reports import kpi, money, queries, review
from aftersales_cli.reports.period import Period
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.fields import mask_phone
from aftersales_cli.rules.taxonomy import MILESTONE_KEYS, SEVERITIES


def yuan(fen: int | None) -> float:
    value = Decimal(fen or 0) / 100
    return int(value) if value == value.to_integral_value() else float(value)


def _period(period: Period) -> dict[str, Any]:
    return {
        "start": iso_local(period.start),
        "end": iso_local(period.end),
        "label": period.label,
        "kind": period.kind,
    }


def _money(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fen columns as yuan: `penalties_fen` becomes `penalties`."""
    return [
        {
            (k[:-4] if k.endswith("_fen") else k): (yuan(v) if k.endswith("_fen") else v)
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
) -> dict[str, Any]:
    """The report of `period`. Its queries are independent: they run two at a time, each
    worker on a connection of its own from `connect` (SQLite works while Python waits, so
    two cores sum a quarter in about half the time)."""
    w = queries.Window.of(period, now)
    before = period.previous()
    pw = queries.Window.of(before, now)
    tasks: dict[str, Callable[[sqlite3.Connection], Any]] = {
        # the most expensive first, so that the two workers finish together
        "figures": lambda c: queries.figures(c, w, rules),
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
        "by_category": lambda c: queries.counts_by(c, w, "category", "none"),
        "by_severity": lambda c: queries.counts_by(c, w, "severity", "none"),
        "by_channel": lambda c: queries.counts_by(c, w, "channel", "none"),
        "by_org": lambda c: queries.counts_by(c, w, "org", "none"),
        "total": lambda c: queries.total(c, w),
        "previous_total": lambda c: queries.total(c, pw),
    }
    r = _run(tasks, connect)
    counts, on_time = r["figures"]
    current = kpi.kpis(queries.kpi_inputs(counts, on_time, r["spread"]), rules.targets)
    previous_counts, previous_on_time = r["previous_figures"]
    previous = kpi.kpis(queries.kpi_inputs(previous_counts, previous_on_time, None), rules.targets)
    clusters, cluster_count = r["clusters"]
    on_time_table = {
        milestone: {
            severity: {**counts, "rate": kpi.rate(counts["met"], counts["breached"])}
            for severity, counts in by_severity.items()
        }
        for milestone, by_severity in on_time.items()
    }
    breaches = {m: sum(s["breached"] for s in on_time.get(m, {}).values()) for m in MILESTONE_KEYS}
    statutory, ledger = r["statutory"], r["ledger"]
    by_org = money.by_org(ledger, r["suggested"])
    cells = review.with_penalties(r["review"], money.penalties_by_review_key(ledger))
    repeaters = r["repeaters"]
    for item in repeaters:
        key = item.pop("phone_key")
        item["phone"] = key if show_phone else mask_phone(key)
    return {
        "period": _period(period),
        "generated_at": iso_local(now),
        "total": r["total"],
        "kpis": kpi.with_deltas(current, previous),
        "on_time": on_time_table,
        "breaches_by_milestone": breaches,
        "by_category": r["by_category"],
        "by_severity": dict(
            sorted(
                r["by_severity"].items(),
                key=lambda kv: SEVERITIES.keys().index(kv[0]) if kv[0] in SEVERITIES else 9,
            )
        ),
        "by_channel": r["by_channel"],
        "by_department": review.department_counts(cells),
        "by_org": r["by_org"],
        "top_causes": r["top_causes"],
        "penalties": _money(by_org),
        "penalties_total": yuan(queries.sum_fen(by_org, "penalties_fen", "staff_fines_fen")),
        "compensation_total": yuan(queries.sum_fen(by_org, "compensation_fen")),
        "compensation_by_kind": {k: yuan(v) for k, v in money.paid_by_kind(ledger).items()},
        "ledger_summary": _money(money.summary(ledger)),
        "ledger_largest": [_entry(e) for e in r["ledger_largest"]],
        "statutory": _money(statutory),
        "statutory_total": yuan(queries.sum_fen(by_org, "statutory_fen")),
        "statutory_cases": sum(m["statutory_cases"] for m in by_org),
        "responsibility": {
            "departments": _money(review.by_cause(cells, rules)),
            "handling_departments": _money(review.by_handler(cells)),
            "people": _money(review.by_person(cells)),
            "staff_fines": _money(money.staff_fines(ledger)),
        },
        "batch_clusters": [
            {**c, "first": iso_local(c["first"]), "last": iso_local(c["last"])} for c in clusters
        ],
        "batch_clusters_total": cluster_count,
        "repeat_complainants": repeaters,
        "trend": {"unit": period.trend_unit, "points": r["trend"]},
        "previous": {
            "period": _period(before),
            "total": r["previous_total"],
            "kpis": previous,
        },
        # every entry, read from the database as the CSV is written (not in the JSON)
        "ledger": Listing(lambda: _ledger_rows(connect, w)),
    }


def _entry(e: dict[str, Any], zone: tzinfo | None = None) -> dict[str, Any]:
    amount = e.pop("amount_fen")
    return {**e, "amount": yuan(amount), "at": from_utc_text(e["at"], zone).isoformat()}


def _ledger_rows(
    connect: Callable[[], sqlite3.Connection], w: queries.Window
) -> Iterator[dict[str, Any]]:
    conn, zone = connect(), local_zone()
    try:
        for e in queries.ledger_entries(conn, w):
            yield _entry(e, zone)
    finally:
        conn.close()


class Listing(Iterable[dict[str, Any]]):
    """Rows too many to hold (a quarter's ledger): each iteration reads them afresh, so
    the JSON and the CSV writers may both go through them, one row at a time."""

    def __init__(self, rows: Callable[[], Iterator[dict[str, Any]]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
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
