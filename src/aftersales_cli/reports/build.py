"""One report: the queries of a period and the one before it, through the KPI math, into
the stable JSON-shaped dict that every renderer (terminal, JSON, CSV, HTML) reads."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import Decimal
from typing import Any

from aftersales_cli.clock import iso_local
from aftersales_cli.reports import kpi, queries
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
    conn: sqlite3.Connection,
    period: Period,
    now: datetime,
    rules: Rules,
    *,
    show_phone: bool = False,
) -> dict[str, Any]:
    w = queries.Window.of(period, now)
    before = period.previous()
    pw = queries.Window.of(before, now)
    current = kpi.kpis(queries.kpi_inputs(conn, w, rules), rules.targets)
    previous = kpi.kpis(queries.kpi_inputs(conn, pw, rules), rules.targets)

    on_time = queries.on_time(conn, w)
    on_time_table = {
        milestone: {
            severity: {**counts, "rate": kpi.rate(counts["met"], counts["breached"])}
            for severity, counts in by_severity.items()
        }
        for milestone, by_severity in sorted(
            on_time.items(), key=lambda kv: MILESTONE_KEYS.index(kv[0])
        )
    }
    breaches = {m: sum(s["breached"] for s in on_time.get(m, {}).values()) for m in MILESTONE_KEYS}

    money = queries.money_by_org(conn, w)
    statutory = queries.statutory(conn, w)
    repeaters = queries.repeat_complainants(conn, w)
    for item in repeaters:
        key = item.pop("phone_key")
        item["phone"] = key if show_phone else mask_phone(key)

    return {
        "period": _period(period),
        "generated_at": iso_local(now),
        "total": queries.total(conn, w),
        "kpis": kpi.with_deltas(current, previous),
        "on_time": on_time_table,
        "breaches_by_milestone": breaches,
        "by_category": queries.counts_by(conn, w, "category", "none"),
        "by_severity": dict(
            sorted(
                queries.counts_by(conn, w, "severity", "none").items(),
                key=lambda kv: SEVERITIES.keys().index(kv[0]) if kv[0] in SEVERITIES else 9,
            )
        ),
        "by_channel": queries.counts_by(conn, w, "channel", "none"),
        "by_department": queries.counts_by(conn, w, "department", "unassigned"),
        "by_org": queries.counts_by(conn, w, "org", "none"),
        "top_causes": queries.top_causes(conn, w),
        "penalties": _money(money),
        "penalties_total": yuan(queries.sum_fen(money, "penalties_fen", "staff_fines_fen")),
        "compensation_total": yuan(queries.sum_fen(money, "compensation_fen")),
        "statutory": _money(statutory),
        "statutory_total": yuan(queries.sum_fen(statutory, "amount_fen")),
        "responsibility": {
            "departments": _money(queries.responsibility(conn, w, by_person=False)),
            "people": _money(queries.responsibility(conn, w, by_person=True)),
            "staff_fines": _money(queries.staff_fines(conn, w)),
        },
        "batch_clusters": [
            {**c, "first": iso_local(c["first"]), "last": iso_local(c["last"])}
            for c in queries.batch_clusters(conn, w, rules)
        ],
        "repeat_complainants": repeaters,
        "trend": {"unit": period.trend_unit, "points": queries.trend(conn, period)},
        "previous": {
            "period": _period(before),
            "total": queries.total(conn, pw),
            "kpis": previous,
        },
    }
