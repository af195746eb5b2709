"""A report as tables — the one description of what a report shows, read by the terminal
view, the CSV files and the HTML page alike.

Cells keep their type (numbers stay numbers, rates stay fractions); each renderer formats
them. `chart` names the column to draw as bars, where a table is a distribution.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aftersales_cli.rules.taxonomy import (
    CATEGORIES,
    CAUSES,
    CHANNELS,
    DEPARTMENTS,
    MILESTONES,
    SEVERITIES,
    Vocabulary,
)

Value = str | int | float | bool | None

KPI_NAMES = {
    "responded_24h_rate": "Responded within {within_hours} h",
    "resolution_rate": "Resolved (closed)",
    "satisfaction_rate": "Satisfied (4-5 of revisits)",
    "avg_handling_hours": "Average handling time (h)",
    "repeat_rate": "Repeat complaints",
    "repeat_clients": "Repeat complaints by client (no target)",
    "on_time_rate": "On time (met of decided milestones)",
}


@dataclass(frozen=True)
class ReportTable:
    name: str  # file name stem, e.g. by_category
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Value]]
    chart: int | None = None  # the column drawn as bars
    percent: frozenset[int] = field(default_factory=frozenset)  # columns that are rates
    money: frozenset[int] = field(default_factory=frozenset)  # columns in yuan


def _minute(iso: str) -> str:
    """`2026-11-19T12:50:00+08:00` as `2026-11-19 12:50` (already local time)."""
    return iso[:16].replace("T", " ")


def _label(vocabulary: Vocabulary, key: str) -> str:
    return f"{key} {_zh(vocabulary, key)}".strip()


def _zh(vocabulary: Vocabulary, key: str) -> str:
    return vocabulary.zh(key) if key in vocabulary else ""


def _distribution(
    name: str,
    title: str,
    counts: Mapping[str, int],
    total: int,
    vocabulary: Vocabulary | None,
    key_name: str,
) -> ReportTable:
    rows: list[list[Value]] = []
    for key, count in counts.items():
        label = _label(vocabulary, key) if vocabulary else key
        rows.append([label, count, count / total if total else None])
    return ReportTable(
        name, title, [key_name, "complaints", "share"], rows, chart=1, percent=frozenset({2})
    )


def kpi_name(key: str, kpi: Mapping[str, Any]) -> str:
    """The KPI's name for people, with the rules' response window."""
    if "within_hours" not in kpi and "{" in KPI_NAMES[key]:
        return "Responded in time"
    return KPI_NAMES[key].format(within_hours=kpi.get("within_hours"))


def kpi_rows(report: Mapping[str, Any]) -> list[list[Value]]:
    rows: list[list[Value]] = []
    for key, k in report["kpis"].items():
        if key == "avg_handling_hours":
            basis = (
                f"{k['count']} closed; median {k['median']:.1f} h, 90th percentile {k['p90']:.1f} h"
                if k["count"]
                else "no complaint closed"
            )
        else:
            basis = f"{k['numerator']} of {k['denominator']}" if k["denominator"] else "no data"
        previous = report["previous"]["kpis"][key]["value"]
        rows.append(
            [kpi_name(key, k), k["value"], k["target"], k["met"], previous, k["delta"], basis]
        )
    return rows


class _Rows(Sequence[Sequence[Value]]):
    """A table's rows read only when written (the whole ledger, into a CSV file)."""

    def __init__(
        self, items: Iterable[Mapping[str, Any]], row: Callable[[Mapping[str, Any]], list[Value]]
    ) -> None:
        self._items, self._row = items, row

    def __iter__(self) -> Iterator[list[Value]]:
        return (self._row(item) for item in self._items)

    def __len__(self) -> int:
        raise TypeError("a streamed table is only written, row by row")

    def __getitem__(self, index: Any) -> Any:
        raise TypeError("a streamed table is only written, row by row")


