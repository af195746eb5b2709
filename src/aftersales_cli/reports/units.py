"""The units of the report's figures."""

from __future__ import annotations

from enum import Enum


class Unit(Enum):
    """What a figure counts, which says how it is shown: a rate is a fraction shown in
    percent (its changes in points), hours and money carry their unit, a score is a
    survey's mean from 1 to 5 (two decimals)."""

    TEXT = "text"
    COUNT = "count"
    RATE = "rate"
    HOURS = "hours"
    MONEY = "money"
    SCORE = "score"
    FLAG = "flag"  # met or missed
    TIME = "time"  # a moment, written as local ISO-8601 text (`2026-11-19 12:50`)
