"""What each use case is asked to do: frozen values, already checked (`desk.parse` makes
them from what people and files type). Times are aware datetimes, money Decimal yuan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from aftersales_cli.rules.lifecycle import Closing, Intake


@dataclass(frozen=True)
class LogComplaint:
    intake: Intake


@dataclass(frozen=True)
class Classify:
    complaint_id: int
    category: str | None = None
    severity: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Assign:
    complaint_id: int
    department: str | None = None
    assignee: str | None = None


@dataclass(frozen=True)
class MarkDone:
    complaint_id: int
    milestone: str
    at: datetime
    note: str | None = None
    reason: str | None = None  # why it is recorded late (a back-dated --at)


@dataclass(frozen=True)
class Extend:
    complaint_id: int
    milestone: str
    until: datetime
    reason: str


@dataclass(frozen=True)
class Close:
    complaint_id: int
    closing: Closing


@dataclass(frozen=True)
class Revisit:
    complaint_id: int
    satisfaction: int
    method: str
    note: str | None = None


@dataclass(frozen=True)
class Pay:
    complaint_id: int
    kind: str
    amount_yuan: Decimal
    note: str | None = None


@dataclass(frozen=True)
class ReversePayment:
    complaint_id: int
    entry: int
    reason: str
