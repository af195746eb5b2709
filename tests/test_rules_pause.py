"""Properties of `lifecycle.pause` and `lifecycle.resume` (pure, issue 14): for any
received time, severity and pause, resume never moves a pending deadline earlier, leaves a
breached or done one where it was, and gives each pending one back the time it had left
when paused — elapsed time on a 24/7 clock (urgent), working minutes on a business-time
one (general, non-urgent), counted by the default calendar."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aftersales_cli.rules import business, lifecycle
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.config import default_rules
from aftersales_cli.rules.errors import Refused
from aftersales_cli.rules.lifecycle import Intake

RULES = default_rules()
CAL = RULES.calendar.work_calendar()
TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 2, 0, 0, tzinfo=TZ)  # a Monday; no holiday before December

minutes = st.integers


def opened(received: datetime, severity: str) -> Case:
    intake = Intake(
        received_at=received,
        channel="online",
        customer="张伟",
        phone="13812345678",
        description="米饭偏硬",
        severity=severity,
        reason="a property",
    )
    return dataclasses.replace(lifecycle.open_case(intake, received, RULES), id=1)


@settings(max_examples=150, deadline=None)
@given(
    received=minutes(0, 14 * 24 * 60),
    severity=st.sampled_from(["urgent", "general", "non_urgent"]),
    until_pause=minutes(0, 3 * 24 * 60),
    paused=minutes(0, 10 * 24 * 60),
)
def test_resume_gives_each_pending_deadline_back_the_time_it_had_left(
    received: int, severity: str, until_pause: int, paused: int
) -> None:
    received_at = START + timedelta(minutes=received)
    pause_at = received_at + timedelta(minutes=until_pause)
    resume_at = pause_at + timedelta(minutes=paused)
    case, _ = lifecycle.settle(opened(received_at, severity), pause_at, RULES)
    try:
        before = lifecycle.pause(case, "客户电话无人接听", pause_at, RULES)
    except Refused:
        assume(False)  # nothing running to pause
        return
    during, noted = lifecycle.settle(before, resume_at, RULES)
    assert (during, noted) == (before, [])  # nothing breaches while paused
    after = lifecycle.resume(during, resume_at, RULES)
    assert after.paused_at is None and after.pause_applied_at is None
    assert after.paused_minutes == paused
    for milestone, was in before.deadlines.items():
        now = after.deadlines[milestone]
        if not was.open or was.late:  # done, breached, or not applying: untouched
            assert now == was, milestone
            continue
        assert was.due_at is not None and now.due_at is not None
        assert now.due_at >= was.due_at, milestone
        if was.counting is None:  # 24/7: moved by the elapsed time
            assert now.due_at - resume_at == was.due_at - pause_at, milestone
        else:  # business time: the working minutes it had left
            left = business.minutes_between(pause_at, was.due_at, CAL)
            assert business.minutes_between(resume_at, now.due_at, CAL) == left, milestone
