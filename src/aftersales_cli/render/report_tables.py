"""A report as tables — the one description of what a report shows, read by the terminal
view, the CSV files and the HTML page alike.

Cells keep their type (numbers stay numbers, rates stay fractions); each column knows its
unit (or, in the table of KPIs, each row), and each renderer formats a cell by it.
`chart` names the column to draw as bars, where a table is a distribution.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftersales_cli.clock import local_zone
from aftersales_cli.render.blocks import client, person, show_yuan
from aftersales_cli.reports.kpi import Handling, Kpi
from aftersales_cli.reports.report import PAUSED_LISTED, CauseCharge, LedgerEntry, Report
from aftersales_cli.reports.units import Unit
from aftersales_cli.rules.survey import Figures
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
    "survey_satisfaction_rate": "Satisfied (survey, mean 4-5)",
    "avg_handling_hours": "Average handling time (h)",
    "repeat_rate": "Repeat complaints",
    "repeat_clients": "Repeat complaints by client (no target)",
    "on_time_rate": "On time (met of decided milestones)",
}


@dataclass(frozen=True)
class Column:
    name: str
    unit: Unit | None = Unit.TEXT  # None: in the unit of its row (a table of measures)
    change: bool = False  # a change of its unit: signed, rates in percentage points


def text(name: str) -> Column:
    return Column(name, Unit.TEXT)


def moment(name: str) -> Column:
    return Column(name, Unit.TIME)


def count(name: str) -> Column:
    return Column(name, Unit.COUNT)


def amount(name: str) -> Column:
    return Column(name, Unit.MONEY)


@dataclass(frozen=True)
class ReportTable:
    name: str  # file name stem, e.g. by_category
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Value]]
    chart: int | None = None  # the column drawn as bars
    row_units: Sequence[Unit] = ()  # the unit of each row, for columns of unit None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def format(self, row_index: int, row: Sequence[Value], index: int) -> str:
        column = self.columns[index]
        unit = self.row_units[row_index] if column.unit is None else column.unit
        return format_value(row[index], unit, change=column.change)


def _minute(moment: datetime) -> str:
    """`2026-11-19 12:50` in local time."""
    return f"{moment.astimezone(local_zone()):%Y-%m-%d %H:%M}"


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
    for key, n in counts.items():
        label = _label(vocabulary, key) if vocabulary else client(key)
        rows.append([label, n, n / total if total else None])
    columns = [text(key_name), count("complaints"), Column("share", Unit.RATE)]
    return ReportTable(name, title, columns, rows, chart=1)


def kpi_name(kpi: Kpi) -> str:
    """The KPI's name for people, with the rules' response window."""
    if kpi.within_hours is None and "{" in KPI_NAMES[kpi.key]:
        return "Responded in time"
    return KPI_NAMES[kpi.key].format(within_hours=kpi.within_hours)


def _basis(kpi: Kpi) -> str:
    basis = kpi.basis
    if isinstance(basis, Handling):
        if not basis.count:
            return "no complaint closed"
        return (
            f"{basis.count} closed; median {basis.median:.1f} h, 90th percentile {basis.p90:.1f} h"
        )
    return f"{basis.numerator} of {basis.denominator}" if basis.denominator else "no data"


KPI_COLUMNS = (
    text("KPI"),
    Column("value", None),
    Column("target", None),
    Column("met", Unit.FLAG),
    Column("previous", None),
    Column("delta", None, change=True),
    text("basis"),
)


def kpi_table(report: Report) -> ReportTable:
    """Every KPI against its target and the previous period, each row in its unit."""
    previous = report.previous.kpis
    kpis = list(report.kpis.values())
    rows: list[list[Value]] = [
        [kpi_name(k), k.value, k.target, k.met, previous[k.key].value, k.delta, _basis(k)]
        for k in kpis
    ]
    return ReportTable(
        "kpis",
        "Key figures against targets",
        KPI_COLUMNS,
        rows,
        row_units=[k.unit for k in kpis],
    )


class _Rows(Sequence[Sequence[Value]]):
    """A table's rows read only when written (the whole ledger, into a CSV file)."""

    def __init__(
        self, items: Iterable[LedgerEntry], row: Callable[[LedgerEntry], list[Value]]
    ) -> None:
        self._items, self._row = items, row

    def __iter__(self) -> Iterator[list[Value]]:
        return (self._row(item) for item in self._items)

    def __len__(self) -> int:
        raise TypeError("a streamed table is only written, row by row")

    def __getitem__(self, index: Any) -> Any:
        raise TypeError("a streamed table is only written, row by row")


