"""Issue 9: breaches stay breached. Once a milestone's deadline (as in force at that
moment) has passed without it, nothing — reclassifying, extending, a back-dated `done`,
reopening, closing again — turns it into met; raising the severity never breaches the
past; an extension past the resolution deadline moves the resolution with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import Run, closed, ok, refused, revisited

Log = Callable[..., dict[str, Any]]


# The customer says it can wait: lowered, with the reason lowering needs.
NOT_URGENT = ("--severity", "non_urgent", "--reason", "客户说不急")


def report(run: Run, now: str) -> dict[str, Any]:
    data: dict[str, Any] = ok(run("report", "--month", "2026-11", "--json", now=now))
    return data


def on_time(data: dict[str, Any], milestone: str) -> tuple[int, int]:
    cells = data["on_time"].get(milestone, {}).values()
    return sum(c["met"] for c in cells), sum(c["breached"] for c in cells)


def state(run: Run, milestone: str, now: str) -> str:
    shown = ok(run("show", "1", "--json", now=now))
    return str(shown["deadlines"][milestone]["state"])


def test_defect4a_lowering_after_cron_recorded_a_breach_keeps_the_breach(
    run: Run, log: Log
) -> None:
    log("鸡腿没熟", now="2026-11-19 09:00")  # a Thursday; general: contact due 10:00
    run("overdue", now="2026-11-19 10:30")  # cron writes the contact breach
    ok(run("classify", "1", *NOT_URGENT, now="2026-11-19 10:40"))
    assert state(run, "contact", "2026-11-19 10:45") == "breached"
    ok(run("done", "1", "contact", now="2026-11-19 10:50"))
    assert state(run, "contact", "2026-11-19 10:55") == "breached"
    assert on_time(report(run, "2026-11-19 11:00"), "contact") == (0, 1)


def test_defect4a_lowering_without_cron_still_counts_the_passed_deadline(
    run: Run, log: Log
) -> None:
    log("鸡腿没熟", now="2026-11-19 09:00")  # a Thursday
    ok(run("classify", "1", *NOT_URGENT, now="2026-11-19 10:40"))
    events = ok(run("show", "1", "--json", now="2026-11-19 10:41"))["events"]
    # contact and forward were both due at 10:00
    assert [e["action"] for e in events] == ["log", "breached", "breached", "classify"]
    assert on_time(report(run, "2026-11-19 11:00"), "contact") == (0, 1)


def test_lowering_always_needs_a_reason(run: Run, log: Log) -> None:
    log("米饭有馊味，孩子腹泻", "--ill", now="2026-11-22 09:00")  # urgent
    refused(run("classify", "1", "--severity", "general", now="2026-11-22 09:05"), "reason")
    ok(run("classify", "1", "--severity", "general", "--reason", "x", now="2026-11-22 09:05"))
    refused(run("classify", "1", "--severity", "non_urgent", now="2026-11-22 09:06"), "reason")


def test_defect4b_a_back_dated_done_after_the_breach_stays_breached(run: Run, log: Log) -> None:
    log("鸡腿没熟", now="2026-11-19 06:30")  # Thursday; the clock starts at 08:00: plan due 12:00
    run("overdue", now="2026-11-19 12:10")
    refused(run("done", "1", "plan", "--at", "09:50", now="2026-11-19 16:00"), "reason")
    done = ok(
        run(
            "done",
            "1",
            "plan",
            "--at",
            "09:50",
            "--reason",
            "电话里已告知，忘记登记",
            "--json",
            now="2026-11-19 16:00",
        )
    )
    assert done["deadlines"]["plan"]["done_at"] == "2026-11-19T09:50:00+08:00"
    assert done["deadlines"]["plan"]["state"] == "breached"
    last = ok(run("show", "1", "--json", now="2026-11-19 16:01"))["events"][-1]
    assert last["action"] == "done" and "电话里已告知，忘记登记" in last["note"]
    assert last["at"].startswith("2026-11-19T16:00")  # when it was recorded
    assert on_time(report(run, "2026-11-19 16:10"), "plan") == (0, 1)


def test_a_back_dated_done_within_ten_minutes_needs_no_reason(run: Run, log: Log) -> None:
    log("鸡腿没熟", now="2026-11-22 09:00")
    done = ok(run("done", "1", "contact", "--at", "09:40", "--json", now="2026-11-22 09:50"))
    assert done["deadlines"]["contact"]["state"] == "met"


def test_defect4c_a_late_revisit_stays_a_breach_after_the_reopen(run: Run, log: Log) -> None:
    log("鸡腿没熟", now="2026-11-16 09:00")
    closed(run, now="2026-11-16 10:00")  # a Monday
    run("overdue", now="2026-11-19 12:00")  # the revisit was due 11-19 10:00 (3 working days)
    reopened = ok(run("revisit", "1", "--satisfaction", "2", "--json", now="2026-11-19 14:00"))
    assert reopened["status"] == "reopened"
    assert reopened["deadlines"]["revisit"]["state"] == "breached"
    assert report(run, "2026-11-19 15:00")["breaches_by_milestone"]["revisit"] == 1
    # closed again, and revisited on time: the first revisit's breach still counts
    ok(run("close", "1", "--remedy", "replace", "--cause", "processing", now="2026-11-19 16:00"))
    revisited(run, "1", 5, now="2026-11-20 10:00")
    assert report(run, "2026-11-20 11:00")["breaches_by_milestone"]["revisit"] == 1


def test_a_late_resolution_stays_a_breach_after_the_reopen(run: Run, log: Log) -> None:
    log("鸡腿没熟", now="2026-11-18 09:00")  # resolution due 11-19 09:00
    closed(run, now="2026-11-20 10:00")
    revisited(run, "1", 1, now="2026-11-21 10:00")
    ok(run("close", "1", "--remedy", "replace", "--cause", "processing", now="2026-11-21 12:00"))
    assert state(run, "resolution", "2026-11-21 12:00") == "breached"
    assert report(run, "2026-11-21 13:00")["breaches_by_milestone"]["resolution"] == 1


def test_defect5_raising_to_urgent_does_not_breach_the_past(run: Run, log: Log) -> None:
    log("鸡腿没熟", now="2026-11-19 09:00")  # Thursday; general: contact 10:00, plan 13:00
    raised = ok(
        run(
            "classify",
            "1",
            "--severity",
            "urgent",
            "--json",
            now="2026-11-19 09:40",
        )
    )
    contact, plan = raised["deadlines"]["contact"], raised["deadlines"]["plan"]
    assert contact["state"] == "pending" and contact["due_at"] == "2026-11-19T10:00:00+08:00"
    assert plan["due_at"] == "2026-11-19T11:40:00+08:00"  # 2 h from 09:40, sooner than 13:00
    assert raised["escalated_at"] is None
    actions = [
        e["action"] for e in ok(run("show", "1", "--json", now="2026-11-19 10:00"))["events"]
    ]
    assert "breached" not in actions


def test_defect12_an_extension_past_the_resolution_moves_the_resolution(run: Run, log: Log) -> None:
    log("鸡腿没熟", now="2026-11-19 09:00")  # Thursday; general: resolution due 11-20 09:00
    result = run(
        "extend",
        "1",
        "--milestone",
        "investigation",
        "--until",
        "2026-11-20 18:00",
        "--reason",
        "等待检测报告",
        now="2026-11-19 10:00",
    )
    assert result.exit_code == 0, result.stderr
    assert "Resolution moved to 2026-11-20 18:00" in result.stdout
    shown = ok(run("show", "1", "--json", now="2026-11-19 10:01"))
    resolution = shown["deadlines"]["resolution"]
    assert resolution["due_at"] == "2026-11-20T18:00:00+08:00"
    assert resolution["reason"] == "等待检测报告"
    overdue = run("overdue", "--json", now="2026-11-20 09:30")
    assert overdue.exit_code in (0, 1), overdue.stderr
    assert "resolution" not in overdue.stdout


def test_the_history_says_which_milestone_was_breached(run: Run, log: Log) -> None:
    log(
        "鸡腿没熟", now="2026-11-19 06:30"
    )  # Thursday; the clock starts at 08:00: contact due 09:00
    run("overdue", now="2026-11-19 10:40")
    history = run("show", "1", now="2026-11-19 10:41").stdout
    line = next(line for line in history.splitlines() if "breached" in line and "due" in line)
    assert "no change" not in line
    assert "contact breached — contact was due" in " ".join(history.split())
