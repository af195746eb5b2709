"""When each milestone is due, and what an extension does (POLICY.md §3–4).

Pure. Minutes and hours are added as elapsed time (through UTC); days move on the
local calendar — a 24-hour deadline is `24h`, a revisit "3 days after" is `3d` (the
arithmetic itself is `rules.calendar`'s).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime

from aftersales_cli.rules import fields
from aftersales_cli.rules.calendar import calendar_days, elapsed
from aftersales_cli.rules.case import Deadline
from aftersales_cli.rules.config import Duration, Rules
from aftersales_cli.rules.errors import Refused, RuleError
from aftersales_cli.rules.taxonomy import INTAKE_MILESTONES, QC_MILESTONES


def add(start: datetime, duration: Duration) -> datetime:
    moved = calendar_days(start, duration.days) if duration.days else start
    return elapsed(moved, duration.minutes) if duration.minutes else moved


def row(severity: str, org: str | None, rules: Rules) -> Mapping[str, Duration | None]:
    """The time each intake milestone has at this severity: the policy's row, with the
    stricter terms of the client's contract (`[clients."NAME"]`) where it has some."""
    policy = rules.deadlines.by_severity[severity]
    if not rules.clients or org is None:
        return policy
    terms = rules.clients.get(fields.client_key(org) or "")
    if terms is None or severity not in terms.deadlines:
        return policy
    return {**policy, **terms.deadlines[severity]}


def due_times(
    severity: str,
    received_at: datetime,
    rules: Rules,
    category: str | None = None,
    org: str | None = None,
) -> dict[str, datetime | None]:
    """The due time of every intake milestone for a case of this severity (None: it does
    not apply) at this client; given the category, QC's milestones too."""
    table = row(severity, org, rules)
    result: dict[str, datetime | None] = {}
    for milestone in INTAKE_MILESTONES:
        duration = table[milestone]
        result[milestone] = None if duration is None else add(received_at, duration)
    if category is not None:
        for milestone in QC_MILESTONES:
            duration = qc_duration(category, milestone, rules)
            result[milestone] = None if duration is None else add(received_at, duration)
    return result


def qc_duration(category: str, milestone: str, rules: Rules) -> Duration | None:
    """How long QC has for `sample` or `lab_report` on a case of this category (None: it
    does not apply — another category, or switched off)."""
    if category not in rules.deadlines.qc_categories:
        return None
    duration: Duration | None = getattr(rules.deadlines, milestone)
    return duration


def recategorised(
    deadlines: Mapping[str, Deadline], category: str, now: datetime, rules: Rules
) -> dict[str, Deadline]:
    """QC's milestones after the category changed to `category`: one that now applies and
    did not is due by its time from now (nobody knew before); one that no longer applies
    is dropped, unless it was done or breached (that stays)."""
    result = dict(deadlines)
    for milestone in QC_MILESTONES:
        current = deadlines[milestone]
        duration = qc_duration(category, milestone, rules)
        if duration is None:
            if current.open and not current.late:
                result[milestone] = Deadline()
        elif current.due_at is None:
            result[milestone] = Deadline(due_at=add(now, duration))
    return result


def confirm_due(finished: datetime, rules: Rules) -> datetime | None:
    """When the result is to be confirmed with the customer, the department having
    finished at `finished` (None: confirm is switched off)."""
    duration = rules.deadlines.confirm
    return None if duration is None else add(finished, duration)


def resolution_due(
    severity: str, start: datetime, rules: Rules, org: str | None = None
) -> datetime:
    """Resolution counted from `start` (the receipt, or the reopening)."""
    duration = row(severity, org, rules)["resolution"]
    assert duration is not None  # config guarantees: only investigation may be none
    return add(start, duration)


def revisit_due(closed_at: datetime, rules: Rules) -> datetime:
    return add(closed_at, rules.deadlines.revisit_after_close)