def _entry_row(e: LedgerEntry) -> list[Value]:
    return [
        e.id,
        f"#{e.complaint_id}",
        client(e.org),
        e.payment_kind or e.kind,
        e.amount,
        e.reverses or "",
        e.by,
        e.at,
        e.reason or "",
    ]


ENTRY_COLUMNS = (
    count("entry"),
    text("complaint"),
    text("client"),
    text("kind"),
    amount("amount"),
    text("reverses"),
    text("by"),
    moment("at"),
    text("reason"),
)
CHARGE_COLUMNS = (
    count("complaints"),
    count("closed"),
    count("ours"),
    count("breaches"),
    amount("penalties"),
)


def survey_tables(report: Report) -> list[ReportTable]:
    """The survey's responses given in the period (DECISIONS §13): the summary (a
    quarter's against its plan), each aspect, each client, the low aspects."""
    f: Figures = report.survey
    previous = report.previous.period.label
    measures: list[tuple[str, Value, Unit]] = [("responses", f.responses, Unit.COUNT)]
    if f.quarter is not None:
        measures += [
            ("planned (to ask)", f.planned, Unit.COUNT),
            ("answered of the plan", f.answered, Unit.COUNT),
            ("response rate", f.response_rate, Unit.RATE),
        ]
    measures += [
        ("satisfied (mean 4-5)", f.satisfaction_rate, Unit.RATE),
        ("target", f.target, Unit.RATE),
        (f"satisfied in {previous}", f.previous_rate, Unit.RATE),
    ]
    span = f.quarter or f"{report.period.label} (no plan: a quarter's report has one)"
    summary = ReportTable(
        "survey",
        f"Satisfaction survey 满意度调查 {span}",
        [text("measure"), Column("value", None)],
        [[name, value] for name, value, _ in measures],
        row_units=[unit for _, _, unit in measures],
    )
    answered = f.responses > 0
    aspects = ReportTable(
        "survey_aspects",
        "Survey scores by aspect (1-5)",
        [
            text("aspect"),
            Column("mean", Unit.SCORE),
            Column("satisfied (4-5)", Unit.RATE),
            count("scores"),
            text("needs a measure"),
        ],
        [
            [
                f"{a.key} {a.label}",
                a.mean,
                a.satisfied_share,
                a.n,
                "yes" if any(low.key == a.key for low in f.low_aspects) else "",
            ]
            for a in f.aspects
        ]
        if answered
        else [],
        chart=1,
    )
    clients = ReportTable(
        "survey_clients",
        "Survey by client",
        [
            text("client"),
            count("responses"),
            Column("mean", Unit.SCORE),
            Column("satisfied", Unit.RATE),
        ],
        [[client(c.client), c.responses, c.mean, c.satisfaction_rate] for c in f.clients],
    )
    lows = ReportTable(
        "survey_low_aspects",
        "Survey aspects that need an improvement measure 需改进",
        [
            text("aspect"),
            Column("mean", Unit.SCORE),
            Column("satisfied (4-5)", Unit.RATE),
            text("comments"),
            text("actions"),
        ],
        [
            [
                f"{a.key} {a.label}",
                a.mean,
                a.satisfied_share,
                " / ".join(a.comments),
                " ".join(str(i) for i in a.actions),
            ]
            for a in f.low_aspects
        ],
    )
    return [summary, aspects, clients, lows]


