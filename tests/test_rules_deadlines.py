"""Deadlines, states and extensions (POLICY.md §3, issue decisions on deadline states)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pendulum
import pytest
from conftest import TWENTY_FOUR_SEVEN
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.rules import deadlines as dl
from aftersales_cli.rules.case import Deadline
from aftersales_cli.rules.config import Rules, default_rules, parse_rules
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.rules.taxonomy import CHAIN_MILESTONES, INTAKE_MILESTONES, SEVERITY_RANK

RULES = default_rules()
H24 = parse_rules(TWENTY_FOUR_SEVEN, "test")  # every clock 24/7: the arithmetic itself
TZ = pendulum.timezone("Asia/Shanghai")
T0 = pendulum.datetime(2026, 11, 22, 10, 0, tz=TZ)  # a Sunday
MONDAY = pendulum.datetime(2026, 11, 23, 8, 0, tz=TZ)  # the first working moment after T0


def due_at(
    severity: str, received: datetime, rules: Rules, category: str | None = None
) -> dict[str, datetime | None]:
    """When each milestone of a case received at `received` is due (None: n/a)."""
    return {m: d.due_at for m, d in dl.due_times(severity, received, rules, category).items()}


def test_qc_deadlines_from_receipt_on_their_categories() -> None:
    """A sample spoils at weekends too: QC's clocks run 24/7 even on a general case."""
    due = due_at("general", T0, RULES, "foreign_object")
    assert (due["sample"], due["lab_report"]) == (T0.add(hours=24), T0.add(hours=48))
    due = due_at("general", T0, RULES, "wrong_delivery")
    assert (due["sample"], due["lab_report"]) == (None, None)
    assert dl.confirm_due(T0, "urgent", RULES).due_at == T0.add(hours=1)
    # a general confirm follows the contact clock: in working time, from Monday 08:00
    assert dl.confirm_due(T0, "general", RULES).due_at == MONDAY.add(hours=1)


def test_urgent_deadlines_from_receipt() -> None:
    due = due_at("urgent", T0, RULES)
    assert due == {
        "contact": T0.add(minutes=30),
        "forward": T0.add(minutes=15),
        "plan": T0.add(hours=2),
        "investigation": T0.add(hours=4),
        "resolution": T0.add(hours=24),
    }


def test_non_urgent_has_no_investigation() -> None:
    due = due_at("non_urgent", T0, H24)
    assert due["investigation"] is None
    assert due["contact"] == T0.add(hours=24)
    assert due["resolution"] == T0.add(hours=48)


def test_non_urgent_days_are_working_days_from_the_first_working_moment() -> None:
    """Received on a Sunday: counted from Monday 08:00, "1d" the same time a working day
    on (DECISIONS §14)."""
    due = due_at("non_urgent", T0, RULES)
    assert due["investigation"] is None
    assert due["contact"] == MONDAY.add(days=1)
    assert due["resolution"] == MONDAY.add(days=2)


def test_a_general_complaint_on_friday_evening_is_due_on_monday() -> None:
    friday = pendulum.datetime(2026, 11, 20, 17, 30, tz=TZ)
    due = due_at("general", friday, RULES)
    assert due["contact"] == MONDAY.add(minutes=30)  # 30 working minutes Friday, 30 Monday
    assert due["plan"] == MONDAY.add(hours=3, minutes=30)
    assert due["resolution"] == friday.add(days=3)  # the same time on the next working day
    assert due_at("urgent", friday, RULES)["contact"] == friday.add(minutes=30)  # 24/7


def test_revisit_is_three_calendar_days_after_close() -> None:
    assert dl.revisit_due(T0, "urgent", RULES).due_at == pendulum.datetime(
        2026, 11, 25, 10, 0, tz=TZ
    )
    assert dl.revisit_due(T0, "general", H24).due_at == pendulum.datetime(
        2026, 11, 25, 10, 0, tz=TZ
    )


def test_a_general_revisit_is_three_working_days_after_close() -> None:
    assert dl.revisit_due(T0, "general", RULES).due_at == MONDAY.add(days=3)