def tables(report: Mapping[str, Any], *, full: bool = False) -> list[ReportTable]:
    """The report's tables. `full` (CSV) lists every ledger entry, read as it is written;
    otherwise (terminal, HTML) the largest ones, beside the summary that adds up all."""
    total = report["total"]
    kpis = ReportTable(
        "kpis",
        "Key figures against targets",
        ["KPI", "value", "target", "met", "previous", "delta", "basis"],
        kpi_rows(report),
        percent=frozenset({1, 2, 4, 5}),
    )
    on_time = ReportTable(
        "on_time",
        "On time by milestone and severity",
        ["milestone", "severity", "met", "breached", "rate"],
        [
            [_label(MILESTONES, m), _label(SEVERITIES, s), c["met"], c["breached"], c["rate"]]
            for m, by_sev in report["on_time"].items()
            for s, c in by_sev.items()
        ],
        percent=frozenset({4}),
    )
    trend = ReportTable(
        "trend",
        f"Complaints per {report['trend']['unit']}",
        [report["trend"]["unit"], "complaints", "urgent"],
        [[p["label"], p["count"], p["urgent"]] for p in report["trend"]["points"]],
        chart=1,
    )
    causes = ReportTable(
        "top_causes",
        "Most frequent root causes",
        ["cause", "complaints", "ours", "not ours"],
        [
            [
                _label(CAUSES, c["cause"]),
                c["count"],
                c["ours"],
                c["not_ours"],
            ]
            for c in report["top_causes"]
        ],
        chart=1,
    )
    breaches = ReportTable(
        "breaches",
        "Breached deadlines by milestone",
        ["milestone", "breaches"],
        [[_label(MILESTONES, m), n] for m, n in report["breaches_by_milestone"].items()],
        chart=1,
    )
    penalties = ReportTable(
        "penalties",
        "Penalties and compensation per client",
        [
            "client",
            "offences",
            "multipliers",
            "penalties",
            "staff fines",
            "compensation paid",
            "statutory suggested",
            "incidents",
        ],
        [
            [
                p["org"],
                p["offences"],
                " ".join(f"×{m}" for m in p["multipliers"]),
                p["penalties"],
                p["staff_fines"],
                p["compensation"],
                p["statutory"],
                p["incidents"],
            ]
            for p in report["penalties"]
        ],
        money=frozenset({3, 4, 5, 6}),
    )
    statutory = ReportTable(
        "statutory",
        f"Statutory compensation suggested (Food Safety Law art. 148): "
        f"{report['statutory_cases']} case(s), the largest",
        ["complaint", "client", "amount"],
        [[f"#{s['id']}", s["org"], s["amount"]] for s in report["statutory"]],
        money=frozenset({2}),
    )
    resp = report["responsibility"]
    by_cause = any("handled_by" in d for d in resp["departments"])
    departments = ReportTable(
        "responsibility_departments",
        "Responsibility by department (charged by cause, 001 §五)"
        if by_cause
        else "Responsibility by department (handling)",
        ["department", "handled by", "complaints", "closed", "ours", "breaches", "penalties"],
        [
            [
                _label(DEPARTMENTS, d["department"]),
                _label(DEPARTMENTS, d.get("handled_by", d["department"])),
                d["complaints"],
                d["closed"],
                d["ours"],
                d["breaches"],
                d["penalties"],
            ]
            for d in resp["departments"]
        ],
        money=frozenset({6}),
    )
    paid = ReportTable(
        "compensation_by_kind",
        f"Paid to customers by kind (total {report['compensation_total']})",
        ["kind", "amount"],
        [[kind, amount] for kind, amount in report.get("compensation_by_kind", {}).items()],
        money=frozenset({1}),
    )

    def entry_row(e: Mapping[str, Any]) -> list[Value]:
        return [
            e["id"],
            f"#{e['complaint_id']}",
            e["org"],
            e["payment_kind"] or e["kind"],
            e["amount"],
            e["reverses"] or "",
            e["by"],
            e["at"],
            e["reason"] or "",
        ]

    entry_columns = ["entry", "complaint", "client", "kind", "amount", "reverses", "by", "at"]
    entry_columns.append("reason")
    summary = report.get("ledger_summary", [])
    ledger_summary = ReportTable(
        "ledger_summary",
        f"Ledger of the period's complaints: {sum(k['entries'] for k in summary):,} entries",
        ["kind", "payment kind", "entries", "reversals", "net"],
        [
            [k["kind"], k["payment_kind"] or "", k["entries"], k["reversals"], k["net"]]
            for k in summary
        ],
        money=frozenset({4}),
    )
    if full:  # every entry, read as it is written (CSV)
        ledger = ReportTable(
            "ledger",
            "Ledger of the period's complaints (fines, staff fines, payments, reversals)",
            entry_columns,
            _Rows(report.get("ledger", ()), entry_row),
            money=frozenset({4}),
        )
    else:
        ledger = ReportTable(
            "ledger_largest",
            "Largest ledger entries (all of them: --csv, ledger.csv; or --json)",
            entry_columns,
            [entry_row(e) for e in report.get("ledger_largest", [])],
            money=frozenset({4}),
        )
    people = ReportTable(
        "responsibility_people",
        "Responsibility by person",
        ["person", "department", "complaints", "closed", "ours", "breaches", "penalties"],
        [
            [
                p["assignee"],
                _label(DEPARTMENTS, p["department"]),
                p["complaints"],
                p["closed"],
                p["ours"],
                p["breaches"],
                p["penalties"],
            ]
            for p in resp["people"]
        ],
        money=frozenset({6}),
    )
    fines = ReportTable(
        "staff_fines",
        "Staff fines",
        ["staff", "fines", "amount"],
        [[f["staff"], f["fines"], f["amount"]] for f in resp["staff_fines"]],
        money=frozenset({2}),
    )
    clusters = ReportTable(
        "batch_clusters",
        "Batch clusters (possible batch incidents)",
        ["on", "complaints", "ids", "categories", "clients", "first", "last"],
        [
            [
                f"{c['kind']} {c['key']}",
                c["count"],
                " ".join(f"#{i}" for i in c["ids"]),
                ", ".join(c["categories"]),
                ", ".join(c["orgs"]),
                _minute(c["first"]),
                _minute(c["last"]),
            ]
            for c in report["batch_clusters"]
        ],
    )
    repeaters = ReportTable(
        "repeat_complainants",
        "Repeat complainants",
        ["phone", "customer", "complaints", "ids", "categories"],
        [
            [
                r["phone"],
                r["customer"],
                r["count"],
                " ".join(f"#{i}" for i in r["ids"]),
                ", ".join(r["categories"]),
            ]
            for r in report["repeat_complainants"]
        ],
    )
    return [
        kpis,
        on_time,
        trend,
        _distribution(
            "by_category", "By category", report["by_category"], total, CATEGORIES, "category"
        ),
        _distribution(
            "by_severity", "By severity", report["by_severity"], total, SEVERITIES, "severity"
        ),
        _distribution("by_channel", "By channel", report["by_channel"], total, CHANNELS, "channel"),
        _distribution(
            "by_department",
            "By department",
            report["by_department"],
            total,
            DEPARTMENTS,
            "department",
        ),
        _distribution("by_org", "By client", report["by_org"], total, None, "client"),
        causes,
        breaches,
        penalties,
        statutory,
        paid,
        ledger_summary,
        ledger,
        departments,
        people,
        fines,
        clusters,
        repeaters,
    ]


def format_cell(table: ReportTable, row: Sequence[Value], index: int) -> str:
    """A cell for people: rates as percentages (deltas in points), yuan with ¥, hours
    with h, booleans as yes/no, nothing as —."""
    value = row[index]
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    column = table.columns[index]
    if index in table.percent and isinstance(value, int | float):
        if row[0] == KPI_NAMES["avg_handling_hours"]:
            return f"{value:+.1f} h" if column == "delta" else f"{value:.1f} h"
        return f"{value * 100:+.1f} pp" if column == "delta" else f"{value * 100:.1f} %"
    if index in table.money and isinstance(value, int | float):
        return f"¥{value:,.2f}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def formatted(table: ReportTable) -> list[list[str]]:
    return [[format_cell(table, row, i) for i in range(len(row))] for row in table.rows]
