"""The corrective action's state machine (pure): open → done → verified, nothing else;
every step's changes replayed give back the action (`history_problems`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales_cli.rules import actions
from aftersales_cli.rules.errors import Refused, RuleError

RECEIVED = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


class Entry(NamedTuple):
    changes: dict[str, Any]


def stored(changes: dict[str, tuple[Any, Any]]) -> Entry:
    """As the history stores a step: times as UTC text, pairs as lists."""
    return Entry(
        {
            k: [v.isoformat() if isinstance(v, datetime) else v for v in pair]
            for k, pair in changes.items()
        }
    )


def opened(due_hours: int = 24) -> actions.Action:
    action = actions.open_action(
        1,
        RECEIVED,
        text="冷藏车温控改造",
        department="delivery",
        owner=None,
        due_at=RECEIVED + timedelta(hours=due_hours),
        now=RECEIVED + timedelta(hours=1),
        by="tester",
    )
    return actions.Action(**{**action.__dict__, "id": 7})


def test_due_must_follow_receipt() -> None:
    with pytest.raises(RuleError, match="after the complaint was received"):
        opened(due_hours=0)


@given(
    steps=st.lists(st.sampled_from(["done", "verified"]), max_size=6),
    gaps=st.lists(st.integers(min_value=0, max_value=96), min_size=6, max_size=6),
)
def test_an_action_only_moves_on_and_its_history_replays_it(
    steps: list[str], gaps: list[int]
) -> None:
    action = opened()
    history = [stored(actions.changes(None, action))]
    state, now = "open", action.opened_at
    for step, gap in zip(steps, gaps, strict=False):
        now += timedelta(hours=gap)
        allowed = (state, step) in {("open", "done"), ("done", "verified")}
        move = actions.mark_done if step == "done" else actions.verify
        if not allowed:
            with pytest.raises(Refused):
                move(action, now)
            continue
        after = move(action, now)
        history.append(stored(actions.changes(action, after)))
        action, state = after, step
        assert action.state == state
    assert actions.history_problems([action], history) == []
    assert action.late(now + timedelta(days=30)) == (
        action.done_at is None or action.done_at > action.due_at
    )
    tampered = actions.Action(**{**action.__dict__, "text": "别的"})
    assert actions.history_problems([tampered], history) != []
    assert actions.history_problems([], history) != []


def test_a_history_that_skips_a_step_is_refused() -> None:
    action = opened()
    history = [
        stored(actions.changes(None, action)),
        Entry({"actions.7.state": ["open", "verified"]}),
    ]
    problems = actions.history_problems([action], history)
    assert any("goes open, done, verified" in message for _, message in problems)
