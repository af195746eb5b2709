"""The status flow of a complaint: each step a pure function from case to case.

new → classified → assigned → closed → revisited (final), or closed → reopened (an
unsatisfied revisit) → … → closed again. `classify`, `assign`, `done`, `extend` and
`close` work on any open case; `revisit` only on a closed one. Everything else is
refused with the reason. `changes` turns two versions of a case into the history's
"old → new".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from aftersales_cli.rules import deadlines as dl
from aftersales_cli.rules import penalties
from aftersales_cli.rules.case import Case, Complaint, Deadline
from aftersales_cli.rules.config import Rules
from aftersales_cli.rules.errors import Refused, RuleError
from aftersales_cli.rules.taxonomy import (
    AFTER_CLOSE_MILESTONES,
    CHAIN_MILESTONES,
    CLOSE_COMPLETES,
    CUSTOMER_NOTE_KINDS,
    INTERIM_MILESTONES,
    MILESTONE_KEYS,
    OPEN_STATUSES,
    PAYING_REMEDIES,
    QC_MILESTONES,
    SEVERITIES,
    SEVERITY_RANK,
)
from aftersales_cli.rules.triage import (
    Facts,
    Suggestion,
    check_severity,
    suggest,
    suggest_severity,
)


@dataclass(frozen=True, eq=False, kw_only=True)
class Intake(Complaint):
    """A validated complaint as the operator took it down, with the category and
    severity the operator chose (None: the suggestion's) and the reason for a severity
    below the suggested one."""

    category: str | None = None
    severity: str | None = None
    reason: str | None = None

    @property
    def facts(self) -> Facts:
        return Facts(self.description, self.people, self.ill, self.injured)


COMPLAINT_FIELDS = tuple(f.name for f in dataclasses.fields(Complaint))


class Closing(NamedTuple):
    """What the operator records at closure. `payments` are (kind, amount) paid now; an
    amount given without a kind (kind None) pays the first paying remedy."""

    remedies: tuple[str, ...]
    cause: str
    payments: tuple[tuple[str | None, Decimal], ...] = ()
    ours: bool | None = None
    finding: str | None = None
    supply_value: Decimal | None = None
    price: Decimal | None = None
    loss: Decimal | None = None
    staff: str | None = None
    note: str | None = None
    delivery_date: date | None = None

    @property
    def remedy(self) -> str:
        return self.remedies[0]


def payments_of(closing: Closing) -> list[tuple[str, Decimal]]:
    """The close's payments by kind: `--amount N` pays the first paying remedy given."""
    result: list[tuple[str, Decimal]] = []
    for kind, amount in closing.payments:
        if kind is None:
            paying = [r for r in closing.remedies if r in PAYING_REMEDIES]
            if not paying:
                raise RuleError(
                    "amount",
                    f"no paying remedy ({', '.join(PAYING_REMEDIES)}) among the remedies "
                    "given: write --amount KIND=N",
                )
            kind = paying[0]
        result.append((kind, amount))
    return result


def fining_needs(case: Case) -> list[str]:
    """What a fined close lacks to name its supply event (org, delivery day, batch or
    product)."""
    missing = []
    if not case.org:
        missing.append("--org (the client)")
    if case.delivery_date is None:
        missing.append("--delivery-date")
    if not (case.batch or case.product):
        missing.append("--batch or --product")
    return missing


def facts_of(case: Case) -> Facts:
    return Facts(case.description, case.people, case.ill, case.injured)


def _require_open(case: Case, action: str) -> None:
    if not case.is_open:
        raise Refused(
            "status",
            f"complaint {case.id} is {case.status}; {action} works only on open complaints "
            f"({', '.join(OPEN_STATUSES)})",
        )


def open_case(intake: Intake, now: datetime, rules: Rules) -> Case:
    """A new complaint with its suggested (or given) category and severity, so that its
    deadlines exist from the first second. On the hotline first contact is made at
    intake."""
    return triage_and_open(intake, now, rules)[0]


def check_complaint(complaint: Complaint, now: datetime) -> None:
    """What `log` (and `edit`) ask of the fields of a complaint taken together."""
    if complaint.received_at > now:
        raise RuleError("received_at", "must not be in the future")
    if (
        complaint.delivery_date is not None
        and complaint.delivery_date > complaint.received_at.date()
    ):
        raise RuleError("delivery_date", "must not be later than the day it was received")
    if (
        complaint.quantity is not None
        and complaint.defective is not None
        and complaint.defective > complaint.quantity
    ):
        raise RuleError("defective", "must not be more than --quantity")
    if complaint.onset_at is not None and complaint.onset_at > complaint.received_at:
        raise RuleError("onset", "must not be later than the time the complaint was received")


def triage_and_open(intake: Intake, now: datetime, rules: Rules) -> tuple[Case, Suggestion]:
    """`open_case`, with the suggestion it followed (and why), triaged once."""
    check_complaint(intake, now)
    suggestion = suggest(intake.facts, rules, category=intake.category)
    category, suggested = suggestion.category, suggestion.severity
    severity = intake.severity or suggested
    check_severity(severity, suggested, intake.reason)
    due = dl.due_times(severity, intake.received_at, rules, category, intake.org)
    deadlines = {m: due.get(m, Deadline()) for m in MILESTONE_KEYS}
    if intake.channel == "hotline":
        deadlines["contact"] = dl.complete(deadlines["contact"], intake.received_at)
    case = Case(
        **{name: getattr(intake, name) for name in COMPLAINT_FIELDS},
        category=category,
        severity=severity,
        status="new",
        department=rules.categories[category].department,
        deadlines=deadlines,
    )
    return case, suggestion


def classify(
    case: Case,
    category: str | None,
    severity: str | None,
    reason: str | None,
    now: datetime,
    rules: Rules,
) -> Case:
    """Confirm or change category and severity.

    Without --severity the case keeps its severity, unless the category changes: then it
    takes the new category's suggestion. Raising makes pending deadlines sooner (never
    sooner than now plus the new level's time); lowering always needs a reason and makes
    pending deadlines later (counted from receipt). Done milestones and breaches stay."""
    _require_open(case, "classify")
    new_category = category or case.category
    suggested, _ = suggest_severity(new_category, facts_of(case), rules)
    if severity is None:
        severity = case.severity if new_category == case.category else suggested
    check_severity(severity, suggested, reason)
    old_rank, new_rank = SEVERITY_RANK[case.severity], SEVERITY_RANK[severity]
    if new_rank < old_rank and not (reason and reason.strip()):
        raise RuleError(
            "reason",
            f"lowering severity from {SEVERITIES.label(case.severity)} to "
            f"{SEVERITIES.label(severity)} needs --reason",
        )
    case = _paused_so_far(case, now, rules)  # counted from now on by the new level's clocks
    deadlines = dict(case.deadlines)
    if new_rank > old_rank:
        deadlines = dl.raised(deadlines, severity, now, rules, case.org)
    elif new_rank < old_rank:
        deadlines = dl.lowered(
            deadlines, severity, case.received_at, rules, case.org, case.paused_minutes
        )
    if new_category != case.category:
        deadlines = dl.recategorised(deadlines, new_category, severity, now, rules)
    department = case.department
    if case.status in ("new", "classified"):
        department = rules.categories[new_category].department
    return dataclasses.replace(
        case,
        category=new_category,
        severity=severity,
        department=department,
        status="classified" if case.status == "new" else case.status,
        deadlines=deadlines,
    )


def assign(
    case: Case, department: str | None, assignee: str | None, rules: Rules, now: datetime
) -> Case:
    """Hand the case to a department (the category's unless named): that is `forward`
    done, the first time."""
    _require_open(case, "assign")
    department = department or rules.categories[case.category].department
    if assignee is None and department == case.department:
        assignee = case.assignee  # same department: the person stays on it
    deadlines = dict(case.deadlines)
    if deadlines["forward"].open:
        deadlines["forward"] = dl.complete(deadlines["forward"], now)
    return dataclasses.replace(
        case, department=department, assignee=assignee, status="assigned", deadlines=deadlines
    )


def _with_confirm(
    before: Mapping[str, Deadline], after: dict[str, Deadline], severity: str, rules: Rules
) -> dict[str, Deadline]:
    """`confirm` falls due once the department has finished: when investigation turns
    done (1 h after it, by default)."""
    finished = after["investigation"].done_at
    if before["investigation"].done_at is None and finished is not None:
        confirm = after["confirm"]
        if confirm.due_at is None and confirm.done_at is None:
            after["confirm"] = dl.confirm_due(finished, severity, rules)
    return after


def mark_done(
    case: Case,
    milestone: str,
    at: datetime,
    now: datetime,
    rules: Rules,
    reason: str | None = None,
) -> Case:
    """Record a milestone (and any earlier one of its chain still open: contact, plan,
    investigation; sample, lab_report) as done at `at`. Further back than the rules allow
    (`deadlines.backdate_needs_reason`) it needs the reason it is recorded late. QC's
    milestones and the confirmation are recorded on a closed case too."""
    if milestone not in INTERIM_MILESTONES:
        raise RuleError(
            "milestone",
            f"done records {', '.join(INTERIM_MILESTONES)}; resolution is recorded by close",
        )
    if milestone not in AFTER_CLOSE_MILESTONES:
        _require_open(case, f"done {milestone}")
    target = case.deadlines[milestone]
    if not target.applies:
        raise Refused("milestone", _not_applying(case, milestone, rules))
    if target.done_at is not None:
        raise Refused("milestone", f"{milestone} of complaint {case.id} is already done")
    if at > now:
        raise RuleError("at", "must not be in the future")
    if at < case.received_at:
        raise RuleError("at", "must not be before the complaint was received")
    if dl.add(at, rules.deadlines.backdate_needs_reason) < now and not (reason and reason.strip()):
        raise RuleError(
            "reason",
            f"--at is more than {rules.deadlines.backdate_needs_reason} before now: say why it is "
            "recorded late with --reason",
        )
    updated = dict(case.deadlines)
    chain = next((c for c in (CHAIN_MILESTONES, QC_MILESTONES) if milestone in c), (milestone,))
    for name in chain[: chain.index(milestone) + 1]:
        if updated[name].open:
            updated[name] = dl.complete(updated[name], at)
    return dataclasses.replace(
        case, deadlines=_with_confirm(case.deadlines, updated, case.severity, rules)
    )


def _not_applying(case: Case, milestone: str, rules: Rules) -> str:
    """Why `milestone` has no deadline on this case."""
    if milestone == "confirm":
        if case.deadlines["investigation"].done_at is None and case.closed_at is None:
            return (
                "confirm applies once the department has finished: record investigation "
                "done (or close the case) first"
            )
        return "confirm is switched off in the rules (deadlines.confirm)"
    if milestone in QC_MILESTONES:
        return (
            f"{milestone} applies to {', '.join(sorted(rules.deadlines.qc_categories))} "
            f"complaints (deadlines.qc_categories), not to {case.category}"
        )
    return f"{milestone} does not apply to a {case.severity} complaint"


def note(case: Case, kind: str, now: datetime) -> Case:
    """A progress note, at any status. One that reached the customer (a call, visit or
    message) is the first contact when that is still pending, and the confirmation of
    the result when that is due."""
    updated = dict(case.deadlines)
    if kind in CUSTOMER_NOTE_KINDS:
        for milestone in ("contact", "confirm"):
            if updated[milestone].open:
                updated[milestone] = dl.complete(updated[milestone], now)
    return dataclasses.replace(case, deadlines=updated, last_note_at=now)


def extend(
    case: Case,
    milestone: str,
    until: datetime,
    reason: str,
    now: datetime,
) -> Case:
    """A new time promised to the customer. Promised past the resolution deadline, the
    resolution moves with it (same time, same reason): the case stays coherent."""
    _require_open(case, "extend")
    if case.paused_at is not None:
        raise Refused(
            "status",
            f"complaint {case.id} is paused; resume it first (a time promised while its "
            "clocks are stopped would move when they run again)",
        )
    if milestone == "revisit":
        raise RuleError("milestone", "the revisit is not extended; record it with revisit")
    updated = dict(case.deadlines)
    updated[milestone] = dl.extend(case.deadlines[milestone], milestone, until, reason, now)
    resolution = updated["resolution"]
    if (
        milestone != "resolution"
        and resolution.open
        and resolution.due_at is not None
        and until > resolution.due_at
    ):
        updated["resolution"] = dl.extend(resolution, "resolution", until, reason, now)
    return dataclasses.replace(case, deadlines=updated)


def pause(case: Case, reason: str, now: datetime, rules: Rules) -> Case:
    """Stop the case's clocks (the customer cannot be reached, a sample is awaited from
    the customer): while paused its pending deadlines do not run; `resume` moves each by
    the paused time. Overdue lists it once paused `deadlines.pause_limit` (working days)."""
    if case.paused_at is not None:
        raise Refused(
            "status",
            f"complaint {case.id} is already paused (since {case.paused_at:%Y-%m-%d %H:%M}); "
            "resume it first",
        )
    if not any(d.open and not d.late for d in case.deadlines.values()):
        raise Refused("status", f"complaint {case.id} has no deadline running; nothing to pause")
    text = (reason or "").strip()
    if not text:
        raise RuleError(
            "reason",
            "a pause needs its reason (the customer cannot be reached, a sample is "
            "awaited from the customer…)",
        )
    limit = dl.due(now, rules.deadlines.pause_limit, rules.calendar.work_calendar())
    return dataclasses.replace(
        case, paused_at=now, pause_reason=text, pause_limit_at=limit.due_at, pause_applied_at=now
    )


def resume(case: Case, now: datetime, rules: Rules) -> Case:
    """The clocks run again: each pending deadline moves by the paused time — working
    minutes on a business-time clock, elapsed time on a 24/7 one. Breaches recorded
    before the pause stay breached."""
    if case.paused_at is None:
        raise Refused("status", f"complaint {case.id} is not paused; nothing to resume")
    return _end_pause(case, now, rules)


def _paused_so_far(case: Case, now: datetime, rules: Rules) -> Case:
    """A paused case with its pending deadlines moved by the pause up to `now` (which
    then counts on from now): before a step that sets deadlines by the clock while
    paused (a reclassification), so that no paused time is lost or counted twice."""
    since = case.pause_applied_at
    if since is None or now <= since:
        return case
    cal = rules.calendar.work_calendar() if _counted(case) else None
    moved = {m: dl.resumed(d, since, now, cal) for m, d in case.deadlines.items()}
    elapsed_minutes = int((now - since).total_seconds() // 60)
    return dataclasses.replace(
        case,
        deadlines=moved,
        pause_applied_at=now,
        paused_minutes=case.paused_minutes + elapsed_minutes,
    )


def _counted(case: Case) -> bool:
    return any(d.counting is not None for d in case.deadlines.values())


def _end_pause(case: Case, now: datetime, rules: Rules) -> Case:
    """The pause over (resumed, or ended by a close or a revisit), its time applied."""
    if case.paused_at is None:
        return case
    return dataclasses.replace(
        _paused_so_far(case, now, rules),
        paused_at=None,
        pause_reason=None,
        pause_limit_at=None,
        pause_applied_at=None,
    )


def recounted(case: Case, rules: Rules) -> Case:
    """The case's pending business-time deadlines counted again by the calendar in force
    (a holiday notice entered after they were set): the same working time from the same
    start, moved by the same pauses. A time promised to the customer (an extension), a
    breach and a done milestone stay as they are."""
    cal = rules.calendar.work_calendar() if _counted(case) else None
    if cal is None:
        return case
    updated = {
        m: dl.counted_again(d, cal) if d.open and not d.late and d.extended_from is None else d
        for m, d in case.deadlines.items()
    }
    return dataclasses.replace(case, deadlines=updated)


def close(case: Case, closing: Closing, now: datetime, rules: Rules) -> Case:
    """Close the case: remedies, cause, responsibility, and what the policy asks of them.

    Refused: a food-safety or illness case without a finding; a penalty finding whose
    cause is unknown unless --ours/--not-ours decides it; a defect-list finding without
    an exchange or return (001 §6); a fining close without its supply event (org,
    delivery day, batch or product) or supply value. The fine itself is the supply
    event's (`rules.ledger`): the shell sets `penalty` after numbering the client's
    events. Closing a paused case ends the pause (its time applied first).
    """
    _require_open(case, "close")
    case = _end_pause(case, now, rules)
    if closing.finding is None and case.category in rules.statutory.categories:
        raise RuleError(
            "finding",
            f"closing a {case.category} case needs --finding (what was confirmed; "
            "none when nothing was found)",
        )
    ours = (
        closing.ours
        if closing.ours is not None
        else penalties.ours_by_default(closing.cause, rules)
    )
    if closing.finding in rules.penalties.findings and ours is None:
        raise Refused(
            "cause",
            f"a {closing.finding} finding with cause {closing.cause} leaves responsibility "
            "open: find the cause, or say --ours or --not-ours",
        )
    penalties.require_exchange(closing.finding, ours, closing.remedies)
    delivery = closing.delivery_date or case.delivery_date
    if delivery is not None and delivery > case.received_at.date():
        raise RuleError("delivery_date", "must not be later than the day it was received")
    supply_value = closing.supply_value if closing.supply_value is not None else case.supply_value
    dated = dataclasses.replace(case, delivery_date=delivery)
    if penalties.is_penalty_finding(closing.finding, ours, rules):
        missing = fining_needs(dated)
        if supply_value is None:
            missing.insert(0, "--supply-value (that product's supply value that day)")
        if missing:
            raise RuleError(
                missing[0].split()[0].lstrip("-").replace("-", "_"),
                f"a confirmed {closing.finding} case that is ours fines its supply event "
                f"(the client, the delivery day, the batch or product): add " + ", ".join(missing),
            )
    paid = payments_of(closing)
    statutory = None
    if penalties.is_statutory_case(case.category, closing.finding, ours, rules):
        statutory = penalties.statutory_compensation(
            case.people, closing.price, closing.loss, rules
        ).total
    fine = penalties.staff_fine(case.category, ours, closing.staff, rules)
    updated = dict(case.deadlines)
    for milestone in (*CLOSE_COMPLETES, "resolution"):
        if updated[milestone].open:
            updated[milestone] = dl.complete(updated[milestone], now)
    updated["revisit"] = dl.again(updated["revisit"], dl.revisit_due(now, case.severity, rules))
    confirm = updated["confirm"]
    if case.deadlines["investigation"].done_at is None and confirm.due_at is None:
        if confirm.done_at is None:  # no investigation before the close: due after it
            updated["confirm"] = dl.confirm_due(now, case.severity, rules)
    return dataclasses.replace(
        dated,
        status="closed",
        remedy=closing.remedy,
        remedies=closing.remedies,
        amount=sum((a for _, a in paid), Decimal(0)) if paid else None,
        cause=closing.cause,
        ours=ours,
        finding=closing.finding,
        note=closing.note,
        supply_value=supply_value,
        price=closing.price,
        loss=closing.loss,
        staff=closing.staff,
        staff_fine=fine,
        statutory_compensation=statutory,
        incident=case.incident or penalties.is_incident(closing.finding, ours, rules),
        closed_at=now,
        deadlines=updated,
    )


def revisit(
    case: Case,
    satisfaction: int,
    method: str,
    note: str | None,
    now: datetime,
    rules: Rules,
) -> Case:
    """The follow-up call. 1–2 reopens the case with a fresh resolution deadline counted
    from now; 3–5 ends it. Either ends a pause (its time applied first)."""
    if case.status != "closed":
        raise Refused(
            "status",
            f"complaint {case.id} is {case.status}; only a closed complaint is revisited",
        )
    case = _end_pause(case, now, rules)
    updated = dict(case.deadlines)
    updated["revisit"] = dl.complete(updated["revisit"], now)
    common: dict[str, Any] = {
        "satisfaction": satisfaction,
        "revisit_method": method,
        "revisit_note": note,
    }
    if satisfaction > rules.revisit.reopen_max:
        return dataclasses.replace(case, status="revisited", deadlines=updated, **common)
    # The resolution starts again from now; this revisit stays on record (done), so that a
    # late one still counts, until the next close schedules the next.
    updated["resolution"] = dl.again(
        updated["resolution"], dl.resolution_due(case.severity, now, rules, case.org)
    )
    return dataclasses.replace(
        case,
        status="reopened",
        reopened_at=now,
        reopen_count=case.reopen_count + 1,
        closed_at=None,
        deadlines=updated,
        **common,
    )


# What `edit` corrects: the intake data, as the operator took it down (category and
# severity are `classify`'s; the delivery time comes with the delivery date).
EDITABLE: tuple[str, ...] = (
    "customer",
    "phone",
    "org",
    "order_no",
    "product",
    "batch",
    "delivery_date",
    "delivered_at",
    "quantity",
    "defective",
    "description",
    "request",
    "people",
    "ill",
    "injured",
    "received_at",
    "symptoms",
    "onset_at",
    "eaten",
    "hospital",
)


def edit(
    case: Case,
    values: Mapping[str, Any],
    logged_at: datetime | None,
    now: datetime,
    rules: Rules,
) -> Case:
    """Correct the intake data of a case, open or closed: `values` are fields of
    `EDITABLE`, already checked one by one as `log` checks them; here they are checked
    together, as `log` checks them (`check_complaint`). One that changes nothing is
    refused.

    A corrected received time may not lie after the moment the case was logged
    (`logged_at`) or after any milestone done (the hotline's first contact, made at
    intake, moves with it). Every deadline counted from the receipt (the due of today's
    table for the case's severity and client, not extended) is counted again from the
    corrected time, by the corrected client's terms;
    one promised by `extend`, counted from a raised severity or a reopening keeps its due.
    A breach stays a breach; a due that now lies in the past is breached as of `now`.
    The statutory compensation suggested follows a corrected number of people."""
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise RuleError(unknown[0], "is not corrected by edit (" + ", ".join(EDITABLE) + ")")
    changed = {name: value for name, value in values.items() if getattr(case, name) != value}
    if not changed:
        raise Refused("edit", f"nothing to change: complaint {case.id} already says so")
    after = dataclasses.replace(case, **changed)
    check_complaint(after, now)
    if "received_at" in changed or "org" in changed:
        after = dataclasses.replace(
            after, deadlines=_counted_again(case, after, logged_at, now, rules)
        )
    if "people" in changed and case.statutory_compensation is not None:
        statutory = penalties.statutory_compensation(after.people, case.price, case.loss, rules)
        after = dataclasses.replace(after, statutory_compensation=statutory.total)
    return after


def _counted_again(
    case: Case, after: Case, logged_at: datetime | None, now: datetime, rules: Rules
) -> dict[str, Deadline]:
    """The deadlines of `case` once its received time or its client (whose contract may
    have stricter terms) is corrected as in `after`."""
    received = after.received_at
    if logged_at is not None and received > logged_at:
        raise RuleError(
            "received_at",
            f"must not be later than when the complaint was logged ({logged_at:%Y-%m-%d %H:%M})",
        )
    updated = dict(case.deadlines)
    contact = updated["contact"]
    if case.channel == "hotline" and contact.done_at == case.received_at:
        updated["contact"] = dataclasses.replace(contact, done_at=received)  # made at intake
    for milestone, deadline in updated.items():
        if deadline.done_at is not None and received > deadline.done_at:
            raise RuleError(
                "received_at",
                f"must not be later than when {milestone} was done "
                f"({deadline.done_at:%Y-%m-%d %H:%M})",
            )
    was = dl.due_times(case.severity, case.received_at, rules, case.category, case.org)
    due = dl.due_times(case.severity, received, rules, case.category, after.org)
    for milestone, old in was.items():
        deadline = updated[milestone]
        if (
            deadline.due_at is None
            or deadline.due_at != old.due_at
            or deadline.extended_from is not None
            or (milestone == "resolution" and case.reopen_count)
        ):
            continue  # not counted from the receipt
        breached = deadline.late or deadline.outcome == "breached"
        fresh = due[milestone]
        updated[milestone] = dl.settle(
            dataclasses.replace(
                deadline, due_at=fresh.due_at, counting=fresh.counting, late=breached
            ),
            now,
        )
    return updated


def settle(case: Case, now: datetime, rules: Rules) -> tuple[Case, list[str]]:
    """The case as of `now`, before a command changes it: every pending milestone whose
    deadline has passed is breached for good (so nothing the command does can make it
    met). Returns the milestones whose breach the history does not record yet — the
    shell writes one `breached` event each — and escalates an urgent case the first time.
    A paused case's deadlines do not run: nothing is breached while it is paused."""
    if case.paused:
        return case, []
    updated = dict(case.deadlines)
    noted: list[str] = []
    for milestone, deadline in case.deadlines.items():
        settled = dl.settle(deadline, now)
        if settled is deadline:
            continue
        if not settled.breach_noted:
            settled = dataclasses.replace(settled, breach_noted=True)
            noted.append(milestone)
        updated[milestone] = settled
    if updated == case.deadlines:
        return case, []
    return dataclasses.replace(
        case, deadlines=updated, escalated_at=_escalation(case, noted, now, rules)
    ), noted


def _escalation(case: Case, noted: list[str], now: datetime, rules: Rules) -> datetime | None:
    if (
        noted
        and case.escalated_at is None
        and case.severity in rules.severity.escalate_when_overdue
    ):
        return now
    return case.escalated_at


def _overdue(deadline: Deadline, now: datetime) -> bool:
    """Done after its deadline, or still pending past it."""
    if deadline.due_at is None:
        return False
    return (deadline.done_at or now) > deadline.due_at


def note_breaches(before: Case, after: Case, now: datetime, rules: Rules) -> tuple[Case, list[str]]:
    """Milestones this step left overdue whose breach the history does not record yet.
    They are marked as noted — the shell writes one `breached` event each — and an urgent
    case is escalated to management the first time."""
    if after.paused:
        return after, []
    updated = dict(after.deadlines)
    noted: list[str] = []
    for milestone, deadline in after.deadlines.items():
        if deadline.breach_noted or deadline == before.deadlines.get(milestone):
            continue
        if _overdue(deadline, now):
            updated[milestone] = dataclasses.replace(deadline, breach_noted=True)
            noted.append(milestone)
    if not noted:
        return after, []
    escalated = _escalation(after, noted, now, rules)
    return dataclasses.replace(after, deadlines=updated, escalated_at=escalated), noted


def _flatten(case: Case | None) -> dict[str, Any]:
    if case is None:
        return {}
    flat: dict[str, Any] = {}
    for f in dataclasses.fields(Case):
        value = getattr(case, f.name)
        if f.name == "deadlines":
            deadlines: Mapping[str, Deadline] = value
            for milestone, deadline in deadlines.items():
                for sub in dataclasses.fields(Deadline):
                    # breach_noted: its own `breached` event says so; counting: how the
                    # due was counted, which `show` explains (the due's change is here)
                    if sub.name not in ("breach_noted", "counting"):
                        flat[f"deadlines.{milestone}.{sub.name}"] = getattr(deadline, sub.name)
        elif f.name == "penalty":
            for part in ("offence", "multiplier", "amount"):
                flat[f"penalty.{part}"] = getattr(value, part) if value else None
        elif f.name == "remedies":
            flat[f.name] = ",".join(value) or None
        elif f.name != "id":
            flat[f.name] = value
    return flat


def changes(before: Case | None, after: Case) -> dict[str, tuple[Any, Any]]:
    """Every field whose value differs, as (old, new); for a new case every field set."""
    old, new = _flatten(before), _flatten(after)
    return {
        key: (old.get(key), value)
        for key, value in new.items()
        if old.get(key) != value and not (before is None and value in (None, False, 0))
    }
