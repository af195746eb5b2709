"""When each milestone is due, and what an extension and a pause do (POLICY.md §3–4).

Pure. On a 24/7 clock minutes and hours are added as elapsed time (through UTC) and days
move on the local calendar (the arithmetic is `rules.calendar`'s). A clock in business
time (`[deadlines.business_time]`) counts working minutes and working days of
`[calendar]` (`rules.business`, imported only when such a due is counted), and its
deadline keeps how it was counted (`Counting`) for `show` to explain.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from aftersales_cli.rules import fields
from aftersales_cli.rules.calendar import calendar_days, elapsed
from aftersales_cli.rules.case import Deadline
from aftersales_cli.rules.config import Duration, Rules, parse_duration
from aftersales_cli.rules.errors import Refused, RuleError
from aftersales_cli.rules.taxonomy import INTAKE_MILESTONES, QC_MILESTONES

if TYPE_CHECKING:
    from aftersales_cli.rules.business import WorkCalendar


def add(start: datetime, duration: Duration) -> datetime:
    """`duration` after `start` on the 24/7 clock."""
    moved = calendar_days(start, duration.days) if duration.days else start
    return elapsed(moved, duration.minutes) if duration.minutes else moved


def clock(severity: str, milestone: str, rules: Rules) -> WorkCalendar | None:
    """The working calendar this milestone's clock counts by at this severity (None: it
    runs 24/7)."""
    if rules.deadlines.business(severity, milestone):
        return rules.calendar.work_calendar()
    return None


def due(start: datetime, duration: Duration, cal: WorkCalendar | None) -> Deadline:
    """A milestone due `duration` after `start`: on the 24/7 clock, or (given a calendar)
    in working time, with how it was counted."""
    if cal is None:
        return Deadline(due_at=add(start, duration))
    from aftersales_cli.rules import business

    moment = _working(start, duration, 0, cal)
    return Deadline(due_at=moment, counting=business.explained(start, moment, str(duration), cal))


def _working(start: datetime, duration: Duration, paused: int, cal: WorkCalendar) -> datetime:
    from aftersales_cli.rules import business

    moment = business.add_days(start, duration.days, cal).due if duration.days else start
    if duration.minutes or not duration.days:
        moment = business.add_minutes(moment, duration.minutes, cal).due
    if paused:
        moment = business.add_minutes(moment, paused, cal).due
    return moment


def counted_again(deadline: Deadline, cal: WorkCalendar) -> Deadline:
    """A business-time deadline counted again by `cal` (a calendar changed since — a new
    year's notice entered late): the same working time from the same start, moved by the
    same pauses."""
    counting = deadline.counting
    if counting is None:
        return deadline
    from aftersales_cli.rules import business

    duration = parse_duration(counting.duration, "duration")
    moment = _working(counting.start, duration, counting.paused_minutes, cal)
    return dataclasses.replace(
        deadline,
        due_at=moment,
        counting=business.explained(
            counting.start, moment, counting.duration, cal, counting.paused_minutes
        ),
    )


def resumed(
    deadline: Deadline, since: datetime, now: datetime, cal: WorkCalendar | None
) -> Deadline:
    """A pending deadline after a pause from `since` to `now`: moved by the paused time,
    in working minutes for a business-time clock (kept in its counting) and in elapsed
    time for a 24/7 one. Done milestones and breaches stay where they are."""
    if not deadline.open or deadline.late or deadline.due_at is None or now <= since:
        return deadline
    counting = deadline.counting
    if counting is None or cal is None:
        return dataclasses.replace(deadline, due_at=deadline.due_at + (now - since))
    from aftersales_cli.rules import business

    minutes = business.minutes_between(since, now, cal)
    if not minutes:
        return deadline
    moment = business.add_minutes(deadline.due_at, minutes, cal).due
    return dataclasses.replace(
        deadline,
        due_at=moment,
        counting=business.explained(
            counting.start, moment, counting.duration, cal, counting.paused_minutes + minutes
        ),
    )


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
) -> dict[str, Deadline]:
    """The deadline of every intake milestone for a case of this severity at this client
    (`Deadline()`: it does not apply); given the category, QC's milestones too."""
    table = row(severity, org, rules)
    durations: dict[str, Duration | None] = {m: table[m] for m in INTAKE_MILESTONES}
    if category is not None:
        durations.update({m: qc_duration(category, m, rules) for m in QC_MILESTONES})
    return {
        milestone: Deadline()
        if duration is None
        else due(received_at, duration, clock(severity, milestone, rules))
        for milestone, duration in durations.items()
    }


def qc_duration(category: str, milestone: str, rules: Rules) -> Duration | None:
    """How long QC has for `sample` or `lab_report` on a case of this category (None: it
    does not apply — another category, or switched off)."""
    if category not in rules.deadlines.qc_categories:
        return None
    duration: Duration | None = getattr(rules.deadlines, milestone)
    return duration


def recategorised(
    deadlines: Mapping[str, Deadline], category: str, severity: str, now: datetime, rules: Rules
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
            result[milestone] = due(now, duration, clock(severity, milestone, rules))
    return result


def confirm_due(finished: datetime, severity: str, rules: Rules) -> Deadline:
    """When the result is to be confirmed with the customer, the department having
    finished at `finished` (`Deadline()`: confirm is switched off)."""
    duration = rules.deadlines.confirm
    if duration is None:
        return Deadline()
    return due(finished, duration, clock(severity, "confirm", rules))


def resolution_due(
    severity: str, start: datetime, rules: Rules, org: str | None = None
) -> Deadline:
    """Resolution counted from `start` (the receipt, or the reopening)."""
    duration = row(severity, org, rules)["resolution"]
    assert duration is not None  # config guarantees: only investigation may be none
    return due(start, duration, clock(severity, "resolution", rules))


def revisit_due(closed_at: datetime, severity: str, rules: Rules) -> Deadline:
    return due(closed_at, rules.deadlines.revisit_after_close, clock(severity, "revisit", rules))


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
        sooner = due(now, duration, clock(severity, milestone, rules))
        assert sooner.due_at is not None
        if current.due_at is None or sooner.due_at < current.due_at:
            result[milestone] = dataclasses.replace(
                current, due_at=sooner.due_at, counting=sooner.counting
            )
    return result


def lowered(
    deadlines: Mapping[str, Deadline],
    severity: str,
    received_at: datetime,
    rules: Rules,
    org: str | None = None,
    paused_minutes: int = 0,
) -> dict[str, Deadline]:
    """Deadlines after lowering the severity: each pending milestone is due by the new
    level's time from receipt — moved by the pauses it was moved by before (its own
    working minutes, or the case's `paused_minutes` on the 24/7 clock) — never sooner than
    it already was. A milestone the new level does not have no longer applies, unless it
    was already breached (that stays). Milestones already done stay as they are."""
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
        later = _paused(
            due(received_at, duration, clock(severity, milestone, rules)),
            current,
            paused_minutes,
            rules,
        )
        assert later.due_at is not None
        if later.due_at > current.due_at:
            result[milestone] = dataclasses.replace(
                current, due_at=later.due_at, counting=later.counting
            )
    return result


def _paused(fresh: Deadline, current: Deadline, paused_minutes: int, rules: Rules) -> Deadline:
    """`fresh` moved by the pauses `current` was moved by."""
    assert fresh.due_at is not None
    if fresh.counting is None:
        return dataclasses.replace(fresh, due_at=fresh.due_at + timedelta(minutes=paused_minutes))
    minutes = current.counting.paused_minutes if current.counting else 0
    if not minutes:
        return fresh
    moved = dataclasses.replace(fresh, counting=fresh.counting._replace(paused_minutes=minutes))
    return counted_again(moved, rules.calendar.work_calendar())


def settle(deadline: Deadline, now: datetime) -> Deadline:
    """A pending deadline that has passed by `now` is breached for good."""
    if deadline.open and deadline.due_at is not None and now > deadline.due_at:
        return dataclasses.replace(deadline, late=True)
    return deadline


def again(deadline: Deadline, fresh: Deadline) -> Deadline:
    """The milestone starting over (resolution after a reopen, the next revisit) as
    `fresh`, carrying a breach of its earlier round."""
    return dataclasses.replace(fresh, late=deadline.outcome == "breached")


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
        counting=None,  # a time promised to the customer: on the clock, as promised
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