def test_hours_are_elapsed_time_across_a_dst_change() -> None:
    ny = pendulum.timezone("America/New_York")
    before = pendulum.datetime(2026, 3, 7, 12, 0, tz=ny)  # DST starts 2026-03-08 02:00
    resolution = dl.resolution_due("urgent", before, RULES).due_at
    assert resolution is not None and resolution - before == timedelta(hours=24)
    revisit = dl.revisit_due(before, "urgent", RULES).due_at
    assert revisit is not None
    assert (revisit.hour, revisit.day) == (12, 10)  # days move on the local calendar


def test_states() -> None:
    due = T0.add(hours=1)
    d = Deadline(due_at=due)
    assert d.state(T0) == "pending"
    assert d.state(due) == "pending"  # not yet passed at the very second
    assert d.state(due.add(seconds=1)) == "breached"
    assert Deadline(due_at=due, done_at=due).state(T0) == "met"
    assert Deadline(due_at=due, done_at=due.add(minutes=1)).state(due) == "breached"
    assert Deadline().state(T0) == "n/a"


def test_extension_before_the_deadline_moves_it() -> None:
    d = Deadline(due_at=T0.add(hours=1))
    later = dl.extend(d, "resolution", T0.add(hours=5), "等待检测报告", now=T0.add(minutes=30))
    assert later.due_at == T0.add(hours=5)
    assert later.extended_from == T0.add(hours=1)
    assert later.reason == "等待检测报告"
    assert later.state(T0.add(hours=3)) == "pending"
    assert dl.complete(later, T0.add(hours=4)).state(T0.add(hours=4)) == "met"


def test_extension_after_the_deadline_does_not_erase_the_breach() -> None:
    d = Deadline(due_at=T0.add(hours=1))
    later = dl.extend(d, "resolution", T0.add(hours=5), "客户同意", now=T0.add(hours=2))
    assert later.due_at == T0.add(hours=5)  # overdue stops repeating it until then
    assert later.state(T0.add(hours=3)) == "breached"
    assert dl.complete(later, T0.add(hours=4)).state(T0.add(hours=4)) == "breached"


def test_a_second_extension_keeps_the_original_due_time() -> None:
    d = Deadline(due_at=T0.add(hours=1))
    once = dl.extend(d, "plan", T0.add(hours=2), "a", now=T0)
    twice = dl.extend(once, "plan", T0.add(hours=3), "b", now=T0.add(minutes=10))
    assert twice.extended_from == T0.add(hours=1)
    assert twice.reason == "b"


@pytest.mark.parametrize(
    ("deadline", "until", "field"),
    [
        (Deadline(due_at=T0.add(hours=1)), T0.add(minutes=-5), "until"),
        (Deadline(due_at=T0.add(hours=3)), T0.add(hours=2), "until"),
        (Deadline(), T0.add(hours=2), "milestone"),
        (Deadline(due_at=T0.add(hours=1), done_at=T0), T0.add(hours=2), "milestone"),
    ],
)
def test_extensions_that_make_no_sense_are_refused(
    deadline: Deadline, until: pendulum.DateTime, field: str
) -> None:
    with pytest.raises(RuleError) as caught:
        dl.extend(deadline, "plan", until, "reason", now=T0)
    assert caught.value.field == field


def test_raising_makes_pending_deadlines_sooner_from_now_and_keeps_what_is_done() -> None:
    deadlines = dl.due_times("general", T0, H24)
    deadlines["contact"] = dl.complete(deadlines["contact"], T0.add(minutes=10))
    now = T0.add(minutes=40)
    raised = dl.raised(deadlines, "urgent", now, H24)
    assert raised["contact"] == deadlines["contact"]  # done: stays
    assert raised["plan"].due_at == now.add(hours=2)  # sooner than T0 + 4 h
    assert raised["investigation"].due_at == now.add(hours=4)
    assert raised["resolution"].due_at == T0.add(hours=24)  # sooner than now + 24 h: stays