def tables(report: Report, *, full: bool = False) -> list[ReportTable]:
    """The report's tables. `full` (CSV) lists every ledger entry, read as it is written;
    otherwise (terminal, HTML) the largest ones, beside the summary that adds up all."""
    total = report.total
    on_time = ReportTable(
        "on_time",
        "On time by milestone and severity",
        [
            text("milestone"),
            text("severity"),
            count("met"),
            count("breached"),
            Column("rate", Unit.RATE),
        ],
        [
            [_label(MILESTONES, m), _label(SEVERITIES, s), c.met, c.breached, c.rate]
            for m, by_sev in report.on_time.items()
            for s, c in by_sev.items()
        ],
    )
    unit = report.trend.unit
    trend = ReportTable(
        "trend",
        f"Complaints per {unit}",
        [text(unit), count("complaints"), count("urgent")],
        [[p.label, p.count, p.urgent] for p in report.trend.points],
        chart=1,
    )
    causes = ReportTable(
        "top_causes",
        "Most frequent root causes",
        [text("cause"), count("complaints"), count("ours"), count("not ours")],
        [[_label(CAUSES, c.cause), c.count, c.ours, c.not_ours] for c in report.top_causes],
        chart=1,
    )
    breaches = ReportTable(
        "breaches",
        "Breached deadlines by milestone",
        [text("milestone"), count("breaches")],
        [[_label(MILESTONES, m), n] for m, n in report.breaches_by_milestone.items()],
        chart=1,
    )
    penalties = ReportTable(
        "penalties",
        "Penalties and compensation per client",
        [
            text("client"),
            count("offences"),
            text("multipliers"),
            amount("penalties"),
            amount("staff fines"),
            amount("compensation paid"),
            amount("statutory suggested"),
            count("incidents"),
        ],
        [
            [
                client(p.org),
                p.offences,
                " ".join(f"×{m}" for m in p.multipliers),
                p.penalties,
                p.staff_fines,
                p.compensation,
                p.statutory,
                p.incidents,
            ]
            for p in report.penalties
        ],
    )
    statutory = ReportTable(
        "statutory",
        f"Statutory compensation suggested (Food Safety Law art. 148): "
        f"{report.statutory_cases} case(s), the largest",
        [text("complaint"), text("client"), amount("amount")],
        [[f"#{s.id}", client(s.org), s.amount] for s in report.statutory],
    )
    ill = report.illness
    illness = ReportTable(
        "illness",
        f"Illness (policy 003): {ill.cases} case(s), {ill.people} people affected, "
        f"{ill.hospital} hospital visit(s)",
        [text("client"), count("cases"), count("people affected"), count("hospital visits")],
        [[client(c.org), c.cases, c.people, c.hospital] for c in ill.clients],
    )
    resp = report.responsibility
    by_cause = any(isinstance(d, CauseCharge) for d in resp.departments)
    departments = ReportTable(
        "responsibility_departments",
        "Responsibility by department (charged by cause, 001 §五)"
        if by_cause
        else "Responsibility by department (handling)",
        [text("department"), text("handled by"), *CHARGE_COLUMNS],
        [
            [
                _label(DEPARTMENTS, d.department),
                _label(DEPARTMENTS, d.handled_by if isinstance(d, CauseCharge) else d.department),
                d.complaints,
                d.closed,
                d.ours,
                d.breaches,
                d.penalties,
            ]
            for d in resp.departments
        ],
    )
    paid = ReportTable(
        "compensation_by_kind",
        f"Paid to customers by kind (total {show_yuan(report.compensation_total)})",
        [text("kind"), amount("amount")],
        [[kind, amount] for kind, amount in report.compensation_by_kind.items()],
    )
    summary = report.ledger_summary
    ledger_summary = ReportTable(
        "ledger_summary",
        f"Ledger of the period's complaints: {sum(k.entries for k in summary):,} entries",
        [text("kind"), text("payment kind"), count("entries"), count("reversals"), amount("net")],
        [[k.kind, k.payment_kind or "", k.entries, k.reversals, k.net] for k in summary],
    )
    if full:  # every entry, read as it is written (CSV)
        ledger = ReportTable(
            "ledger",
            "Ledger of the period's complaints (fines, staff fines, payments, reversals)",
            ENTRY_COLUMNS,
            _Rows(report.ledger, _entry_row),
        )
    else:
        ledger = ReportTable(
            "ledger_largest",
            "Largest ledger entries (all of them: --csv, ledger.csv; or --json)",
            ENTRY_COLUMNS,
            [_entry_row(e) for e in report.ledger_largest],
        )
    people = ReportTable(
        "responsibility_people",
        "Responsibility by person",
        [text("person"), text("department"), *CHARGE_COLUMNS],
        [
            [
                person(p.assignee),
                _label(DEPARTMENTS, p.department),
                p.complaints,
                p.closed,
                p.ours,
                p.breaches,
                p.penalties,
            ]
            for p in resp.people
        ],
    )
    fines = ReportTable(
        "staff_fines",
        "Staff fines",
        [text("staff"), count("fines"), amount("amount")],
        [[f.staff, f.fines, f.amount] for f in resp.staff_fines],
    )
    corrective = ReportTable(
        "corrective_actions",
        "Corrective actions (整改) opened in the period, by department",
        [
            text("department"),
            count("opened"),
            count("done on time"),
            count("verified"),
            count("still open"),
            count("late"),
        ],
        [
            [
                _label(DEPARTMENTS, a.department),
                a.opened,
                a.done_on_time,
                a.verified,
                a.still_open,
                a.late,
            ]
            for a in report.corrective_actions
        ],
    )
    paused = report.paused
    paused_rows: list[list[Value]] = [[f"#{p.id}", p.hours, p.still_paused] for p in paused.longest]
    if paused.complaints:
        still = f"{paused.still_paused} still"
        paused_rows.append([f"all {paused.complaints}", paused.hours, still])
    pauses = ReportTable(
        "paused",
        f"Paused time of the period's complaints (aftersales pause; the {PAUSED_LISTED} "
        "longest, then all)",
        [text("complaint"), Column("paused", Unit.HOURS), text("still paused")],
        paused_rows,
    )
    clusters = ReportTable(
        "batch_clusters",
        "Batch clusters (possible batch incidents)",
        [
            text("on"),
            count("complaints"),
            text("ids"),
            text("categories"),
            text("clients"),
            moment("first"),
            moment("last"),
        ],
        [
            [
                f"{c.kind} {c.key}",
                c.count,
                " ".join(f"#{i}" for i in c.ids),
                ", ".join(c.categories),
                ", ".join(client(o) for o in c.orgs),
                _minute(c.first),
                _minute(c.last),
            ]
            for c in report.batch_clusters
        ],
    )
    repeaters = ReportTable(
        "repeat_complainants",
        "Repeat complainants",
        [text("phone"), text("customer"), count("complaints"), text("ids"), text("categories")],
        [
            [
                r.phone,
                r.customer,
                r.count,
                " ".join(f"#{i}" for i in r.ids),
                ", ".join(r.categories),
            ]
            for r in report.repeat_complainants
        ],
    )
    return [
        kpi_table(report),
        on_time,
        trend,
        _distribution(
            "by_category", "By category", report.by_category, total, CATEGORIES, "category"
        ),
        _distribution(
            "by_severity", "By severity", report.by_severity, total, SEVERITIES, "severity"
        ),
        _distribution("by_channel", "By channel", report.by_channel, total, CHANNELS, "channel"),
        _distribution(
            "by_department",
            "By department",
            report.by_department,
            total,
            DEPARTMENTS,
            "department",
        ),
        _distribution("by_org", "By client", report.by_org, total, None, "client"),
        causes,
        breaches,
        penalties,
        statutory,
        illness,
        paid,
        ledger_summary,
        ledger,
        departments,
        people,
        fines,
        corrective,
        pauses,
        *survey_tables(report),
        clusters,
        repeaters,
    ]


def format_value(value: Value, unit: Unit, *, change: bool = False) -> str:
    """A cell for people by its unit: rates as percentages (changes in points), yuan with
    ¥, hours with h, scores with two decimals, booleans as yes/no, nothing as —."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if unit is Unit.HOURS:
            return f"{value:+.1f} h" if change else f"{value:.1f} h"
        if unit is Unit.RATE:
            return f"{value * 100:+.1f} pp" if change else f"{value * 100:.1f} %"
        if unit is Unit.MONEY:
            return show_yuan(value)
        if unit is Unit.SCORE:
            return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def formatted(table: ReportTable) -> list[list[str]]:
    return [[table.format(r, row, i) for i in range(len(row))] for r, row in enumerate(table.rows)]
