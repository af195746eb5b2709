"""The desk's use cases driven directly — as the demo and import drive them — on a real
database file: typed commands in, what changed out, one transaction each."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from aftersales_cli.desk import cases, parse
from aftersales_cli.desk.work import Desk
from aftersales_cli.rules.config import default_rules
from aftersales_cli.rules.errors import RuleError
from aftersales_cli.store import complaints as store
from aftersales_cli.store import events
from aftersales_cli.store.db import open_db, transaction

T0 = pendulum.datetime(2026, 11, 21, 9, tz="Asia/Shanghai")


def desk_at(db: Path, now: pendulum.DateTime) -> Desk:
    conn = open_db(db)
    return Desk(conn, now, default_rules(), "客服小王", lambda: transaction(conn))


INTAKE = {
    "description": "米饭有馊味",
    "channel": "热线",
    "customer": "王老师",
    "phone": "139-0000-0070",
    "org": "第一中学",
    "batch": "B-1123",
    "delivery_date": "2026-11-21",
}


def test_a_case_from_call_to_fine_through_the_desk(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    desk = desk_at(db, T0)
    logged = cases.log(desk, parse.intake(INTAKE, desk.now, desk.rules))
    case = logged.case
    assert (case.id, case.category, case.severity) == (1, "food_safety", "urgent")
    assert logged.suggestion.category == "food_safety"  # triaged once, and said why
    assert any("馊" in reason for reason in logged.suggestion.reasons)
    later = desk_at(db, T0.add(hours=1))
    closing = parse.close(
        1,
        remedies=["退款"],
        cause="processing",
        amounts=["36"],
        finding="spoiled",
        supply_value="2000",
        now=later.now,
    )
    closed = cases.close(later, closing).after
    assert closed.status == "closed"
    assert closed.penalty is not None and closed.penalty.amount == 4000
    # forwarded to no department within 15 min: breached before the close
    assert [e.action for e in events.of_case(later.conn, 1)] == ["log", "breached", "close"]


def test_a_refused_use_case_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    desk = desk_at(db, T0)
    cases.log(desk, parse.intake(INTAKE, desk.now, desk.rules))
    later = desk_at(db, T0.add(hours=5))  # contact (30 min) and plan (2 h) have passed
    apology = parse.close(1, remedies=["apology"], cause="processing", finding="spoiled",
                          supply_value="2000", now=later.now)  # fmt: skip
    with pytest.raises(RuleError, match="exchange or return"):
        cases.close(later, apology)
    # not even the breaches the refused close found: nothing was written
    assert [e.action for e in events.of_case(later.conn, 1)] == ["log"]
    assert store.get(later.conn, 1).status == "new"


def test_the_parser_names_the_field_it_refuses(tmp_path: Path) -> None:
    desk = desk_at(tmp_path / "desk.db", T0)
    with pytest.raises(RuleError) as caught:
        parse.intake({**INTAKE, "phone": "12ab"}, desk.now, desk.rules)
    assert caught.value.field == "phone"
    with pytest.raises(RuleError) as caught:
        parse.close(1, remedies=["refund"], cause="processing", amounts=["refund=-1"], now=T0)
    assert caught.value.field == "amount"
