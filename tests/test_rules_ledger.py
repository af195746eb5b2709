"""Supply events, offence numbering and the ledger's reconciliation (rules.ledger): pure,
with Hypothesis driving any order of closes and clears across one client's cases."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from decimal import Decimal

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales_cli.rules import ledger, supply
from aftersales_cli.rules.ledger import Candidate, Entry

LADDER = (Decimal(2), Decimal(3), Decimal(10))
WINDOW = 365
T0 = pendulum.datetime(2026, 11, 1, 9, tz="Asia/Shanghai")
DAY0 = date(2026, 1, 1)


def test_one_delivery_is_one_event_whoever_spells_it() -> None:
    day = date(2026, 11, 21)
    a = supply.event_key("第一中学 ", day, "B-1123", "午餐")
    b = supply.event_key("第一中学", day, " b-1123", None)
    assert a == b is not None
    assert supply.event_key("ＡＢＣ School", day, None, "Lunch") == supply.event_key(
        "abc  school", day, None, " lunch"
    )
    assert supply.event_key("x", day, "B1", None) != supply.event_key("x", day, None, "B1")
    assert supply.event_key(None, day, "B1", None) is None
    assert supply.event_key("x", None, "B1", None) is None
    assert supply.event_key("x", day, None, None) is None


def _fine_now(
    candidates: list[Candidate], entries: list[Entry], at: datetime, why: str
) -> list[Entry]:
    target = ledger.fines(
        candidates, ledger.carriers_of(entries), WINDOW, LADDER, ledger.first_fined(entries)
    )
    new = ledger.reconcile(entries, target, by="t", at=at, window_days=WINDOW, why=why)
    stored = list(entries)
    for entry in new:
        stored.append(dataclasses.replace(entry, id=len(stored) + 1))
    return stored


def test_three_complaints_about_one_delivery_are_fined_once() -> None:
    event = supply.event_key("一中", date(2026, 11, 21), "B-1123", None)
    assert event is not None
    entries: list[Entry] = []
    found: list[Candidate] = []
    for n in range(3):
        found.append(Candidate(n + 1, event, T0 + timedelta(hours=n), Decimal(2000)))
        entries = _fine_now(found, entries, T0 + timedelta(hours=n), f"close of #{n + 1}")
    assert [(e.complaint_id, e.amount, e.offence) for e in entries] == [(1, 4000, 1)]


def test_a_reclose_does_not_reorder_events_delivered_the_same_day() -> None:
    day = date(2026, 11, 21)
    a = supply.event_key("一中", day, "B1", None)
    b = supply.event_key("一中", day, "B2", None)
    assert a is not None and b is not None
    found = [Candidate(1, a, T0, Decimal(100))]
    entries = _fine_now(found, [], T0, "close of #1")
    found.append(Candidate(2, b, T0 + timedelta(hours=1), Decimal(100)))
    entries = _fine_now(found, entries, T0 + timedelta(hours=1), "close of #2")
    # #1 is closed again later (same finding): its event was fined first, and stays first
    found[0] = Candidate(1, a, T0 + timedelta(hours=5), Decimal(100))
    again = _fine_now(found, entries, T0 + timedelta(hours=5), "re-close of #1")
    assert again == entries  # nothing to append
    offences = {e.event: e.offence for e in ledger.standing(again)}
    assert (offences[a], offences[b]) == (1, 2)


def test_a_later_event_delivered_earlier_renumbers_the_others() -> None:
    late = supply.event_key("一中", date(2026, 11, 20), "B2", None)
    early = supply.event_key("一中", date(2026, 11, 10), "B1", None)
    assert late and early
    entries = _fine_now([Candidate(1, late, T0, Decimal(100))], [], T0, "close of #1")
    both = [Candidate(1, late, T0, Decimal(100)), Candidate(2, early, T0, Decimal(100))]
    entries = _fine_now(both, entries, T0, "close of #2")
    standing = {(e.complaint_id, e.offence, e.amount) for e in ledger.standing(entries)}
    assert standing == {(2, 1, 200), (1, 2, 300)}
    reversal = next(e for e in entries if e.reverses is not None)
    assert "close of #2" in (reversal.reason or "") and "renumbered 1 → 2" in (
        reversal.reason or ""
    )


# ---- properties ------------------------------------------------------------------------

# Cases of one client: each on one of a few supply events (delivery days spread over
# two years, so the window matters), each with a supply value.
cases = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 700), st.integers(1, 5000)),
    min_size=1,
    max_size=8,
)
# Operations: (case index, True = closed with a penalty finding, False = cleared).
operations = st.lists(st.tuples(st.integers(0, 7), st.booleans()), min_size=1, max_size=25)


def _key(batch: int, offset: int) -> str:
    key = supply.event_key("实验小学", DAY0 + timedelta(days=offset), f"B{batch}", None)
    assert key is not None
    return key


def _oracle(found: list[Candidate], fined_first: dict[str, datetime]) -> dict[str, Decimal]:
    """Each fined event's multiplier, counted straight from the definition: the client's
    events fined in the window before its delivery day, and those of the same day first
    fined before it."""
    first = {c.event: (fined_first[c.event], 0) for c in found}
    result: dict[str, Decimal] = {}
    for event in first:
        day = supply.day_of(event)
        earlier = [
            other
            for other in first
            if other != event
            and (
                day - timedelta(days=WINDOW) <= supply.day_of(other) < day
                or (
                    supply.day_of(other) == day
                    and (first[other][0], other) < (first[event][0], event)
                )
            )
        ]
        offence = len(earlier) + 1
        k = LADDER[min(offence, len(LADDER)) - 1]
        result[event] = k
    return result


@settings(max_examples=150, deadline=None)
@given(cases, operations)
def test_reclosing_in_any_order_leaves_one_fine_per_supply_event(
    shape: list[tuple[int, int, int]], ops: list[tuple[int, bool]]
) -> None:
    events = [_key(batch, offset) for batch, offset, _ in shape]
    values = [Decimal(v) for _, _, v in shape]
    closed: dict[int, Candidate] = {}
    entries: list[Entry] = []
    fined_first: dict[str, datetime] = {}
    for step, (index, fined) in enumerate(ops):
        index %= len(shape)
        at = T0 + timedelta(minutes=step)
        if fined:
            closed[index + 1] = Candidate(index + 1, events[index], at, values[index])
            fined_first.setdefault(events[index], at)
        else:
            closed.pop(index + 1, None)
        entries = _fine_now(list(closed.values()), entries, at, f"step {step}")
        standing = [e for e in ledger.standing(entries) if e.kind == "fine"]
        per_event: dict[str, list[Entry]] = {}
        for e in standing:
            per_event.setdefault(e.event or "", []).append(e)
        # never more than one net fine per supply event, and only on fined events
        assert all(len(v) == 1 for v in per_event.values())
        assert set(per_event) == {c.event for c in closed.values()}
        # the net of every event is its standing fine; nothing else is left over
        for event, (fine,) in per_event.items():
            net = ledger.net(e for e in entries if e.event == event)
            assert net == fine.amount
            carrier = next(c for c in closed.values() if c.complaint_id == fine.complaint_id)
            assert carrier.event == event
            # ladder(offence) × the carrier's supply value, offence by the definition
            assert (
                fine.amount
                == _oracle(list(closed.values()), fined_first)[event] * carrier.supply_value
            )
        # entries are only appended: every reversal cancels one standing entry exactly
        for e in entries:
            if e.reverses is not None:
                original = entries[e.reverses - 1]
                assert original.amount == -e.amount and original.reverses is None


@settings(max_examples=100, deadline=None)
@given(cases, st.permutations(range(8)))
def test_the_order_of_closes_never_changes_the_amounts(
    shape: list[tuple[int, int, int]], order: list[int]
) -> None:
    """Closing the cases one by one, in any order of their delivery days, nets the same
    fine per event as finding them all closed at once at the same moments: the answer
    depends on when each case was closed, never on the order the ledger heard of them.
    One delivery has one supply value, whichever case states it."""
    value = {(b, o): Decimal(v) for b, o, v in shape}
    picked = [i for i in order if i < len(shape)]
    found = [
        Candidate(i + 1, _key(*shape[i][:2]), T0 + timedelta(minutes=step), value[shape[i][:2]])
        for step, i in enumerate(picked)
    ]
    at_once = _fine_now(found, [], T0 + timedelta(minutes=len(found)), "all")
    one_by_one: list[Entry] = []
    for step in range(len(found)):
        one_by_one = _fine_now(found[: step + 1], one_by_one, found[step].closed_at, "close")

    def nets(entries: list[Entry]) -> dict[str, Decimal]:
        result: dict[str, Decimal] = {}
        for e in entries:
            result[e.event or ""] = result.get(e.event or "", Decimal(0)) + e.amount
        return {k: v for k, v in result.items() if v}

    assert nets(one_by_one) == nets(at_once)


@given(st.lists(st.tuples(st.sampled_from(["fine", "payment"]), st.integers(1, 10**6))))
def test_a_staff_fine_settles_to_what_is_wanted(_: list[tuple[str, int]]) -> None:
    entries: list[Entry] = []
    for wanted in (Decimal(50), Decimal(50), None, Decimal(50), Decimal(80)):
        new = ledger.settle_staff_fine(entries, 1, wanted, "小刘", by="t", at=T0, why="close of #1")
        for e in new:
            entries.append(dataclasses.replace(e, id=len(entries) + 1))
        assert ledger.net(entries, "staff_fine") == (wanted or 0)
        assert len(ledger.standing(entries)) == (0 if wanted is None else 1)
