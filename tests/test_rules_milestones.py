"""The whole loop of policy 004 as pure rules: forward, sample, lab_report and confirm —
when each applies, what meets it, what a rules file may change — and progress notes."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from types import SimpleNamespace

import pendulum
import pytest
from conftest import TWENTY_FOUR_SEVEN
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales_cli.rules import lifecycle
from aftersales_cli.rules.case import Case
from aftersales_cli.rules.config import default_rules, parse_rules
from aftersales_cli.rules.errors import Refused, RuleError, RulesFileError
from aftersales_cli.rules.history import history_problems
from aftersales_cli.rules.lifecycle import Closing, Intake
from aftersales_cli.rules.taxonomy import MILESTONE_BITS, MILESTONE_KEYS, NOTE_KINDS

RULES = default_rules()
H24 = parse_rules(TWENTY_FOUR_SEVEN, "test")  # every clock 24/7
TZ = pendulum.timezone("Asia/Shanghai")
T0 = pendulum.datetime(2026, 11, 22, 10, 0, tz=TZ)  # a Sunday
MONDAY = pendulum.datetime(2026, 11, 23, 8, 0, tz=TZ)  # the first working moment after T0
CLOSING = Closing(remedies=("refund",), cause="processing", finding="none")


def opened(description: str = "米饭有馊味", rules: object = RULES, **kw: object) -> Case:
    values: dict[str, object] = {
        "received_at": T0,
        "channel": "online",
        "customer": "张伟",
        "phone": "13812345678",
        "description": description,
    }
    values.update(kw)
    case = lifecycle.open_case(Intake(**values), T0, rules)  # type: ignore[arg-type]
    return dataclasses.replace(case, id=1)


def at(minutes: int) -> datetime:
    return T0.add(minutes=minutes)


def due(case: Case, milestone: str) -> datetime | None:
    return case.deadlines[milestone].due_at


def test_the_milestones_come_in_the_order_of_the_decisions() -> None:
    assert MILESTONE_KEYS == (
        "contact",
        "forward",
        "plan",
        "sample",
        "investigation",
        "lab_report",
        "confirm",
        "resolution",
        "revisit",
    )
    # each keeps its own bit in the stored report masks, whatever the order
    assert sorted(MILESTONE_BITS) == sorted(MILESTONE_KEYS)
    assert len(set(MILESTONE_BITS.values())) == len(MILESTONE_BITS)


@pytest.mark.parametrize(
    ("description", "category", "forward", "qc"),
    [
        ("米饭有馊味", "food_safety", 15, True),  # urgent: forward at once (15 min)
        ("孩子吃完腹泻", "illness", 15, True),
        ("菜里有头发", "foreign_object", 60, True),  # general: within 1 h
        ("送错了", "wrong_delivery", 60, False),
        ("太咸了", "taste_feedback", 24 * 60, False),  # non_urgent: within a day
    ],
)
def test_intake_sets_forward_by_severity_and_qc_on_its_categories(
    description: str, category: str, forward: int, qc: bool
) -> None:
    case = opened(description, H24)
    assert case.category == category
    assert due(case, "forward") == at(forward)
    assert due(case, "sample") == (at(24 * 60) if qc else None)
    assert due(case, "lab_report") == (at(48 * 60) if qc else None)
    assert due(case, "confirm") is None  # until the department has finished


@pytest.mark.parametrize(
    ("description", "forward"),
    [
        ("米饭有馊味", at(15)),  # urgent: 24/7, on the Sunday
        ("菜里有头发", MONDAY.add(hours=1)),  # general: an hour into Monday's working time
        ("太咸了", MONDAY.add(days=1)),  # non_urgent: a working day from Monday 08:00
    ],
)
def test_forward_runs_on_its_severitys_clock(description: str, forward: datetime) -> None:
    case = opened(description)
    assert due(case, "forward") == forward
    assert due(case, "sample") in (None, at(24 * 60))  # QC's clocks run 24/7


def test_assign_meets_forward_once() -> None:
    case = lifecycle.assign(opened(), None, None, RULES, at(10))
    assert case.deadlines["forward"].done_at == at(10)
    assert case.deadlines["forward"].outcome == "met"
    again = lifecycle.assign(case, "production", None, RULES, at(50))
    assert again.deadlines["forward"].done_at == at(10)


def test_done_forward_and_its_late_breach() -> None:
    case = lifecycle.mark_done(opened(), "forward", at(20), at(20), RULES)
    assert case.deadlines["forward"].outcome == "breached"  # urgent: 15 min


def test_confirm_falls_due_an_hour_after_investigation_is_done() -> None:
    case = opened()
    with pytest.raises(Refused, match="investigation done"):
        lifecycle.mark_done(case, "confirm", at(5), at(5), RULES)
    case = lifecycle.mark_done(case, "investigation", at(100), at(100), RULES)
    assert due(case, "confirm") == at(160)
    # `done investigation` completes the chain before it, not forward (free)
    assert case.deadlines["plan"].done_at == at(100)
    assert case.deadlines["forward"].done_at is None
    case = lifecycle.mark_done(case, "confirm", at(130), at(130), RULES)
    assert case.deadlines["confirm"].outcome == "met"


def test_a_back_dated_investigation_counts_confirm_from_when_it_was_done() -> None:
    case = lifecycle.mark_done(opened(), "investigation", at(30), at(200), RULES, "补录")
    assert due(case, "confirm") == at(90)


def test_close_without_investigation_makes_confirm_due_after_the_close() -> None:
    case = opened("太咸了", H24)  # non_urgent: no investigation
    assert due(case, "investigation") is None
    closed = lifecycle.close(case, CLOSING, at(300), H24)
    assert due(closed, "confirm") == at(360)
    # in working time the Sunday close makes it due an hour into Monday
    assert due(lifecycle.close(opened("太咸了"), CLOSING, at(300), RULES), "confirm") == (
        MONDAY.add(hours=1)
    )
    # close completes contact, forward, plan, resolution (as today)
    for milestone in ("contact", "forward", "plan", "resolution"):
        assert closed.deadlines[milestone].done_at == at(300), milestone


def test_close_completes_an_open_investigation_and_confirm_follows_it() -> None:
    closed = lifecycle.close(opened(), CLOSING, at(100), RULES)
    assert closed.deadlines["investigation"].done_at == at(100)
    assert due(closed, "confirm") == at(160)
    # QC's work goes on after the close
    assert closed.deadlines["sample"].open and closed.deadlines["lab_report"].open


def test_close_after_investigation_keeps_confirm_as_it_was() -> None:
    case = lifecycle.mark_done(opened(), "investigation", at(100), at(100), RULES)
    case = lifecycle.mark_done(case, "confirm", at(120), at(120), RULES)
    closed = lifecycle.close(case, CLOSING, at(500), RULES)
    assert closed.deadlines["confirm"] == case.deadlines["confirm"]


def test_qc_milestones_and_confirm_are_recorded_on_a_closed_case() -> None:
    closed = lifecycle.close(opened(), CLOSING, at(100), RULES)
    later = lifecycle.mark_done(closed, "lab_report", at(600), at(600), RULES)
    # a lab report means a sample was taken: both done
    assert later.deadlines["sample"].done_at == at(600)
    assert later.deadlines["lab_report"].done_at == at(600)
    later = lifecycle.mark_done(later, "confirm", at(610), at(610), RULES)
    assert later.deadlines["confirm"].outcome == "breached"  # due 1 h after the close
    with pytest.raises(Refused, match="closed"):
        lifecycle.mark_done(later, "plan", at(620), at(620), RULES)
    with pytest.raises(Refused, match="already done"):
        lifecycle.mark_done(later, "sample", at(620), at(620), RULES)


def test_qc_milestones_do_not_apply_to_other_categories() -> None:
    with pytest.raises(Refused, match="qc_categories"):
        lifecycle.mark_done(opened("送错了"), "sample", at(5), at(5), RULES)


def test_a_call_visit_or_message_note_is_the_first_contact() -> None:
    for kind in ("call", "visit", "message"):
        case = lifecycle.note(opened(), kind, at(10))
        assert case.deadlines["contact"].done_at == at(10)
        assert case.last_note_at == at(10)
    internal = lifecycle.note(opened(), "internal", at(10))
    assert internal.deadlines["contact"].done_at is None
    assert internal.last_note_at == at(10)


def test_a_note_to_the_customer_after_the_department_finished_confirms() -> None:
    case = lifecycle.note(opened(), "call", at(10))
    assert due(case, "confirm") is None  # nothing to confirm yet
    case = lifecycle.mark_done(case, "investigation", at(100), at(100), RULES)
    assert lifecycle.note(case, "internal", at(110)).deadlines["confirm"].open
    confirmed = lifecycle.note(case, "message", at(110))
    assert confirmed.deadlines["confirm"].done_at == at(110)
    assert confirmed.deadlines["contact"].done_at == at(10)  # the first contact stays


def test_a_note_on_a_closed_or_revisited_case_is_kept() -> None:
    closed = lifecycle.close(opened(), CLOSING, at(100), RULES)
    noted = lifecycle.note(closed, "call", at(120))
    assert noted.deadlines["confirm"].done_at == at(120)
    assert noted.status == "closed"
    revisited = lifecycle.revisit(noted, 5, "phone", None, at(5000), RULES)
    assert lifecycle.note(revisited, "internal", at(5010)).last_note_at == at(5010)


def test_recategorising_brings_qc_in_or_drops_it_unless_breached() -> None:
    case = opened("送错了")
    case = lifecycle.classify(case, "food_safety", None, None, at(30), RULES)
    assert due(case, "sample") == at(30 + 24 * 60)  # counted from when it became QC's
    back = lifecycle.classify(case, "wrong_delivery", None, "客户说明", at(40), RULES)
    assert due(back, "sample") is None and due(back, "lab_report") is None
    # a breach stays, whatever the category becomes
    late, _ = lifecycle.settle(case, at(30 + 25 * 60), RULES)
    moved = lifecycle.classify(late, "wrong_delivery", None, "客户说明", at(30 + 25 * 60), RULES)
    assert moved.deadlines["sample"].state(at(30 + 25 * 60)) == "breached"


def test_milestones_switched_off_in_the_rules_do_not_apply() -> None:
    rules = parse_rules(
        """
        [deadlines]
        urgent = { forward = "none" }
        sample = "none"
        confirm = "none"
        qc_categories = ["food_safety"]
        """,
        "rules.toml",
    )
    case = opened(rules=rules)
    assert due(case, "forward") is None and due(case, "sample") is None
    assert due(case, "lab_report") == at(48 * 60)
    case = lifecycle.mark_done(case, "investigation", at(100), at(100), rules)
    assert due(case, "confirm") is None
    with pytest.raises(Refused, match="switched off"):
        lifecycle.mark_done(case, "confirm", at(110), at(110), rules)
    assert due(opened("菜里有头发", rules=rules), "lab_report") is None


def test_only_the_chain_must_come_in_order() -> None:
    # forward later than plan is allowed: the new milestones are free
    rules = parse_rules('[deadlines]\ngeneral = { forward = "6h" }\n', "r.toml")
    assert str(rules.deadlines.by_severity["general"]["forward"]) == "6h"
    with pytest.raises(RulesFileError, match="plan"):
        parse_rules('[deadlines]\ngeneral = { plan = "10m" }\n', "r.toml")
    with pytest.raises(RulesFileError, match="only forward and investigation"):
        parse_rules('[deadlines]\ngeneral = { plan = "none" }\n', "r.toml")
    with pytest.raises(RulesFileError, match="qc_categories"):
        parse_rules('[deadlines]\nqc_categories = ["soup"]\n', "r.toml")
    with pytest.raises(RulesFileError, match="deadlines.lab_report"):
        parse_rules('[deadlines]\nlab_report = "soon"\n', "r.toml")


def _entry(action: str, changes: dict[str, list[object]], minutes: int = 0) -> SimpleNamespace:
    return SimpleNamespace(at=at(minutes), action=action, changes=changes)


def test_a_history_may_hold_notes_of_a_known_kind() -> None:
    case = opened()
    log = _entry("log", {"status": [None, "new"]})
    note = _entry("note", {"note.kind": [None, "call"], "last_note_at": [None, "x"]}, 5)
    assert history_problems(case, [log, note]) == []
    bad = _entry("note", {"note.kind": [None, "fax"]}, 5)
    assert history_problems(case, [log, bad]) == [
        (
            "events[1].changes.note.kind",
            f"'fax' is not one of {', '.join(NOTE_KINDS)}",
        )
    ]


def test_note_kinds_take_chinese_terms() -> None:
    assert [NOTE_KINDS.parse(t) for t in ("电话", "走访", "消息", "内部", "微信")] == [
        "call",
        "visit",
        "message",
        "internal",
        "message",
    ]
    with pytest.raises(RuleError):
        NOTE_KINDS.parse("fax")


STEPS = st.lists(
    st.tuples(
        st.sampled_from(
            ["note_call", "note_internal", "assign", "classify", "done", "close", "revisit"]
        ),
        st.sampled_from(["contact", "plan", "sample", "lab_report", "confirm", "forward"]),
        st.integers(1, 600),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(description=st.sampled_from(["米饭有馊味", "送错了", "太咸了"]), steps=STEPS)
def test_confirm_waits_for_the_department_whatever_the_steps(
    description: str, steps: list[tuple[str, str, int]]
) -> None:
    """Any sequence of steps keeps confirm n/a until investigation is done or the case
    was closed; once due, it is due an hour after the one that came first."""
    case, now, closed_once = opened(description), T0, False
    for step, milestone, minutes in steps:
        now = now.add(minutes=minutes)
        case, _ = lifecycle.settle(case, now, RULES)
        try:
            if step == "note_call":
                case = lifecycle.note(case, "call", now)
            elif step == "note_internal":
                case = lifecycle.note(case, "internal", now)
            elif step == "assign":
                case = lifecycle.assign(case, None, None, RULES, now)
            elif step == "classify":
                case = lifecycle.classify(case, "food_safety", None, None, now, RULES)
            elif step == "done":
                case = lifecycle.mark_done(case, milestone, now, now, RULES)
            elif step == "close":
                case = lifecycle.close(case, CLOSING, now, RULES)
                closed_once = True
            else:
                case = lifecycle.revisit(case, 1 + minutes % 5, "phone", None, now, RULES)
        except (Refused, RuleError):
            continue
        investigated = case.deadlines["investigation"].done_at
        confirm = case.deadlines["confirm"]
        if investigated is None and not closed_once:
            assert confirm.due_at is None and confirm.done_at is None
        if confirm.due_at is not None and investigated is not None:
            assert confirm.due_at == investigated.add(hours=1) or closed_once
        # a customer note always leaves contact done
        if step == "note_call":
            assert case.deadlines["contact"].done_at is not None
        assert case.last_note_at is None or case.last_note_at <= now
