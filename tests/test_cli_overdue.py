"""`aftersales overdue`: for cron (exit codes, silence) and for people; breach events."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import Run, closed, ok, refused

Log = Callable[..., dict[str, Any]]


def breach_events(db: Path) -> list[tuple[int, str, str | None]]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT complaint_id, changes, note FROM events WHERE action = 'breached' ORDER BY id"
    ).fetchall()
    return [(cid, next(iter(json.loads(ch))), note) for cid, ch, note in rows]


def test_nothing_overdue_prints_nothing_and_exits_0(run: Run, log: Log) -> None:
    log("鸡腿没熟")
    result = run("overdue")
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""
    assert run("overdue", "--json").stdout.strip() == "[]"


def test_empty_database_is_silent(run: Run) -> None:
    result = run("overdue")
    assert (result.exit_code, result.stdout) == (0, "")


def test_overdue_lists_most_urgent_and_most_late_first(run: Run, log: Log) -> None:
    # on weekdays: Tuesday, then Thursday; cron runs Thursday 11:00
    log("建议增加素食", now="2026-11-17 10:00")  # non_urgent: contact 11-18 10:00, plan 11-19
    log("鸡腿没熟", org="实验小学", now="2026-11-19 08:00")  # general: contact 09:00, plan 12:00
    log("米饭变质", now="2026-11-19 10:00")  # urgent: contact 10:30
    ok(run("assign", "3", "--to", "李工", now="2026-11-19 10:05"))
    result = run("overdue", "--json", now="2026-11-19 11:00")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    # (#3 was forwarded by its assign in time; forward is due with contact for the others)
    assert [(r["id"], r["milestone"]) for r in rows] == [
        (3, "contact"),
        (2, "contact"),
        (2, "forward"),
        (1, "contact"),
        (1, "forward"),
        (1, "plan"),
        (1, "resolution"),
    ]
    first = rows[0]
    assert first == {
        "id": 3,
        "customer": "张伟",
        "org": None,
        "severity": "urgent",
        "status": "assigned",
        "milestone": "contact",
        "due_at": "2026-11-19T10:30:00+08:00",
        "overdue_minutes": 30,
        "department": "quality_control",
        "assignee": "李工",
        "escalate": True,
    }
    assert rows[1]["overdue_minutes"] == 120 and rows[1]["escalate"] is False


def test_within_adds_what_falls_due_soon(run: Run, log: Log) -> None:
    log("鸡腿没熟", now="2026-11-19 09:30")  # Thursday: contact and forward due 10:30, plan 13:30
    result = run("overdue", "--within", "1h", now="2026-11-19 10:00")
    assert result.exit_code == 0  # nothing is late yet
    assert "due in 30 min" in result.stdout
    rows = json.loads(run("overdue", "--within", "4h", "--json", now="2026-11-19 10:00").stdout)
    assert [(r["milestone"], r["overdue_minutes"]) for r in rows] == [
        ("contact", -30),
        ("forward", -30),
        ("plan", -210),
    ]
    refused(run("overdue", "--within", "soon"), "within")
    refused(run("overdue", "--within", "-1h"), "within")


def test_a_general_complaint_of_the_weekend_waits_for_monday(run: Run, log: Log) -> None:
    """Business time (DECISIONS §14): a general complaint logged on Saturday is due in
    Monday's working hours, so Sunday's cron stays quiet; an urgent one runs 24/7."""
    log("鸡腿没熟", now="2026-11-21 09:00")  # Saturday: contact and forward Monday 09:00
    result = run("overdue")  # Sunday 10:00
    assert (result.exit_code, result.stdout) == (0, "")
    rows = json.loads(run("overdue", "--within", "24h", "--json").stdout)
    assert [(r["milestone"], r["overdue_minutes"]) for r in rows] == [
        ("contact", -23 * 60),
        ("forward", -23 * 60),
    ]
    log("米饭变质", now="2026-11-21 09:00")  # urgent: contact Saturday 09:30
    late = json.loads(run("overdue", "--json").stdout)
    assert {r["id"] for r in late} == {2} and run("overdue").exit_code == 1


def test_plain_text_for_cron(run: Run, log: Log) -> None:
    log("米饭变质", org="实验小学", now="2026-11-22 08:00")
    out = run("overdue").stdout
    lines = out.splitlines()
    assert lines[0].split() == [
        "id",
        "severity",
        "milestone",
        "due",
        "late",
        "department",
        "assignee",
        "org",
        "customer",
    ]
    # forward (due 08:15) comes before contact (08:30): the most late first
    assert lines[1].split()[:4] == ["1", "urgent", "forward", "11-22"]
    assert "1 h 45 min late" in lines[1] and "ESCALATE" in lines[1]
    assert lines[2].split()[:4] == ["1", "urgent", "contact", "11-22"]
    assert "1 h 30 min late" in lines[2]
    assert "\x1b[" not in out


def test_a_breach_is_written_once_however_often_cron_runs(
    run: Run, log: Log, db_path: Path
) -> None:
    log("鸡腿没熟", now="2026-11-19 07:00")  # Thursday: counted from 08:00
    for minute in ("10:00", "10:05", "10:10"):
        assert run("overdue", now=f"2026-11-19 {minute}").exit_code == 1
    assert breach_events(db_path) == [
        (1, "deadlines.contact.state", "contact was due 2026-11-19 09:00"),
        (1, "deadlines.forward.state", "forward was due 2026-11-19 09:00"),
    ]
    assert run("overdue", now="2026-11-19 12:30").exit_code == 1  # plan due 12:00 now late
    assert [e[1] for e in breach_events(db_path)] == [
        "deadlines.contact.state",
        "deadlines.forward.state",
        "deadlines.plan.state",
    ]


def test_urgent_overdue_is_escalated_once(run: Run, log: Log, db_path: Path) -> None:
    log("米饭变质", now="2026-11-22 07:00")
    run("overdue")
    notes = [e[2] for e in breach_events(db_path)]
    assert notes[0].endswith("escalated to management")
    assert not any(n.endswith("escalated to management") for n in notes[1:])
    # forward 07:15, contact 07:30 and plan 09:00; investigation is due at 11:00
    assert len(notes) == 3


def test_completing_late_writes_the_breach_and_cron_does_not_repeat_it(
    run: Run, log: Log, db_path: Path
) -> None:
    log("鸡腿没熟", now="2026-11-19 07:00")  # Thursday: counted from 08:00
    ok(run("done", "1", "contact", now="2026-11-19 10:00"))  # due 09:00, forward too
    assert breach_events(db_path) == [
        (1, "deadlines.contact.state", "contact was due 2026-11-19 09:00"),
        (1, "deadlines.forward.state", "forward was due 2026-11-19 09:00"),
    ]
    run("overdue", now="2026-11-19 10:10")
    assert len(breach_events(db_path)) == 2
    history = [
        e["action"] for e in ok(run("show", "1", "--json", now="2026-11-19 10:15"))["events"]
    ]
    # the breaches are recorded before the change
    assert history == ["log", "breached", "breached", "done"]


def test_extension_after_the_deadline_writes_the_breach_and_silences_overdue(
    run: Run, log: Log, db_path: Path
) -> None:
    log("鸡腿没熟", now="2026-11-19 07:00")  # Thursday: contact due 09:00
    ok(
        run(
            "extend",
            "1",
            "--milestone",
            "contact",
            "--until",
            "+3h",
            "--reason",
            "客户外出",
            now="2026-11-19 10:00",
        )
    )
    assert [e[1] for e in breach_events(db_path)] == [
        "deadlines.contact.state",
        "deadlines.forward.state",
    ]
    rows = json.loads(run("overdue", "--json", now="2026-11-19 11:00").stdout)
    assert "contact" not in {r["milestone"] for r in rows}  # promised for 13:00


def test_closed_case_with_overdue_revisit(run: Run, log: Log) -> None:
    log("鸡腿没熟", now="2026-11-10 09:00")
    closed(run, now="2026-11-10 12:00")
    rows = json.loads(run("overdue", "--json").stdout)
    # confirm fell due an hour after the close (no investigation before it)
    assert [(r["milestone"], r["status"]) for r in rows] == [
        ("confirm", "closed"),
        ("revisit", "closed"),
    ]


def test_two_cron_runs_at_the_same_moment_write_each_breach_once(
    log: Log, db_path: Path, tmp_path: Path
) -> None:
    for n in range(30):
        log(f"鸡腿没熟 {n}", now="2026-11-19 06:00")  # Thursday: contact 09:00, plan 12:00
    env = {
        "AFTERSALES_DB": str(db_path),
        "AFTERSALES_NOW": "2026-11-19 12:30",
        "AFTERSALES_OPERATOR": "cron",
        "PATH": "/usr/bin:/bin",
        **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},  # a worktree's source
    }
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "aftersales_cli", "overdue"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    codes = [(p.wait(), p.stderr.read() if p.stderr else b"") for p in runs]
    assert all(code == 1 for code, _ in codes), codes
    events = breach_events(db_path)
    assert len(events) == 90  # contact, forward and plan of each, once
    assert len(set(events)) == 90


def test_show_marks_escalation(run: Run, log: Log) -> None:
    log("米饭变质", now="2026-11-22 07:00")
    run("overdue")
    data = ok(run("show", "1", "--json"))
    assert data["escalated_at"] == "2026-11-22T10:00:00+08:00"
    assert "escalated" in run("show", "1").stdout
