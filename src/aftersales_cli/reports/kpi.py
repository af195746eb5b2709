"""The KPI math of the quarterly review (POLICY.md §6): pure, on counts the queries give.

A KPI with nothing to measure has the value None ("no data"), never 0 %; `met` is None
then, or when no target is set. Rates are fractions from 0 to 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from aftersales_cli.reports.units import Unit
from aftersales_cli.rules.config import Targets

# Higher is better for these; lower is better for handling time and repeats.
HIGHER_IS_BETTER = {
    "responded_24h_rate",
    "resolution_rate",
    "satisfaction_rate",
    "survey_satisfaction_rate",
    "on_time_rate",
}
KPI_KEYS = (
    "responded_24h_rate",
    "resolution_rate",
    "satisfaction_rate",
    "survey_satisfaction_rate",
    "avg_handling_hours",
    "repeat_rate",
    "repeat_clients",
    "on_time_rate",
)


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class Handling:
    """Hours from receipt to resolution of the closed complaints."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Inputs:
    responded: Ratio  # contacted within 24 h / received (minus the young uncontacted)
    resolved: Ratio  # closed or revisited / received
    satisfied: Ratio  # latest score 4-5 / revisited
    handling: Handling
    repeats: Ratio  # same phone, same category within 30 days before / received
    on_time: Ratio  # met / (met + breached)
    # same client (any phone), same category within 30 days before / received; no target
    client_repeats: Ratio = Ratio(0, 0)
    # survey responses given in the period whose mean score is satisfied / responses
    survey_satisfied: Ratio = Ratio(0, 0)


def percentile_positions(count: int, fraction: float) -> tuple[int, int, float]:
    """Where the `fraction` percentile of `count` sorted values lies, by linear
    interpolation between the closest ranks: (lower offset, upper offset, weight)."""
    if count < 1:
        raise ValueError("no values")
    position = fraction * (count - 1)
    lower = math.floor(position)
    return lower, min(lower + 1, count - 1), position - lower


def interpolate(lower: float, upper: float, weight: float) -> float:
    return lower + (upper - lower) * weight


def percentile_of_histogram(histogram: Sequence[tuple[float, int]], fraction: float) -> float:
    """The `fraction` percentile of the values a histogram counts — (value, how many) in
    ascending order — exactly as if the values were listed one by one."""
    count = sum(n for _, n in histogram)
    lower, upper, weight = percentile_positions(count, fraction)
    return interpolate(_at_rank(histogram, lower), _at_rank(histogram, upper), weight)


def _at_rank(histogram: Sequence[tuple[float, int]], rank: int) -> float:
    seen = 0
    for value, n in histogram:
        seen += n
        if rank < seen:
            return value
    raise ValueError("rank beyond the histogram")


def _met(key: str, value: float | None, target: float | None) -> bool | None:
    if value is None or target is None:
        return None
    return value >= target if key in HIGHER_IS_BETTER else value <= target


@dataclass(frozen=True)
class Kpi:
    """One KPI of a period: its value against its target, and what it was computed from
    (a ratio, or the spread of handling hours)."""

    key: str
    value: float | None
    target: float | None
    met: bool | None
    better: str  # higher or lower
    basis: Ratio | Handling
    within_hours: int | None = None  # the response window, for the responded rate

    @property
    def unit(self) -> Unit:
        return Unit.HOURS if isinstance(self.basis, Handling) else Unit.RATE

    def to_json(self) -> dict[str, Any]:
        basis = self.basis
        result: dict[str, Any] = {
            "value": self.value,
            "target": self.target,
            "met": self.met,
            "better": self.better,
        }
        if isinstance(basis, Handling):
            result.update(median=basis.median, p90=basis.p90, count=basis.count)
        else:
            result.update(numerator=basis.numerator, denominator=basis.denominator)
        if self.within_hours is not None:
            result["within_hours"] = self.within_hours
        return result


@dataclass(frozen=True)
class ComparedKpi(Kpi):
    """A KPI with its change since the previous period (None when either has no value)."""

    delta: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "delta": self.delta}


def kpis(inputs: Inputs, targets: Targets) -> dict[str, Kpi]:
    """Each KPI, keyed by its name."""
    ratios = {
        "responded_24h_rate": (inputs.responded, targets.responded_24h_rate),
        "resolution_rate": (inputs.resolved, targets.resolution_rate),
        "satisfaction_rate": (inputs.satisfied, targets.satisfaction_rate),
        "survey_satisfaction_rate": (inputs.survey_satisfied, targets.survey_satisfaction_rate),
        "repeat_rate": (inputs.repeats, targets.repeat_rate),
        "repeat_clients": (inputs.client_repeats, None),
        "on_time_rate": (inputs.on_time, targets.on_time_rate),
    }
    result: dict[str, Kpi] = {}
    for key in KPI_KEYS:
        better = "higher" if key in HIGHER_IS_BETTER else "lower"
        if key == "avg_handling_hours":
            h = inputs.handling
            spread = Handling(h.count, _round(h.mean), _round(h.median), _round(h.p90))
            target = targets.avg_handling_hours
            result[key] = Kpi(key, spread.mean, target, _met(key, h.mean, target), better, spread)
            continue
        ratio, target = ratios[key]
        within = targets.responded_within_hours if key == "responded_24h_rate" else None
        result[key] = Kpi(
            key, _round(ratio.value), target, _met(key, ratio.value, target), better, ratio, within
        )
    return result


def with_deltas(current: Mapping[str, Kpi], previous: Mapping[str, Kpi]) -> dict[str, ComparedKpi]:
    """The current KPIs, each with `delta` = value − previous value (None when either is)."""
    result = {}
    for key, kpi in current.items():
        before = previous[key].value if key in previous else None
        value = kpi.value
        delta = None if value is None or before is None else _round(value - before)
        result[key] = ComparedKpi(
            **{f.name: getattr(kpi, f.name) for f in fields(kpi)}, delta=delta
        )
    return result


def rate(met: int, breached: int) -> float | None:
    return _round(Ratio(met, met + breached).value)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
