"""The complaint as the rules see it: frozen values, no storage, no clock.

Times are timezone-aware `datetime`s in the operator's local zone (the shell
converts), money is `Decimal` yuan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from aftersales_cli.rules.taxonomy import MILESTONE_KEYS, OPEN_STATUSES


class Skipped(NamedTuple):
    """Days off between a business-time deadline's start and its due: `first` to `last`,
    `kind` weekend or holiday, with the holidays' names (Chinese, each once)."""

    first: date
    last: date
    kind: str
    names: tuple[str, ...] = ()


class Counting(NamedTuple):
    """How a business-time deadline was counted, worked out when it was set (so that
    `show` explains it without the calendar): `duration` of working time (as the rules
    write it, "1h", "2d") from `start`; the days off skipped up to the due; the make-up
    workdays (补班) counted, each with the holiday it belongs to; the years counted
    without official data (by weekends and the rules file's dates only); and the working
    minutes pauses moved the due by."""

    start: datetime
    duration: str
    skipped: tuple[Skipped, ...] = ()
    makeup: tuple[tuple[date, str], ...] = ()
    unofficial: tuple[int, ...] = ()
    paused_minutes: int = 0


def counting_parts(counting: Counting, start: str) -> dict[str, Any]:
    """How a business-time due was counted, as the database and the JSON record keep it
    (`start` as the caller writes times): `{start, duration, skipped: [{first, last,
    kind, names}], makeup: [{day, name}], unofficial_years, paused_minutes}`."""
    return {
        "start": start,
        "duration": counting.duration,
        "skipped": [
            {
                "first": s.first.isoformat(),
                "last": s.last.isoformat(),
                "kind": s.kind,
                "names": list(s.names),
            }
            for s in counting.skipped
        ],
        "makeup": [{"day": day.isoformat(), "name": name} for day, name in counting.makeup],
        "unofficial_years": list(counting.unofficial),
        "paused_minutes": counting.paused_minutes,
    }


def counting_from(parts: Mapping[str, Any], start: datetime) -> Counting:
    """`counting_parts`' inverse (raises on a damaged value: the callers name it)."""
    return Counting(
        start=start,
        duration=str(parts["duration"]),
        skipped=tuple(
            Skipped(
                date.fromisoformat(s["first"]),
                date.fromisoformat(s["last"]),
                str(s["kind"]),
                tuple(str(n) for n in s["names"]),
            )
            for s in parts["skipped"]
        ),
        makeup=tuple((date.fromisoformat(m["day"]), str(m["name"])) for m in parts["makeup"]),
        unofficial=tuple(int(y) for y in parts["unofficial_years"]),
        paused_minutes=int(parts["paused_minutes"]),
    )


def unofficial_warning(year: int, what: str) -> str:
    """What is said of deadlines counted in a year without official holidays."""
    return (
        f"{year} has no official holidays or make-up workdays (调休) in the calendar: "
        f"{what} in {year} are counted by weekends and the rules file's own dates only. "
        f"Add the State Council's notice for {year} to the rules file ([calendar] holidays, "
        "workdays), then run `aftersales recompute --open`."
    )


