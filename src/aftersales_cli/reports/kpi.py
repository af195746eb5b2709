"""The KPI math of the quarterly review (POLICY.md §6): pure, on counts the queries give.

A KPI with nothing to measure has the value None ("no data"), never 0 %; `met` is None
then, or when no target is set. Rates are fractions from 0 to 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aftersales_cli.rules.config import Targets

# Higher is better for these; lower is better for handling time and repeats.
HIGHER_IS_BETTER = {"responded_24h_rate", "resolution_rate", "satisfaction_rate", "on_time_rate"}
KPI_KEYS = (
    "responded_24h_rate",
    "resolution_rate",
    "satisfaction_rate",
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


def kpis(inputs: Inputs, targets: Targets) -> dict[str, dict[str, Any]]:
    """Each KPI as {"value", "target", "met"} plus what it was computed from."""
    ratios = {
        "responded_24h_rate": (inputs.responded, targets.responded_24h_rate),
        "resolution_rate": (inputs.resolved, targets.resolution_rate),
        "satisfaction_rate": (inputs.satisfied, targets.satisfaction_rate),
        "repeat_rate": (inputs.repeats, targets.repeat_rate),
        "repeat_clients": (inputs.client_repeats, None),
        "on_time_rate": (inputs.on_time, targets.on_time_rate),
    }
    result: dict[str, dict[str, Any]] = {}
    for key in KPI_KEYS:
        if key == "avg_handling_hours":
            h = inputs.handling
            result[key] = {
                "value": _round(h.mean),
                "target": targets.avg_handling_hours,
                "met": _met(key, h.mean, targets.avg_handling_hours),
                "better": "lower",
                "median": _round(h.median),
                "p90": _round(h.p90),
                "count": h.count,
            }
            continue
        ratio, target = ratios[key]
        result[key] = {
            "value": _round(ratio.value),
            "target": target,
            "met": _met(key, ratio.value, target),
            "better": "higher" if key in HIGHER_IS_BETTER else "lower",
            "numerator": ratio.numerator,
            "denominator": ratio.denominator,
        }
    result["responded_24h_rate"]["within_hours"] = targets.responded_within_hours
    return result


def with_deltas(
    current: Mapping[str, dict[str, Any]], previous: Mapping[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The current KPIs, each with `delta` = value − previous value (None when either is)."""
    result = {}
    for key, kpi in current.items():
        before = previous.get(key, {}).get("value")
        value = kpi["value"]
        delta = None if value is None or before is None else _round(value - before)
        result[key] = {**kpi, "delta": delta}
    return result


def rate(met: int, breached: int) -> float | None:
    return _round(Ratio(met, met + breached).value)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