def test_raising_a_weekend_case_to_urgent_makes_it_due_on_the_weekend() -> None:
    deadlines = dl.due_times("general", T0, RULES)  # contact Monday 09:00 in working time
    now = T0.add(minutes=40)
    raised = dl.raised(deadlines, "urgent", now, RULES)
    assert raised["contact"].due_at == now.add(minutes=30)  # urgent runs 24/7
    assert raised["contact"].counting is None  # and says nothing of working days
    assert raised["resolution"].due_at == now.add(hours=24)  # sooner than Tuesday 08:00


def test_raising_a_non_urgent_case_gives_it_an_investigation() -> None:
    deadlines = dl.due_times("non_urgent", T0, H24)
    assert deadlines["investigation"].due_at is None
    raised = dl.raised(deadlines, "general", T0.add(hours=2), H24)
    assert raised["investigation"].due_at == T0.add(hours=10)
    # in working time: 8 working hours from Monday 08:00
    raised = dl.raised(dl.due_times("non_urgent", T0, RULES), "general", T0.add(hours=2), RULES)
    assert raised["investigation"].due_at == MONDAY.add(hours=8)


def test_lowering_moves_only_pending_deadlines_later() -> None:
    deadlines = dl.due_times("urgent", T0, H24)
    deadlines["contact"] = Deadline(due_at=T0.add(minutes=30), late=True)  # breached
    deadlines["plan"] = dl.complete(deadlines["plan"], T0.add(hours=1))
    lowered = dl.lowered(deadlines, "non_urgent", T0, H24)
    assert lowered["contact"].late and lowered["contact"].due_at == T0.add(hours=24)
    assert lowered["plan"] == deadlines["plan"]
    assert lowered["investigation"].due_at is None  # a non-urgent case has none
    assert lowered["resolution"].due_at == T0.add(hours=48)


def test_lowering_a_weekend_case_counts_the_new_level_in_working_days() -> None:
    lowered = dl.lowered(dl.due_times("urgent", T0, RULES), "non_urgent", T0, RULES)
    assert lowered["contact"].due_at == MONDAY.add(days=1)
    assert lowered["resolution"].due_at == MONDAY.add(days=2)
    assert lowered["resolution"].counting is not None


@given(
    st.sampled_from(["non_urgent", "general"]),
    st.sampled_from(["general", "urgent"]),
    st.integers(0, 3000),
)
def test_raising_is_never_sooner_than_now_plus_the_new_time_nor_later_than_before(
    old: str, new: str, minutes: int
) -> None:
    deadlines = dl.due_times(old, T0, H24)
    now = T0.add(minutes=minutes)
    raised = dl.raised(deadlines, new, now, H24)
    for milestone, deadline in raised.items():
        duration = H24.deadlines.by_severity[new].get(milestone)
        if deadline.due_at is None or duration is None:
            continue
        assert deadline.due_at >= min(dl.add(now, duration), deadlines[milestone].due_at or now)
        if deadlines[milestone].due_at is not None:
            assert deadline.due_at <= deadlines[milestone].due_at


@given(
    st.sampled_from(["non_urgent", "general"]),
    st.sampled_from(["general", "urgent"]),
    st.integers(0, 60 * 24 * 9),
)
def test_raising_in_working_time_gives_the_new_time_in_working_minutes(
    old: str, new: str, minutes: int
) -> None:
    """On the defaults: a raised deadline is never later than before, and one moved
    leaves at least the new level's time — counted in working minutes where its clock
    runs in business time, in elapsed time where it runs 24/7."""
    from aftersales_cli.rules import business

    cal = RULES.calendar.work_calendar()
    deadlines = dl.due_times(old, T0, RULES)
    now = T0.add(minutes=minutes)
    raised = dl.raised(deadlines, new, now, RULES)
    for milestone, deadline in raised.items():
        duration = RULES.deadlines.by_severity[new].get(milestone)
        before = deadlines[milestone].due_at
        if deadline.due_at is None or duration is None or duration.days:
            continue
        if before is not None:
            assert deadline.due_at <= before
            if deadline.due_at == before:
                continue
        if RULES.deadlines.business(new, milestone):
            assert business.minutes_between(now, deadline.due_at, cal) == duration.minutes
        else:
            assert deadline.due_at - now == timedelta(minutes=duration.minutes)


