"""The shape of a history (rules/history.py): pure, tested with plain values."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales_cli.rules import history, lifecycle
from aftersales_cli.rules.case import Case, Deadline, Penalty
from aftersales_cli.rules.config import default_rules
from aftersales_cli.rules.lifecycle import Closing, Intake
from aftersales_cli.rules.taxonomy import MILESTONE_KEYS, NOTE_KINDS, STATUSES

RULES = default_rules()
TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)


class Entry(NamedTuple):
    at: datetime
    action: str
    changes: Mapping[str, Sequence[Any]]


def _case(status: str = "new") -> Case:
    return Case(
        received_at=T0,
        channel="online",
        customer="张伟",
        phone="13812345678",
        description="米饭偏硬",
        category="food_quality",
        severity="general",
        status=status,
        id=1,
    )


# ---- the field names ----------------------------------------------------------------


def _everything_set() -> Case:
    """A complaint with every field holding a value that `lifecycle.changes` reports."""
    moment = T0
    deadline = Deadline(moment, moment, moment, "why", late=True, breach_noted=True)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(Case):
        kind = str(field.type)
        if field.name == "deadlines":
            values[field.name] = dict.fromkeys(MILESTONE_KEYS, deadline)
        elif field.name == "penalty":
            values[field.name] = Penalty(1, Decimal(2), Decimal(10))
        elif "datetime" in kind:
            values[field.name] = moment
        elif kind.startswith("date"):
            values[field.name] = moment.date()
        elif "Decimal" in kind:
            values[field.name] = Decimal(5)
        elif "bool" in kind:
            values[field.name] = True
        elif "int" in kind:
            values[field.name] = 3
        else:
            values[field.name] = "x"
    return Case(**values)


def test_the_known_keys_are_what_lifecycle_changes_names_plus_breach_states() -> None:
    named = set(lifecycle.changes(None, _everything_set()))
    states = {f"deadlines.{m}.state" for m in MILESTONE_KEYS}
    assert history.KNOWN_KEYS == named | states | set(history.ENTRY_KEYS) | {"note.kind"}
    assert "id" not in history.KNOWN_KEYS
    assert not any(k.endswith("breach_noted") for k in history.KNOWN_KEYS)


def test_times_and_dates_follow_the_field_types() -> None:
    assert history.is_time_key("received_at") and history.is_time_key("escalated_at")
    assert history.is_time_key("deadlines.revisit.extended_from")
    assert not history.is_time_key("deadlines.contact.state")
    assert not history.is_time_key("status") and not history.is_time_key("delivery_date")
    assert history.DATE_KEYS == {"delivery_date"}
    assert history.is_due_key("deadlines.plan.due_at")
    assert history.is_due_key("deadlines.plan.extended_from")
    assert not history.is_due_key("deadlines.plan.done_at") and not history.is_due_key("closed_at")


@given(st.text(max_size=30))
def test_an_unknown_key_is_never_known(key: str) -> None:
    if key not in history.KNOWN_KEYS:
        assert not history.is_known_key(key)


def test_shown_makes_any_text_one_short_safe_line() -> None:
    assert history.shown("deadlines.plan") == "deadlines.plan"
    assert history.shown("\x1b]52;c;x\x07") == "\\x1b]52;c;x\\x07"
    assert history.shown("a\u2028b") == "a\\u2028b"


def test_a_deeply_nested_value_in_a_stored_history_is_judged_without_its_repr() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    events = [Entry(T0, "log", {"status": [deep, deep]})]
    problems = history.history_problems(_case(), events)
    assert problems[0] == (
        "events[0].changes.status",
        "changes the status from a list, but the history has it at None by then",
    )
    assert len(history.shown("x" * 1000)) == 60


# ---- histories that the commands write --------------------------------------------------

STEPS = ("classify", "assign", "done", "extend", "close", "revisit_low", "revisit_high", "breach")


def _replay(steps: Sequence[str], gaps: Sequence[int]) -> tuple[Case, list[Entry]]:
    """A history as the commands would write it: the pure steps of `lifecycle`, each
    recorded with `lifecycle.changes`; a step the flow refuses is skipped."""
    now = T0
    intake = Intake(T0, "online", "张伟", "13812345678", "米饭偏硬，孩子腹泻", ill=True)
    case = dataclasses.replace(lifecycle.open_case(intake, now, RULES), id=1)
    events = [Entry(now, "log", lifecycle.changes(None, case))]
    for step, gap in zip(steps, gaps, strict=False):
        now += timedelta(minutes=gap)
        before = case
        try:
            if step == "classify":
                case = lifecycle.classify(case, None, None, None, now, RULES)
            elif step == "assign":
                case = lifecycle.assign(case, None, "李工", RULES, now)
            elif step == "done":
                case = lifecycle.mark_done(case, "plan", now, now, RULES)
            elif step == "extend":
                case = lifecycle.extend(case, "resolution", now + timedelta(days=3), "等", now)
            elif step == "close":
                case = lifecycle.close(
                    case, Closing(("refund",), "processing", finding="none"), now, RULES
                )
            elif step in ("revisit_low", "revisit_high"):
                score = 1 if step == "revisit_low" else 5
                case = lifecycle.revisit(case, score, "phone", None, now, RULES)
            else:
                events.append(
                    Entry(now, "breached", {"deadlines.plan.state": ["pending", "breached"]})
                )
                continue
        except ValueError:  # RuleError and Refused: the command would refuse, write nothing
            continue
        action = step.split("_")[0]
        events.append(Entry(now, action, lifecycle.changes(before, case)))
    return case, events


HISTORIES = st.lists(st.sampled_from(STEPS), max_size=14).flatmap(
    lambda steps: st.tuples(
        st.just(steps), st.lists(st.integers(0, 600), min_size=len(steps), max_size=len(steps))
    )
)


@settings(max_examples=60, deadline=None)
@given(HISTORIES)
def test_a_history_the_commands_write_has_no_problems(
    generated: tuple[list[str], list[int]],
) -> None:
    case, events = _replay(*generated)
    assert history.history_problems(case, events) == []


@settings(max_examples=40, deadline=None)
@given(HISTORIES, st.data())
def test_two_entries_out_of_order_are_named(
    generated: tuple[list[str], list[int]], data: st.DataObject
) -> None:
    case, events = _replay(*generated)
    times = sorted({e.at for e in events})
    if len(times) < 2:
        return
    late = data.draw(st.sampled_from([n for n, e in enumerate(events) if e.at > times[0]]))
    early = data.draw(st.sampled_from([n for n, e in enumerate(events) if e.at < events[late].at]))
    moved = list(events)
    moved[early], moved[late] = moved[late], moved[early]
    fields = {f for f, _ in history.history_problems(case, moved)}
    assert any(f.endswith(".at") or f.endswith(".action") for f in fields), fields


@settings(max_examples=40, deadline=None)
@given(HISTORIES, st.sampled_from(list(STATUSES)))
def test_a_record_whose_status_the_history_does_not_reach_is_named(
    generated: tuple[list[str], list[int]], status: str
) -> None:
    case, events = _replay(*generated)
    problems = history.history_problems(dataclasses.replace(case, status=status), events)
    assert ("status" in {f for f, _ in problems}) == (status != case.status)


@settings(max_examples=40, deadline=None)
@given(HISTORIES, st.data())
def test_a_status_change_from_the_wrong_status_is_named(
    generated: tuple[list[str], list[int]], data: st.DataObject
) -> None:
    case, events = _replay(*generated)
    n = data.draw(st.sampled_from([i for i, e in enumerate(events) if "status" in e.changes]))
    old, new = events[n].changes["status"]
    wrong = data.draw(st.sampled_from([s for s in (None, *STATUSES) if s != old]))
    changed = list(events)
    changed[n] = events[n]._replace(changes={**events[n].changes, "status": [wrong, new]})
    problems = history.history_problems(case, changed)
    assert (f"events[{n}].changes.status", problems[0][1]) in problems
    assert "changes the status from" in dict(problems)[f"events[{n}].changes.status"]


# ---- each kind of problem ---------------------------------------------------------------


def test_an_empty_history_is_a_problem() -> None:
    assert history.history_problems(_case(), []) == [
        ("events", "a history whose first entry is log or import; it is empty")
    ]


def test_the_first_entry_opens_the_case() -> None:
    events = [Entry(T0, "close", {"status": [None, "new"]})]
    assert history.history_problems(_case(), events) == [
        ("events[0].action", "the first entry is log or import, not 'close'")
    ]
    imported = [Entry(T0, "import", {"status": [None, "new"]})]
    assert history.history_problems(_case(), imported) == []


def test_unknown_actions_keys_and_pairs_are_named() -> None:
    events = [
        Entry(T0, "log", {"status": [None, "new"], "deadlines.plan": [None, 1]}),
        Entry(T0, "hack", {"deadlines.a.b.c": [1, 2], "assignee": ["x"], "note": "text"}),
    ]
    assert [f for f, _ in history.history_problems(_case(), events)] == [
        "events[0].changes.deadlines.plan",
        "events[1].action",
        "events[1].changes.deadlines.a.b.c",
        "events[1].changes.assignee",
        "events[1].changes.note",
    ]


def test_a_status_outside_the_vocabulary_is_named() -> None:
    events = [Entry(T0, "log", {"status": [None, "\x1b[2J"]})]
    problems = history.history_problems(_case(), events)
    assert problems[0] == (
        "events[0].changes.status",
        "'\\x1b[2J' is not one of new, classified, assigned, closed, revisited, reopened",
    )
    assert problems[1][0] == "status"


def test_a_history_that_never_sets_a_status_says_so() -> None:
    events = [Entry(T0, "log", {"customer": [None, "张伟"]})]
    assert history.history_problems(_case(), events) == [
        ("status", "'new', but its history never sets a status")
    ]


# ---- whatever a damaged or hand-edited history holds, it never raises ---------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=8),
    st.sampled_from(list(STATUSES)),
    st.lists(st.integers(), max_size=2),  # what a hand-edited row may hold
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)
CHANGES = st.one_of(
    st.dictionaries(
        st.one_of(st.sampled_from(sorted(history.KNOWN_KEYS)), st.text(max_size=12)),
        st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.tuples(SCALARS, SCALARS)),
        max_size=6,
    ),
    st.lists(SCALARS, max_size=2),
    st.text(max_size=5),
)
ENTRIES = st.builds(
    Entry,
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(TZ)
    ),
    st.one_of(st.sampled_from(history.ACTIONS), st.text(max_size=8)),
    CHANGES,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(ENTRIES, max_size=8), st.sampled_from(list(STATUSES)))
def test_any_history_is_judged_without_raising(entries: list[Entry], status: str) -> None:
    problems = history.history_problems(_case(status), entries)
    for field, message in problems:
        assert isinstance(field, str) and isinstance(message, str)
        assert "\x1b" not in field + message and "\n" not in field + message
    assert (problems == []) == (
        bool(entries)
        and entries[0].action in history.FIRST_ACTIONS
        and all(e.action in history.ACTIONS for e in entries)
        and all(a.at <= b.at for a, b in zip(entries, entries[1:], strict=False))
        and all(
            isinstance(e.changes, Mapping)
            and all(history.is_known_key(k) for k in e.changes)
            and all(isinstance(v, list | tuple) and len(v) == 2 for v in e.changes.values())
            for e in entries
        )
        and all(
            e.changes["note.kind"][1] in NOTE_KINDS
            for e in entries
            if isinstance(e.changes, Mapping) and "note.kind" in e.changes
        )
        and _folds(entries, status)
    )


def test_a_note_kind_that_is_not_text_is_a_problem_not_a_crash() -> None:
    """Found by Hypothesis: `note.kind` [] (a hand-edited export) raised TypeError."""
    entries = [
        Entry(datetime(2026, 11, 22, 10, tzinfo=TZ), "log", {}),
        Entry(datetime(2026, 11, 22, 11, tzinfo=TZ), "note", {"note.kind": (None, [])}),
    ]
    problems = history.history_problems(_case("new"), entries)
    assert any(field.endswith("note.kind") for field, _ in problems), problems


def _folds(entries: list[Entry], status: str) -> bool:
    current: Any = None
    for entry in entries:
        pair = entry.changes.get("status") if isinstance(entry.changes, Mapping) else None
        if pair is not None:
            if pair[0] != current or not isinstance(pair[1], str) or pair[1] not in STATUSES:
                return False
            current = pair[1]
    return bool(current == status)
