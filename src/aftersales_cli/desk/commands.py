"""What each use case is asked to do: immutable, typed values, already checked
(`desk.parse` makes them from what people and files type). Times are aware datetimes,
money Decimal yuan.

They are `NamedTuple`s rather than frozen dataclasses: as immutable and as typed, and
five times cheaper to define — `log` imports them on every call, and start-up is
benchmarked (a frozen dataclass costs ~0.4 ms to create, these nine would cost 3 ms)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from aftersales_cli.rules.lifecycle import Closing, Intake


class LogComplaint(NamedTuple):
    intake: Intake


class Classify(NamedTuple):
    complaint_id: int
    category: str | None = None
    severity: str | None = None
    reason: str | None = None


class Assign(NamedTuple):
    complaint_id: int
    department: str | None = None
    assignee: str | None = None


class MarkDone(NamedTuple):
    complaint_id: int
    milestone: str
    at: datetime
    note: str | None = None
    reason: str | None = None  # why it is recorded late (a back-dated --at)


class Extend(NamedTuple):
    complaint_id: int
    milestone: str
    until: datetime
    reason: str


class Pause(NamedTuple):
    complaint_id: int
    reason: str


class Resume(NamedTuple):
    complaint_id: int
    note: str | None = None


class Close(NamedTuple):
    complaint_id: int
    closing: Closing


class Revisit(NamedTuple):
    complaint_id: int
    satisfaction: int
    method: str
    note: str | None = None


class Pay(NamedTuple):
    complaint_id: int
    kind: str
    amount_yuan: Decimal
    note: str | None = None


class Note(NamedTuple):
    complaint_id: int
    text: str
    kind: str = "internal"


class ReversePayment(NamedTuple):
    complaint_id: int
    entry: int
    reason: str


class Edit(NamedTuple):
    """Intake data corrected: `values` by field of the complaint (`lifecycle.EDITABLE`),
    each already checked as `log` checks it."""

    complaint_id: int
    values: dict[str, Any]
    reason: str


class AddAction(NamedTuple):
    complaint_id: int
    text: str
    department: str
    due: datetime
    owner: str | None = None
    survey_aspect: str | None = None  # the key of the survey aspect it answers


class MoveAction(NamedTuple):
    """`action done` (to `done`) or `action verify` (to `verified`)."""

    action_id: int
    to: str
    note: str | None = None


class Attach(NamedTuple):
    """A file to keep with a complaint: its content already read whole and hashed."""

    complaint_id: int
    name: str
    type: str
    sha256: str
    content: bytes
    note: str | None = None


class RecordSurvey(NamedTuple):
    """A satisfaction survey response (`survey record`, a row of `survey import`): the
    client as typed (resolved against the registry when recorded), every aspect's score
    in the rules' order."""

    client: str
    scores: dict[str, int]
    method: str
    at: datetime
    respondent: str | None = None
    comment: str | None = None


class AddClient(NamedTuple):
    """`client add`: a name, its other names, and what is known of it (rules.clients)."""

    name: str
    aliases: tuple[str, ...]
    details: Any  # rules.clients.Details (imported where a client is added, not by `log`)


class AliasClient(NamedTuple):
    name: str
    alias: str


class MergeClients(NamedTuple):
    source: str  # merged away: its names become aliases of `target`
    target: str


class Recompute(NamedTuple):
    """Count the pending business-time deadlines again: of these complaints, or (none
    named) of every complaint that has one."""

    complaint_ids: tuple[int, ...] = ()
