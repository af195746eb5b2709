"""show and list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import Run, closed, ok, refused

Log = Callable[..., dict[str, Any]]


def test_show_has_fields_deadline_states_and_timeline(run: Run, log: Log) -> None:
    log("鸡腿没熟", org="实验小学", now="2026-11-19 08:00")  # a Thursday
    ok(run("done", "1", "contact", now="2026-11-19 08:30"))
    result = run("show", "1", now="2026-11-19 13:00")
    assert result.exit_code == 0
    out = result.stdout
    assert "Complaint #1 · food_quality 食品质量 · general 一般 · new" in out
    assert "13812345678" in out  # the operator calls back from it
    assert "met · done 2026-11-19 08:30" in out
    assert "breached · 1 h late" in out  # plan due 12:00
    assert "pending · in 3 h" in out  # investigation due 16:00
    assert "History" in out and "logged via online" in out and "contact done" in out


def test_show_json_adds_events(run: Run, log: Log) -> None:
    log()
    data = ok(run("show", "1", "--json"))
    assert data["id"] == 1
    assert data["events"][0]["action"] == "log"
    assert data["events"][0]["at"] == "2026-11-22T10:00:00+08:00"
    assert data["events"][0]["changes"]["status"] == [None, "new"]


def test_list_defaults_to_what_needs_doing_most_pressing_first(
    run: Run, log: Log, thursday: None
) -> None:
    log("建议增加素食", now="2026-11-19 08:00")  # non_urgent: contact due tomorrow
    log("米饭变质", now="2026-11-19 09:50")  # urgent: contact due 10:20
    log("鸡腿没熟", now="2026-11-19 09:00")  # general: contact due 10:00
    log("送晚了", now="2026-11-16 09:00")
    ok(run("close", "4", "--remedy", "apology", "--cause", "traffic", now="2026-11-16 12:00"))
    ok(run("revisit", "4", "--satisfaction", "5", now="2026-11-17 12:00"))
    listed = ok(run("list", "--json"))
    assert [c["id"] for c in listed] == [3, 2, 1]
    assert listed[0]["phone"] == "138****5678"  # masked in listings
    assert ok(run("list", "--json", "--show-phone"))[0]["phone"] == "13812345678"
    assert {c["id"] for c in ok(run("list", "--all", "--json"))} == {1, 2, 3, 4}
    # #4's result was never confirmed with the customer (due 1 h after its close)
    assert [c["id"] for c in ok(run("list", "--all", "--limit", "2", "--json"))] == [4, 3]


def test_list_includes_closed_cases_awaiting_revisit(run: Run, log: Log) -> None:
    log()
    closed(run)
    assert [c["status"] for c in ok(run("list", "--json"))] == ["closed"]


def test_list_filters(run: Run, log: Log) -> None:
    log("米饭变质", org="实验小学", now="2026-11-01 09:00")
    log("送晚了", org="第二中学", now="2026-11-15 09:00")
    log("菜太咸", org="实验小学", now="2026-11-21 23:30")
    ok(run("assign", "2", "--to", "老王"))

    def ids(*args: str) -> list[int]:
        return sorted(c["id"] for c in ok(run("list", "--all", "--json", *args)))

    assert ids("--severity", "紧急") == [1]
    assert ids("--category", "delivery_delay") == [2]
    assert ids("--category", "口味反馈", "--category", "food_safety") == [1, 3]
    assert ids("--dept", "delivery") == [2]
    assert ids("--org", "实验小学") == [1, 3]
    assert ids("--status", "assigned") == [2]
    assert ids("--from", "2026-11-10") == [2, 3]
    assert ids("--to", "2026-11-15") == [1, 2]
    assert ids("--from", "2026-11-02", "--to", "2026-11-21") == [2, 3]  # local days
    assert ids("--text", "太咸") == [3]
    assert ids("--text", "100%") == []
    refused(run("list", "--severity", "critical"), "severity")
    refused(run("list", "--from", "yesterday-ish"), "from")
    refused(run("list", "--from", "2026-11-10", "--to", "2026-11-01"), "to")
    refused(run("list", "--limit", "0"), "limit")


def test_list_plain_text_table(run: Run, log: Log) -> None:
    log("米饭变质", org="实验小学")
    out = run("list").stdout
    lines = out.splitlines()
    header = ["id", "received", "severity", "category", "status", "customer", "org", "phone"]
    assert lines[0].split() == [*header, "next", "deadline"]
    assert "138****5678" in lines[1] and "forward 11-22 10:15 · in 15 min" in lines[1]
    assert lines[-1] == "1 complaint(s)"
    assert "\x1b[" not in out  # no colour when not on a terminal


def test_list_empty(run: Run) -> None:
    assert run("list").stdout.strip() == "No complaints match."
    assert ok(run("list", "--json")) == []