@dataclass(frozen=True)
class Deadline:
    """One milestone of a case.

    `due_at` is None when the milestone does not apply (a non-urgent case has no
    investigation; nothing is revisited before it is closed). `late` records that the
    milestone's deadline passed without it — seen by a command's change, or an extension
    that came after the deadline: the breach stands for good, whatever is done later
    (reclassified, extended, done back-dated, reopened, closed again). A milestone that
    starts again (resolution after a reopen, the next revisit) carries it.
    `breach_noted` records that the history already says this deadline was breached.
    `counting` says how a business-time due was counted (None: the clock runs 24/7).
    """

    due_at: datetime | None = None
    done_at: datetime | None = None
    extended_from: datetime | None = None
    reason: str | None = None
    late: bool = False
    breach_noted: bool = False
    counting: Counting | None = None

    @property
    def business_time(self) -> bool:
        return self.counting is not None

    @property
    def outcome(self) -> str | None:
        """`met` or `breached` once that is settled whatever the clock says; None while it
        is not (pending, or not applicable)."""
        if self.due_at is None:
            return None
        if self.done_at is not None:
            return "breached" if self.late or self.done_at > self.due_at else "met"
        return "breached" if self.late else None

    def state(self, now: datetime, paused: bool = False) -> str:
        """`n/a`, `pending`, `met` or `breached` as of `now`; `paused` for a pending one
        of a paused case (it does not run)."""
        if self.due_at is None:
            return "n/a"
        if paused and self.done_at is None and not self.late:
            return "paused"
        return self.outcome or ("breached" if now > self.due_at else "pending")

    @property
    def applies(self) -> bool:
        return self.due_at is not None

    @property
    def open(self) -> bool:
        """Due and not done yet."""
        return self.due_at is not None and self.done_at is None


NO_DEADLINES: dict[str, Deadline] = {m: Deadline() for m in MILESTONE_KEYS}


class Penalty(NamedTuple):
    """The penalty ladder's verdict on a confirmed counterfeit, expired or spoiled case."""

    offence: int
    multiplier: Decimal
    amount: Decimal


@dataclass(frozen=True, eq=False)
class Complaint:
    """What the customer reported, as the operator took it down: the part of a case that
    intake fills in (`lifecycle.Intake` adds the operator's choice of category)."""

    received_at: datetime
    channel: str
    customer: str
    phone: str
    description: str
    org: str | None = None
    order_no: str | None = None
    product: str | None = None
    batch: str | None = None
    delivery_date: date | None = None
    delivered_at: datetime | None = None
    quantity: int | None = None
    defective: int | None = None
    request: str | None = None
    people: int = 1
    ill: bool = False
    injured: bool = False
    # Illness details (policy 003: 症状, 食用量): what the sick felt, when it began, how
    # much was eaten, and whether anyone went to hospital.
    symptoms: str | None = None
    onset_at: datetime | None = None
    eaten: str | None = None
    hospital: bool = False


@dataclass(frozen=True, eq=False, kw_only=True)  # compared field by field, never whole
class Case(Complaint):
    """A complaint under way: triaged, with its deadlines, handling and outcome."""

    category: str
    severity: str
    status: str = "new"
    id: int | None = None
    department: str | None = None
    assignee: str | None = None
    deadlines: dict[str, Deadline] = field(default_factory=lambda: dict(NO_DEADLINES))
    remedy: str | None = None  # the first of `remedies`
    remedies: tuple[str, ...] = ()
    amount: Decimal | None = None
    cause: str | None = None
    ours: bool | None = None
    finding: str | None = None
    note: str | None = None
    supply_value: Decimal | None = None
    price: Decimal | None = None
    loss: Decimal | None = None
    staff: str | None = None
    penalty: Penalty | None = None
    staff_fine: Decimal | None = None
    statutory_compensation: Decimal | None = None
    incident: bool = False
    satisfaction: int | None = None
    revisit_method: str | None = None
    revisit_note: str | None = None
    closed_at: datetime | None = None
    reopened_at: datetime | None = None
    reopen_count: int = 0
    escalated_at: datetime | None = None
    last_note_at: datetime | None = None  # the latest progress note (`aftersales note`)
    # A pause (`aftersales pause`): since when and why; when it has lasted too long
    # (`overdue` lists it then); up to when the pending deadlines have already been moved
    # for it (a reclassification while paused moves them first); and the clock minutes
    # of the pauses already over, for the report.
    paused_at: datetime | None = None
    pause_reason: str | None = None
    pause_limit_at: datetime | None = None
    pause_applied_at: datetime | None = None
    paused_minutes: int = 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def paused(self) -> bool:
        return self.paused_at is not None
