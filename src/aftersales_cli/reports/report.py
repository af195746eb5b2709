"""The report as values: what `build` returns and every renderer (terminal, JSON, CSV,
HTML) reads by attribute.

Each class lists its fields in the order of the JSON keys it is printed with: `to_json`
walks them, so the JSON of the output contract has one declaration, this one. Amounts are
yuan (whole numbers as ints, as the JSON has always printed them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from aftersales_cli.clock import iso_local
from aftersales_cli.reports.kpi import ComparedKpi, Kpi
from aftersales_cli.reports.period import Period
from aftersales_cli.rules.survey import Figures


@dataclass(frozen=True)
class OnTime:
    met: int
    breached: int
    rate: float | None


@dataclass(frozen=True)
class Cause:
    cause: str
    count: int
    ours: int
    not_ours: int


@dataclass(frozen=True)
class ClientMoney:
    """Per client: offences standing, fines, payments, statutory compensation suggested."""

    org: str
    offences: int
    multipliers: tuple[float, ...]
    penalties: float
    staff_fines: float
    compensation: float
    statutory: float
    incidents: int
    statutory_cases: int


@dataclass(frozen=True)
class LedgerSum:
    kind: str
    payment_kind: str | None
    entries: int
    reversals: int
    net: float


class LedgerEntry(NamedTuple):
    """One entry of the ledger. A tuple, not a dataclass: the whole ledger of a period is
    streamed into ledger.csv, one of these per entry, and a tuple is the cheapest to make."""

    id: int
    complaint_id: int
    kind: str
    payment_kind: str | None
    reason: str | None
    by: str
    at: str  # local time with its offset
    reverses: int | None
    org: str
    amount: float


@dataclass(frozen=True)
class Statutory:
    id: int
    org: str
    amount: float


@dataclass(frozen=True)
class IllnessRow:
    """One client's complaints where someone fell ill (policy 003)."""

    org: str
    cases: int
    people: int
    hospital: int


@dataclass(frozen=True)
class Illness:
    """The period's complaints where someone fell ill: how many, the people affected,
    the hospital visits (cases where anyone saw a doctor), and the same per client."""

    cases: int
    people: int
    hospital: int
    clients: tuple[IllnessRow, ...]


@dataclass(frozen=True)
class Charge:
    """A department's (or a person's) share of the period: complaints, breaches, fines."""

    department: str
    complaints: int
    closed: int
    ours: int
    breaches: int
    penalties: float


@dataclass(frozen=True)
class CauseCharge:
    """Charged to the department of the cause, with the department that handled it."""

    department: str
    handled_by: str
    complaints: int
    closed: int
    ours: int
    breaches: int
    penalties: float


@dataclass(frozen=True)
class PersonCharge:
    assignee: str
    department: str
    complaints: int
    closed: int
    ours: int | None
    breaches: int
    penalties: float


@dataclass(frozen=True)
class StaffFine:
    staff: str | None
    fines: int
    amount: float


@dataclass(frozen=True)
class Responsibility:
    departments: tuple[CauseCharge | Charge, ...]  # by cause, or by handler (--by-handler)
    handling_departments: tuple[Charge, ...] = ()
    people: tuple[PersonCharge, ...] = ()
    staff_fines: tuple[StaffFine, ...] = ()


@dataclass(frozen=True)
class Cluster:
    kind: str  # batch, product or client
    key: str
    ids: tuple[int, ...]
    categories: tuple[str, ...]
    orgs: tuple[str, ...]
    count: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Repeater:
    customer: str | None
    count: int
    ids: tuple[int, ...]
    categories: tuple[str, ...]
    phone: str  # masked unless asked


@dataclass(frozen=True)
class TrendPoint:
    start: str  # the local day the bucket starts
    label: str
    count: int
    urgent: int


@dataclass(frozen=True)
class Trend:
    unit: str  # day or week
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class ActionCount:
    """A department's corrective actions opened in the period, as of the report: done by
    their due time, verified by QC, still open, late (done after the due time, or open
    past it)."""

    department: str
    opened: int
    done_on_time: int
    verified: int
    still_open: int
    late: int


# The longest pauses the report lists (all of them are summed).
PAUSED_LISTED = 20


@dataclass(frozen=True)
class PausedCase:
    id: int
    hours: float
    still_paused: bool


@dataclass(frozen=True)
class Paused:
    """The period's complaints ever paused (`aftersales pause`): the clock hours paused in
    all (a pause still running counted up to the report), how many, how many are paused
    still, and the longest of them."""

    hours: float = 0
    complaints: int = 0
    still_paused: int = 0
    longest: tuple[PausedCase, ...] = ()


@dataclass(frozen=True)
class Previous:
    period: Period
    total: int
    kpis: Mapping[str, Kpi]


@dataclass(frozen=True)
class Report:
    period: Period
    generated_at: datetime
    total: int
    kpis: Mapping[str, ComparedKpi]  # each with its change since the previous period
    on_time: Mapping[str, Mapping[str, OnTime]]  # milestone → severity → figures
    breaches_by_milestone: Mapping[str, int]
    by_category: Mapping[str, int]
    by_severity: Mapping[str, int]
    by_channel: Mapping[str, int]
    by_department: Mapping[str, int]
    by_org: Mapping[str, int]
    top_causes: tuple[Cause, ...]
    penalties: tuple[ClientMoney, ...]
    penalties_total: float
    compensation_total: float
    compensation_by_kind: Mapping[str, float]
    ledger_summary: tuple[LedgerSum, ...]
    ledger_largest: tuple[LedgerEntry, ...]
    statutory: tuple[Statutory, ...]
    statutory_total: float
    statutory_cases: int
    illness: Illness
    responsibility: Responsibility
    batch_clusters: tuple[Cluster, ...]
    batch_clusters_total: int
    repeat_complainants: tuple[Repeater, ...]
    trend: Trend
    previous: Previous
    corrective_actions: tuple[ActionCount, ...] = ()
    paused: Paused = Paused()
    # the survey responses given in the period (a quarter's: against its plan)
    survey: Figures = field(kw_only=True)
    # every entry, read from the database as ledger.csv is written: not in the JSON
    ledger: Iterable[LedgerEntry] = field(default=(), metadata={"json": False})

    def by_handler(self) -> Report:
        """The same report, departments charged by who handled the cases."""
        resp = self.responsibility
        return dataclasses.replace(
            self, responsibility=dataclasses.replace(resp, departments=resp.handling_departments)
        )

    def to_json(self) -> dict[str, Any]:
        """The report's JSON (the output contract): every field but the ledger listing."""
        result = as_json(self)
        assert isinstance(result, dict)
        return result


def as_json(value: object) -> Any:
    """A report value as JSON data: fields in their declared order, moments in local time
    with their offset, periods by their bounds."""
    if isinstance(value, Period):
        return {
            "start": iso_local(value.start),
            "end": iso_local(value.end),
            "label": value.label,
            "kind": value.kind,
        }
    if isinstance(value, Kpi | Figures):
        return value.to_json()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: as_json(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.metadata.get("json", True)
        }
    if isinstance(value, LedgerEntry):
        return {k: as_json(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, datetime):
        return iso_local(value)
    return value
