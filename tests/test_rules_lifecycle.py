"""The status flow as pure functions: each step from case to case, refusals with reasons."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pendulum
import pytest
from conftest import TWENTY_FOUR_SEVEN
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from aftersales_cli.rules import lifecycle
from aftersales_cli.rules.case import Case, Deadline
from aftersales_cli.rules.config import Rules, default_rules, parse_rules
from aftersales_cli.rules.errors import Refused, RuleError
from aftersales_cli.rules.lifecycle import Closing, Intake

RULES = default_rules()
H24 = parse_rules(TWENTY_FOUR_SEVEN, "test")  # every clock 24/7
TZ = pendulum.timezone("Asia/Shanghai")
T0 = pendulum.datetime(2026, 11, 22, 10, 0, tz=TZ)  # a Sunday
MONDAY = pendulum.datetime(2026, 11, 23, 8, 0, tz=TZ)  # the first working moment after T0


def intake(**kw: object) -> Intake:
    base: dict[str, object] = {
        "received_at": T0,
        "channel": "online",
        "customer": "张伟",
        "phone": "13812345678",
        "description": "米饭偏硬",
    }
    base.update(kw)
    return Intake(**base)  # type: ignore[arg-type]


def new_case(rules: Rules = RULES, **kw: object) -> Case:
    case = lifecycle.open_case(intake(**kw), T0, rules)

    return dataclasses.replace(case, id=1)


def test_intake_suggests_category_severity_department_and_sets_deadlines() -> None:
    case = new_case(description="鸡腿没熟")
    assert (case.status, case.category, case.severity, case.department) == (
        "new",
        "food_quality",
        "general",
        "production",
    )
    # received on a Sunday: a general contact is due an hour into Monday's working time
    assert case.deadlines["contact"].due_at == MONDAY.add(hours=1)
    assert case.deadlines["contact"].done_at is None
    assert case.deadlines["revisit"].due_at is None


def test_on_the_hotline_first_contact_is_made_at_intake() -> None:
    case = new_case(channel="hotline")
    assert case.deadlines["contact"].done_at == T0
    assert case.deadlines["contact"].state(T0) == "met"


def test_intake_refuses_the_future_and_impossible_counts() -> None:
    with pytest.raises(RuleError, match="received_at"):
        lifecycle.open_case(intake(received_at=T0.add(minutes=1)), T0, RULES)
    with pytest.raises(RuleError, match="defective"):
        lifecycle.open_case(intake(quantity=3, defective=5), T0, RULES)
    with pytest.raises(RuleError, match="delivery_date"):
        lifecycle.open_case(intake(delivery_date=pendulum.date(2026, 11, 23)), T0, RULES)


def test_lowering_at_intake_needs_a_reason() -> None:
    with pytest.raises(RuleError, match="reason"):
        new_case(description="孩子吃完腹泻", severity="general")
    case = new_case(description="孩子吃完腹泻", severity="general", reason="医生确认与饮食无关")
    assert case.severity == "general"


def test_classify_raising_counts_from_the_reclassification_and_confirms() -> None:
    case = new_case(description="鸡腿没熟")  # general: contact due T0 + 1 h
    later = T0.add(minutes=20)
    classified = lifecycle.classify(case, "food_safety", None, None, later, RULES)
    assert classified.status == "classified"
    assert classified.severity == "urgent"
    assert classified.department == "quality_control"
    assert classified.deadlines["contact"].due_at == later.add(minutes=30)


def test_backdating_done_needs_a_reason() -> None:
    now = T0.add(hours=1)
    with pytest.raises(RuleError) as caught:
        lifecycle.mark_done(new_case(), "contact", now.subtract(minutes=11), now, RULES)
    assert caught.value.field == "reason"
    ten = lifecycle.mark_done(new_case(), "contact", now.subtract(minutes=10), now, RULES)
    assert ten.deadlines["contact"].done_at == now.subtract(minutes=10)
    told = lifecycle.mark_done(new_case(), "contact", T0, now, RULES, "忘记登记")
    assert told.deadlines["contact"].done_at == T0


def test_extending_past_the_resolution_moves_the_resolution() -> None:
    case = new_case()  # general, on Sunday: investigation Monday 16:00, resolution Tuesday 08:00
    assert case.deadlines["investigation"].due_at == MONDAY.add(hours=8)
    assert case.deadlines["resolution"].due_at == MONDAY.add(days=1)
    until = MONDAY.add(days=1, hours=6)
    extended = lifecycle.extend(case, "investigation", until, "等待检测报告", T0.add(hours=1))
    assert extended.deadlines["investigation"].due_at == until
    assert extended.deadlines["resolution"].due_at == until
    assert extended.deadlines["resolution"].reason == "等待检测报告"
    assert extended.deadlines["resolution"].extended_from == MONDAY.add(days=1)
    inside = lifecycle.extend(case, "plan", MONDAY.add(hours=6), "r", T0.add(hours=1))
    assert inside.deadlines["resolution"] == case.deadlines["resolution"]


def test_classify_keeps_the_department_of_an_assigned_case() -> None:
    case = lifecycle.assign(new_case(description="鸡腿没熟"), "delivery", "老王", RULES, T0)
    again = lifecycle.classify(case, "food_safety", None, None, T0, RULES)
    assert (again.status, again.department, again.assignee) == ("assigned", "delivery", "老王")


def test_done_completes_earlier_open_milestones() -> None:
    case = new_case()
    done = lifecycle.mark_done(case, "plan", T0.add(minutes=30), T0.add(minutes=35), RULES)
    assert done.deadlines["contact"].done_at == T0.add(minutes=30)
    assert done.deadlines["plan"].done_at == T0.add(minutes=30)
    assert done.deadlines["investigation"].done_at is None


@pytest.mark.parametrize(
    ("milestone", "at", "field"),
    [
        ("resolution", T0, "milestone"),
        ("plan", T0.add(hours=2), "at"),  # in the future
        ("plan", T0.subtract(minutes=1), "at"),  # before receipt
    ],
)
def test_done_refusals(milestone: str, at: pendulum.DateTime, field: str) -> None:
    with pytest.raises(RuleError) as caught:
        lifecycle.mark_done(new_case(), milestone, at, T0.add(hours=1), RULES)
    assert caught.value.field == field


def test_done_twice_and_non_urgent_investigation_are_refused() -> None:
    case = lifecycle.mark_done(new_case(), "contact", T0, T0, RULES)
    with pytest.raises(Refused, match="already done"):
        lifecycle.mark_done(case, "contact", T0, T0, RULES)
    quiet = new_case(description="建议增加素食")
    with pytest.raises(Refused, match="does not apply"):
        lifecycle.mark_done(quiet, "investigation", T0, T0, RULES)


def test_close_completes_pending_milestones_and_schedules_the_revisit() -> None:
    at = MONDAY.add(hours=2)  # received Sunday: contact due Monday 09:00, plan 12:00
    closed = lifecycle.close(
        new_case(), Closing(remedies=("refund",), cause="processing"), at, RULES
    )
    assert closed.status == "closed"
    assert closed.ours is True
    for m in ("contact", "plan", "investigation", "resolution"):
        assert closed.deadlines[m].done_at == at
    assert closed.deadlines["contact"].state(at) == "breached"  # 1 h late
    assert closed.deadlines["plan"].state(at) == "met"
    assert closed.deadlines["revisit"].due_at == at.add(days=3)  # Thursday: 3 working days


def test_a_close_on_friday_schedules_the_revisit_in_working_days() -> None:
    friday = pendulum.datetime(2026, 11, 27, 10, 0, tz=TZ)
    closing = Closing(remedies=("refund",), cause="processing")
    closed = lifecycle.close(new_case(), closing, friday, RULES)
    assert closed.deadlines["revisit"].due_at == friday.add(days=5)  # Wednesday 10:00
    urgent = lifecycle.close(
        new_case(description="米饭有馊味"), closing._replace(finding="none"), friday, RULES
    )
    assert urgent.deadlines["revisit"].due_at == friday.add(days=3)  # 24/7: Monday 10:00


def test_a_fining_close_needs_its_supply_event_and_value() -> None:
    closing = Closing(remedies=("replace",), cause="storage_transport", finding="spoiled")
    with pytest.raises(RuleError) as caught:
        lifecycle.close(new_case(org="实验小学"), closing, T0, RULES)
    assert caught.value.field == "supply_value"
    with_value = closing._replace(supply_value=Decimal(800))
    with pytest.raises(RuleError) as caught:
        lifecycle.close(new_case(), with_value, T0, RULES)
    assert caught.value.field == "org"
    assert "--delivery-date" in caught.value.message and "--batch" in caught.value.message
    dated = with_value._replace(delivery_date=T0.date())
    closed = lifecycle.close(new_case(org="实验小学", batch="B1"), dated, T0, RULES)
    assert closed.delivery_date == T0.date() and closed.supply_value == 800
    assert closed.penalty is None  # the supply event's fine is numbered by the shell


def test_a_penalty_finding_with_an_unknown_cause_needs_ours_or_not() -> None:
    closing = Closing(remedies=("replace",), cause="unknown", finding="spoiled")
    with pytest.raises(Refused, match="--ours or --not-ours"):
        lifecycle.close(new_case(), closing, T0, RULES)
    closed = lifecycle.close(new_case(), closing._replace(ours=False), T0, RULES)
    assert closed.ours is False


def test_a_defect_finding_needs_an_exchange_or_return() -> None:
    closing = Closing(remedies=("apology",), cause="processing", finding="damaged")
    with pytest.raises(Refused, match="001 §6"):
        lifecycle.close(new_case(), closing, T0, RULES)
    not_ours = closing._replace(ours=False)
    assert lifecycle.close(new_case(), not_ours, T0, RULES).status == "closed"


def test_not_ours_means_no_penalty() -> None:
    closing = Closing(remedies=("apology",), cause="traffic", finding="spoiled")
    closed = lifecycle.close(new_case(org="x"), closing, T0, RULES)
    assert closed.ours is False and closed.penalty is None


def test_toxic_is_an_incident_and_food_safety_gets_statutory_compensation() -> None:
    case = new_case(description="菜里疑似有农药味，吃后呕吐", org="x")
    closing = Closing(
        remedies=("medical_costs", "refund"),
        cause="ingredient_purchase",
        finding="toxic",
        payments=((None, Decimal("3200")),),
        price=Decimal("25"),
    )
    closed = lifecycle.close(case, closing, T0, RULES)
    assert closed.incident is True
    assert closed.statutory_compensation == Decimal(1000)
    assert closed.amount == Decimal(3200) and closed.remedy == "medical_costs"
    assert lifecycle.payments_of(closing) == [("medical_costs", Decimal(3200))]


def test_staff_fine() -> None:
    case = new_case(description="配送员态度很差")
    closed = lifecycle.close(
        case, Closing(remedies=("apology",), cause="handover", staff="小刘"), T0, RULES
    )
    assert closed.staff_fine == Decimal(50)


def test_revisit_satisfied_ends_unsatisfied_reopens() -> None:
    closed = lifecycle.close(
        new_case(), Closing(remedies=("refund",), cause="processing"), T0, RULES
    )
    happy = lifecycle.revisit(closed, 4, "phone", None, T0.add(days=1), RULES)
    assert happy.status == "revisited" and happy.satisfaction == 4
    assert happy.deadlines["revisit"].state(T0.add(days=1)) == "met"
    neutral = lifecycle.revisit(closed, 3, "sms", None, T0.add(days=1), RULES)
    assert neutral.status == "revisited"
    at = T0.add(days=1)
    unhappy = lifecycle.revisit(closed, 2, "survey", "still bad", at, RULES)
    assert unhappy.status == "reopened" and unhappy.reopen_count == 1
    assert unhappy.deadlines["resolution"].due_at == at.add(hours=24)
    assert unhappy.deadlines["resolution"].done_at is None
    assert unhappy.deadlines["revisit"].done_at == at  # the revisit stays on record
    closed_again = lifecycle.close(
        unhappy, Closing(remedies=("replace",), cause="processing"), at.add(hours=3), RULES
    )
    assert closed_again.deadlines["resolution"].state(at.add(hours=3)) == "met"
    assert closed_again.deadlines["revisit"].due_at == at.add(hours=3).add(days=3)


@pytest.mark.parametrize(
    "step",
    [
        lambda c: lifecycle.classify(c, None, None, None, T0, RULES),
        lambda c: lifecycle.assign(c, None, None, RULES, T0),
        lambda c: lifecycle.mark_done(c, "plan", T0, T0, RULES),
        lambda c: lifecycle.extend(c, "resolution", T0.add(days=9), "r", T0),
        lambda c: lifecycle.close(c, Closing(remedies=("refund",), cause="processing"), T0, RULES),
    ],
)
def test_a_closed_case_refuses_open_work(step) -> None:  # type: ignore[no-untyped-def]
    closed = lifecycle.close(
        new_case(), Closing(remedies=("refund",), cause="processing"), T0, RULES
    )
    with pytest.raises(Refused, match="closed"):
        step(closed)


def test_revisiting_an_open_case_is_refused() -> None:
    with pytest.raises(Refused, match="only a closed complaint"):
        lifecycle.revisit(new_case(), 5, "phone", None, T0, RULES)


def test_changes_list_old_and_new() -> None:
    case = new_case()
    later = lifecycle.assign(case, "delivery", "老王", RULES, T0)
    diff = lifecycle.changes(case, later)
    assert diff["department"] == ("production", "delivery")
    assert diff["assignee"] == (None, "老王")
    assert diff["status"] == ("new", "assigned")


class Lifecycle(RuleBasedStateMachine):
    """Random sequences of steps against a simple model of the status flow, on the
    default clocks (the case starts urgent; a reclassification may move it into business
    time)."""

    policy: Rules = RULES

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.case = new_case(self.policy, description="米饭有馊味", org="实验小学")
        self.model = "new"
        self.closed_once = False  # a reopened case keeps the confirm its close made due
        self.reopens = 0
        self.breached: set[str] = set()  # milestones seen breached: breached for good

    def tick(self, minutes: int) -> None:
        self.now = self.now.add(minutes=minutes)
        # as a command would find the case: passed deadlines recorded as breached first
        self.case, _ = lifecycle.settle(self.case, self.now, self.policy)
        self.breached |= {
            m for m, d in self.case.deadlines.items() if d.state(self.now) == "breached"
        }

    def attempt(self, step, allowed: bool):  # type: ignore[no-untyped-def]
        try:
            result = step()
        except Refused:
            assert not allowed, f"refused in model state {self.model}"
            return None
        assert allowed, f"allowed in model state {self.model}"
        return result

    @rule(minutes=st.integers(0, 600), back=st.integers(0, 600))
    def done(self, minutes: int, back: int) -> None:
        self.tick(minutes)
        at = max(self.case.received_at, self.now.subtract(minutes=back))
        result = self.attempt(
            lambda: lifecycle.mark_done(self.case, "plan", at, self.now, self.policy, "补录"),
            self.model in ("new", "classified", "assigned", "reopened")
            and self.case.deadlines["plan"].done_at is None,
        )
        if result:
            self.case = result

    @rule(
        minutes=st.integers(0, 600),
        severity=st.sampled_from([None, "urgent", "general", "non_urgent"]),
    )
    def reclassify(self, minutes: int, severity: str | None) -> None:
        self.tick(minutes)
        result = self.attempt(
            lambda: lifecycle.classify(
                self.case, None, severity, "客户说明", self.now, self.policy
            ),
            self.model in ("new", "classified", "assigned", "reopened"),
        )
        if result:
            self.case = result
            self.model = "classified" if self.model == "new" else self.model

    @rule(
        minutes=st.integers(0, 600), category=st.sampled_from([None, "food_quality", "food_safety"])
    )
    def classify(self, minutes: int, category: str | None) -> None:
        self.tick(minutes)
        result = self.attempt(
            lambda: lifecycle.classify(self.case, category, None, "r", self.now, self.policy),
            self.model in ("new", "classified", "assigned", "reopened"),
        )
        if result:
            self.case = result
            self.model = "classified" if self.model == "new" else self.model

    @rule(minutes=st.integers(0, 600))
    def assign(self, minutes: int) -> None:
        self.tick(minutes)
        result = self.attempt(
            lambda: lifecycle.assign(self.case, None, "李工", self.policy, self.now),
            self.model in ("new", "classified", "assigned", "reopened"),
        )
        if result:
            self.case, self.model = result, "assigned"

    @rule(minutes=st.integers(0, 600))
    def close(self, minutes: int) -> None:
        self.tick(minutes)
        closing = Closing(remedies=("refund",), cause="processing", finding="none")
        result = self.attempt(
            lambda: lifecycle.close(self.case, closing, self.now, self.policy),
            self.model in ("new", "classified", "assigned", "reopened"),
        )
        if result:
            self.case, self.model = result, "closed"
            self.closed_once = True

    @rule(
        minutes=st.integers(0, 600),
        milestone=st.sampled_from(["investigation", "sample", "lab_report", "confirm"]),
    )
    def done_004(self, minutes: int, milestone: str) -> None:
        """QC's milestones and the confirmation: on a closed case too, once they apply."""
        self.tick(minutes)
        target = self.case.deadlines[milestone]
        open_case = self.model in ("new", "classified", "assigned", "reopened")
        result = self.attempt(
            lambda: lifecycle.mark_done(self.case, milestone, self.now, self.now, self.policy),
            (open_case or milestone != "investigation")
            and target.applies
            and target.done_at is None,
        )
        if result:
            self.case = result

    @rule(minutes=st.integers(0, 600), kind=st.sampled_from(["call", "internal"]))
    def note(self, minutes: int, kind: str) -> None:
        self.tick(minutes)
        contact = self.case.deadlines["contact"]
        self.case = lifecycle.note(self.case, kind, self.now)  # at any status
        assert self.case.last_note_at == self.now
        if kind == "call":
            assert self.case.deadlines["contact"].done_at is not None
            assert not self.case.deadlines["confirm"].open
        else:
            assert self.case.deadlines["contact"] == contact

    @rule(minutes=st.integers(0, 6000), score=st.integers(1, 5))
    def revisit(self, minutes: int, score: int) -> None:
        self.tick(minutes)
        result = self.attempt(
            lambda: lifecycle.revisit(self.case, score, "phone", None, self.now, self.policy),
            self.model == "closed",
        )
        if result:
            self.case = result
            self.model = "reopened" if score <= 2 else "revisited"
            self.reopens += score <= 2

    @precondition(lambda self: self.model in ("new", "classified", "assigned", "reopened"))
    @rule(minutes=st.integers(1, 3000))
    def extend(self, minutes: int) -> None:
        self.tick(0)
        resolution = self.case.deadlines["resolution"]
        assert resolution.due_at is not None
        until = max(resolution.due_at, self.now) + timedelta(minutes=minutes)
        self.case = lifecycle.extend(self.case, "resolution", until, "lab report", self.now)

    @invariant()
    def status_follows_the_model(self) -> None:
        assert self.case.status == self.model
        assert self.case.reopen_count == self.reopens

    @invariant()
    def deadlines_are_consistent(self) -> None:
        d = self.case.deadlines
        if self.model in ("closed", "revisited"):
            assert d["revisit"].due_at is not None
            assert all(d[m].done_at is not None for m in ("contact", "plan", "resolution"))
        if self.model == "revisited":
            assert d["revisit"].done_at is not None
        if self.model in ("new", "classified", "assigned", "reopened"):
            assert d["resolution"].done_at is None
            assert d["revisit"].due_at is None or d["revisit"].done_at is not None
        for deadline in d.values():
            assert deadline.state(self.now) in ("n/a", "pending", "met", "breached")

    @invariant()
    def confirm_waits_for_the_department(self) -> None:
        """n/a until investigation is done or the case was closed (DECISIONS §12)."""
        d = self.case.deadlines
        never_closed = not self.closed_once
        if never_closed and d["investigation"].done_at is None:
            assert d["confirm"] == Deadline()
        if self.model in ("closed", "revisited"):
            # close left QC's milestones as they were and made confirm due
            assert d["confirm"].applies

    @invariant()
    def a_breach_is_never_undone(self) -> None:
        for milestone in self.breached:
            assert self.case.deadlines[milestone].state(self.now) == "breached", milestone

    @invariant()
    def one_case_is_one_offence(self) -> None:
        if self.case.penalty:
            assert self.case.penalty.offence == 1


class LifecycleTwentyFourSeven(Lifecycle):
    """The same, every clock 24/7."""

    policy = H24


Lifecycle.TestCase.settings = settings(max_examples=150, stateful_step_count=25, deadline=None)
TestLifecycle = Lifecycle.TestCase
LifecycleTwentyFourSeven.TestCase.settings = Lifecycle.TestCase.settings
TestLifecycleTwentyFourSeven = LifecycleTwentyFourSeven.TestCase