def test_retained_sample_window() -> None:
    day = pendulum.date(2026, 11, 21)
    assert dl.sample_sealable_until("food_safety", day, None, T0, RULES) == pendulum.datetime(
        2026, 11, 23, 0, 0, tz=TZ
    )
    served = pendulum.datetime(2026, 11, 21, 11, 30, tz=TZ)
    assert dl.sample_sealable_until("illness", day, served, T0, RULES) == served.add(hours=48)
    assert dl.sample_sealable_until("delivery_delay", day, None, T0, RULES) is None
    assert dl.sample_sealable_until("food_safety", None, None, T0, RULES) is None


times = st.datetimes(
    min_value=pendulum.datetime(2020, 1, 1).naive(), max_value=pendulum.datetime(2035, 1, 1).naive()
).map(lambda d: pendulum.instance(d, tz=TZ))


@given(times, st.sampled_from([RULES, H24]))
def test_milestones_come_in_order_and_urgent_is_never_later(
    received: pendulum.DateTime, rules: Rules
) -> None:
    by_severity = {s: due_at(s, received, rules) for s in rules.deadlines.by_severity}
    for due in by_severity.values():
        ordered = [due[m] for m in CHAIN_MILESTONES if due[m] is not None]
        assert ordered == sorted(ordered)
        assert all(d > received for d in ordered)
    ranked = sorted(by_severity, key=lambda s: -SEVERITY_RANK[s])
    for stricter, looser in zip(ranked, ranked[1:], strict=False):
        for m in INTAKE_MILESTONES:
            a, b = by_severity[stricter][m], by_severity[looser][m]
            if a is not None and b is not None:
                assert a <= b


@given(times, st.integers(0, 60 * 48), st.integers(1, 60 * 48), st.integers(0, 60 * 72))
def test_an_extension_never_turns_a_breach_into_met(
    received: pendulum.DateTime, recorded_after: int, extra: int, done_after: int
) -> None:
    d = Deadline(due_at=received.add(hours=1))
    now = received.add(minutes=recorded_after)
    until = max(d.due_at, now).add(minutes=extra)  # type: ignore[type-var]
    extended = dl.extend(d, "plan", until, "r", now)
    done = dl.complete(extended, now.add(minutes=done_after))
    if now > d.due_at:  # type: ignore[operator]
        assert done.state(done.done_at) == "breached"  # type: ignore[arg-type]
    elif done.done_at <= until:  # type: ignore[operator]
        assert done.state(done.done_at) == "met"  # type: ignore[arg-type]


@given(
    st.sampled_from(["urgent", "general"]),
    st.sampled_from(["general", "non_urgent"]),
    st.integers(0, 3000),
    st.booleans(),
    st.sampled_from([RULES, H24]),
)
def test_lowering_never_makes_a_deadline_sooner_nor_touches_what_is_decided(
    old: str, new: str, minutes: int, contact_done: bool, rules: Rules
) -> None:
    if SEVERITY_RANK[new] >= SEVERITY_RANK[old]:
        return
    deadlines = dl.due_times(old, T0, rules)
    now = T0.add(minutes=minutes)
    if contact_done:
        deadlines["contact"] = dl.complete(deadlines["contact"], now)
    settled = {m: dl.settle(d, now) for m, d in deadlines.items()}
    lowered = dl.lowered(settled, new, T0, rules)
    for milestone, before in settled.items():
        after = lowered[milestone]
        if before.done_at is not None:
            assert after == before  # decided: kept
        elif before.late:
            assert after.late and after.state(now) == "breached"  # a breach stays
        elif after.due_at is not None and before.due_at is not None:
            assert after.due_at >= before.due_at  # never sooner