def raised(
    deadlines: Mapping[str, Deadline],
    severity: str,
    now: datetime,
    rules: Rules,
    org: str | None = None,
) -> dict[str, Deadline]:
    """Deadlines after raising the severity at `now`: each pending milestone falls due
    sooner — by the new level's time counted from now, never earlier (nobody knew it was
    urgent before) — and keeps its due if that is sooner still. A milestone the old level
    did not have (a non-urgent case's investigation) is due by the new time from now.
    Milestones already done, and breaches, stay as they are."""
    result = dict(deadlines)
    table = row(severity, org, rules)
    for milestone in INTAKE_MILESTONES:
        current = deadlines[milestone]
        duration = table[milestone]
        if current.done_at is not None or duration is None:
            continue
        due = add(now, duration)
        if current.due_at is None or due < current.due_at:
            result[milestone] = dataclasses.replace(current, due_at=due)
    return result


def lowered(
    deadlines: Mapping[str, Deadline],
    severity: str,
    received_at: datetime,
    rules: Rules,
    org: str | None = None,
) -> dict[str, Deadline]:
    """Deadlines after lowering the severity: each pending milestone is due by the new
    level's time from receipt, never sooner than it already was. A milestone the new
    level does not have no longer applies, unless it was already breached (that stays).
    Milestones already done stay as they are."""
    result = dict(deadlines)
    table = row(severity, org, rules)
    for milestone in INTAKE_MILESTONES:
        current = deadlines[milestone]
        if current.done_at is not None or current.due_at is None:
            continue
        duration = table[milestone]
        if duration is None:
            if not current.late:
                result[milestone] = Deadline()
            continue
        due = add(received_at, duration)
        if due > current.due_at:
            result[milestone] = dataclasses.replace(current, due_at=due)
    return result


def settle(deadline: Deadline, now: datetime) -> Deadline:
    """A pending deadline that has passed by `now` is breached for good."""
    if deadline.open and deadline.due_at is not None and now > deadline.due_at:
        return dataclasses.replace(deadline, late=True)
    return deadline


def again(deadline: Deadline, due_at: datetime) -> Deadline:
    """The milestone starting over (resolution after a reopen, the next revisit): due at
    `due_at`, carrying a breach of its earlier round."""
    return Deadline(due_at=due_at, late=deadline.outcome == "breached")


def extend(
    deadline: Deadline,
    milestone: str,
    until: datetime,
    reason: str,
    now: datetime,
) -> Deadline:
    """The customer was told of a new time. Before the deadline it moves the deadline;
    after it, it only moves `due_at` to the promised time: the breach stands."""
    if deadline.due_at is None:
        raise Refused("milestone", f"{milestone} does not apply to this complaint")
    if deadline.done_at is not None:
        raise Refused("milestone", f"{milestone} is already done; nothing to extend")
    if not reason.strip():
        raise RuleError("reason", "an extension needs the reason the customer was given")
    if until <= now:
        raise RuleError("until", "the new time must be in the future")
    if until <= deadline.due_at:
        raise RuleError(
            "until", f"the new time must be later than the current deadline of {milestone}"
        )
    return Deadline(
        due_at=until,
        done_at=None,
        extended_from=deadline.extended_from or deadline.due_at,
        reason=reason.strip(),
        late=deadline.late or now > deadline.due_at,
        breach_noted=deadline.breach_noted,
    )


def complete(deadline: Deadline, at: datetime) -> Deadline:
    """The milestone done at `at` (met or breached by its own deadline)."""
    return dataclasses.replace(deadline, done_at=at)


def sample_sealable_until(
    category: str,
    delivery_date: date | None,
    delivered_at: datetime | None,
    zone_of: datetime,
    rules: Rules,
) -> datetime | None:
    """Until when the retained sample (留样) of the meal can still be sealed for testing:
    48 h from the delivery time, else from the start of the delivery day (the safe side).
    `zone_of` is any local time, to read the delivery day in the local zone."""
    if category not in rules.intake.sample_categories or delivery_date is None:
        return None
    start = delivered_at or datetime(
        delivery_date.year, delivery_date.month, delivery_date.day, tzinfo=zone_of.tzinfo
    )
    return elapsed(start, rules.intake.sample_retention_hours * 60)
