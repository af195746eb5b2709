"""`pause` and `resume` (issue 14): while a complaint is paused its pending deadlines do
not run and nothing is breached; on resume each moves by the paused time — working
minutes on a business-time clock, elapsed time on a 24/7 one; `overdue` leaves a paused
complaint out until it has been paused longer than `deadlines.pause_limit` (3 working
days), then lists it; closing or reopening ends the pause and keeps its time.

Every clock here is a weekday in working hours (the default calendar: Monday to Friday
08:00-18:00, Asia/Shanghai; November 2026 has no holiday). Each assertion says which
clock it relies on: a general complaint's contact, plan, investigation and resolution
run in business time; an urgent one's run 24/7.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import BASIC, Run, closed, ok, refused, revisited

THU = "2026-11-19 09:00"  # Thursday
FRI_16 = "2026-11-20 16:00"  # Friday
MON_9 = "2026-11-23 09:00"  # Monday


def logged(run: Run, now: str, *extra: str, text: str = "米饭偏硬，口感不好") -> dict[str, Any]:
    data: dict[str, Any] = ok(run("log", text, *BASIC, *extra, "--json", now=now))
    return data


def dues(data: dict[str, Any]) -> dict[str, str | None]:
    """Each deadline's due, as local `YYYY-MM-DD HH:MM` (None: it does not apply)."""
    return {
        m: d["due_at"][:16].replace("T", " ") if d["due_at"] else None
        for m, d in data["deadlines"].items()
    }


def events(run: Run, cid: str, now: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(run("show", cid, "--json", now=now))["events"]
    return found


def test_resume_moves_business_time_deadlines_by_the_working_time_paused(run: Run) -> None:
    """Business time (general): paused Fri 16:00 to Mon 09:00 is 3 working hours (Fri
    16-18, Mon 08-09). Contact, due Fri 17:00 with 1 working hour left, is due Mon 10:00
    (1 h left at the resume); resolution (1 working day: Mon 16:00, 10 h left) Tue 09:00."""
    before = dues(logged(run, FRI_16))
    assert before["contact"] == "2026-11-20 17:00"
    assert before["resolution"] == "2026-11-23 16:00"
    ok(run("pause", "1", "--reason", "客户电话无人接听", "--json", now=FRI_16))
    after = dues(ok(run("resume", "1", "--note", "客户已回电", "--json", now=MON_9)))
    assert after["contact"] == "2026-11-23 10:00"
    assert after["forward"] == "2026-11-23 10:00"
    assert after["plan"] == "2026-11-23 13:00"  # Mon 10:00 + 3 h
    assert after["investigation"] == "2026-11-23 17:00"  # Mon 14:00 + 3 h
    assert after["resolution"] == "2026-11-24 09:00"  # Mon 16:00 + 2 h + Tue 1 h
    pause, resume = events(run, "1", MON_9)[-2:]
    assert (pause["action"], pause["note"]) == ("pause", "客户电话无人接听")
    assert (resume["action"], resume["note"]) == ("resume", "客户已回电")
    assert resume["changes"]["deadlines.contact.due_at"] == [
        "2026-11-20T17:00:00+08:00",
        "2026-11-23T10:00:00+08:00",
    ]
    assert "deadlines.resolution.due_at" in resume["changes"]
    shown = run("show", "1", now=MON_9).stdout
    assert "paused since" not in shown
    assert "paused       2 d 17 h in all" in shown  # clock time, for the report


def test_resume_moves_24_7_deadlines_by_the_elapsed_time(run: Run) -> None:
    """24/7 (urgent): paused Thu 09:10 to 11:10 moves every pending due by 2 h."""
    before = dues(logged(run, THU, "--severity", "urgent"))
    assert before["contact"] == "2026-11-19 09:30"
    assert before["resolution"] == "2026-11-20 09:00"
    ok(run("pause", "1", "--reason", "等待客户提供照片", now="2026-11-19 09:10"))
    after = dues(ok(run("resume", "1", "--json", now="2026-11-19 11:10")))
    assert after["contact"] == "2026-11-19 11:30"
    assert after["resolution"] == "2026-11-20 11:00"


def test_a_breach_before_the_pause_stays_breached(run: Run) -> None:
    """Business time: contact due Thu 10:00 is breached at the 10:30 pause and stays so;
    plan (due 13:00) moves by the 1.5 working hours paused to 14:30."""
    logged(run, THU)
    ok(run("pause", "1", "--reason", "客户电话无人接听", now="2026-11-19 10:30"))
    data = ok(run("resume", "1", "--json", now="2026-11-19 12:00"))
    contact = data["deadlines"]["contact"]
    assert (contact["due_at"], contact["state"]) == ("2026-11-19T10:00:00+08:00", "breached")
    assert dues(data)["plan"] == "2026-11-19 14:30"
    breached = [e for e in events(run, "1", "2026-11-19 12:00") if e["action"] == "breached"]
    assert [e["at"][:16] for e in breached][:2] == ["2026-11-19T10:30"] * 2  # contact, forward


def test_nothing_is_breached_while_paused(run: Run) -> None:
    """Business time: paused Thu 09:30 with contact due 10:00; `overdue` at 17:00 lists
    nothing and writes no breach; resumed Fri 09:00 (9.5 working hours later) contact is
    due Fri 09:30 — the 30 minutes it had left."""
    logged(run, THU)
    ok(run("pause", "1", "--reason", "等待客户寄回样品", now="2026-11-19 09:30"))
    result = run("overdue", now="2026-11-19 17:00")
    assert (result.exit_code, result.stdout) == (0, "")
    assert ok(run("overdue", "--json", now="2026-11-19 17:00")) == []
    shown = run("show", "1", now="2026-11-19 17:00").stdout
    assert "paused       since 2026-11-19 09:30 — 等待客户寄回样品" in shown
    assert "contact        2026-11-19 10:00  paused" in shown
    listed = run("list", now="2026-11-19 17:00").stdout
    assert "contact 11-19 10:00 · paused" in listed
    data = ok(run("resume", "1", "--json", now="2026-11-20 09:00"))
    assert dues(data)["contact"] == "2026-11-20 09:30"
    assert data["deadlines"]["contact"]["state"] == "pending"
    assert not [e for e in events(run, "1", "2026-11-20 09:00") if e["action"] == "breached"]


def test_overdue_lists_a_case_paused_past_its_limit(run: Run) -> None:
    """The limit is 3 working days (business time): paused Thu 09:30, listed from Tue
    2026-11-24 09:30 as milestone `paused`, its deadlines still left out."""
    logged(run, THU)
    ok(run("pause", "1", "--reason", "等待客户寄回样品", now="2026-11-19 09:30"))
    quiet = run("overdue", now="2026-11-24 09:00")
    assert (quiet.exit_code, quiet.stdout) == (0, "")
    soon = ok(run("overdue", "--within", "1h", "--json", now="2026-11-24 09:00"))
    assert [(r["id"], r["milestone"]) for r in soon] == [(1, "paused")]  # falls due soon
    result = run("overdue", "--json", now="2026-11-24 10:00")
    assert result.exit_code == 1
    rows = [r for r in json.loads(result.stdout) if r["id"] == 1]
    assert len(rows) == 1
    row = rows[0]
    common = {"id", "customer", "org", "severity", "status", "milestone", "due_at"}
    common |= {"overdue_minutes", "department", "assignee", "escalate"}
    assert set(row) == common | {"paused_at", "pause_reason"}
    assert row["milestone"] == "paused"
    assert row["due_at"] == "2026-11-24T09:30:00+08:00"
    assert row["overdue_minutes"] == 30
    assert row["paused_at"] == "2026-11-19T09:30:00+08:00"
    assert row["pause_reason"] == "等待客户寄回样品"
    plain = run("overdue", now="2026-11-24 10:00").stdout
    line = next(ln for ln in plain.splitlines() if ln.startswith("1 "))
    assert "paused" in line and "11-24 09:30" in line and "等待客户寄回样品" in line
    assert not [e for e in events(run, "1", "2026-11-24 10:00") if e["action"] == "breached"]


def test_close_while_paused_ends_the_pause_and_keeps_its_time(run: Run) -> None:
    logged(run, THU)
    ok(run("pause", "1", "--reason", "客户电话无人接听", now="2026-11-19 09:30"))
    closed(run, "1", now="2026-11-19 11:30")
    close = events(run, "1", "2026-11-19 11:30")[-1]
    assert close["action"] == "close"
    assert close["changes"]["paused_at"] == ["2026-11-19T09:30:00+08:00", None]
    assert close["changes"]["paused_minutes"] == [0, 120]
    shown = run("show", "1", now="2026-11-19 11:30").stdout
    assert "paused       2 h in all" in shown and "paused since" not in shown


def test_a_revisit_reopening_a_paused_closed_case_ends_the_pause(run: Run) -> None:
    """Business time: the revisit (3 working days after the close) is the one deadline
    running on a closed case; pausing stops it, the reopening ends the pause."""
    logged(run, THU)
    closed(run, "1", now="2026-11-19 10:00")
    ok(run("pause", "1", "--reason", "客户出差，下周回访", now="2026-11-19 11:00"))
    reopened = revisited(run, "1", 1, now="2026-11-19 15:00")
    assert reopened["status"] == "reopened"
    revisit = events(run, "1", "2026-11-19 15:00")[-1]
    assert revisit["action"] == "revisit"
    assert revisit["changes"]["paused_at"] == ["2026-11-19T11:00:00+08:00", None]
    assert revisit["changes"]["paused_minutes"] == [0, 240]
    assert run("resume", "1", now="2026-11-19 15:00").exit_code == 2


def test_reclassifying_while_paused_loses_no_paused_time(run: Run) -> None:
    """Business time: paused Thu 09:30 (contact due 10:00), recategorised at 11:30,
    resumed 13:30: contact is due 14:00 — 30 minutes after the resume, as when paused —
    and all 4 hours are counted as paused."""
    logged(run, THU)
    ok(run("pause", "1", "--reason", "等待客户寄回样品", now="2026-11-19 09:30"))
    ok(run("classify", "1", "--category", "delivery_delay", now="2026-11-19 11:30"))
    data = ok(run("resume", "1", "--json", now="2026-11-19 13:30"))
    assert dues(data)["contact"] == "2026-11-19 14:00"
    assert "paused       4 h in all" in run("show", "1", now="2026-11-19 13:30").stdout


# ---- refusals: exit 2, the field named, nothing written ----------------------------------


def _unchanged(run: Run, cid: str, now: str) -> str:
    return str(run("show", cid, "--json", now=now).stdout)


def test_pause_refuses_an_unknown_id(run: Run) -> None:
    logged(run, THU)
    refused(run("pause", "9", "--reason", "x", now=THU), "id", "9")
    refused(run("resume", "9", now=THU), "id", "9")


def test_pause_refuses_an_empty_reason(run: Run) -> None:
    logged(run, THU)
    before = _unchanged(run, "1", THU)
    refused(run("pause", "1", "--reason", "  ", now=THU), "reason", "empty")
    assert _unchanged(run, "1", THU) == before
    result = run("pause", "1", now=THU)
    assert result.exit_code == 2 and "--reason" in result.stderr


def test_pause_refuses_a_case_already_paused(run: Run) -> None:
    logged(run, THU)
    ok(run("pause", "1", "--reason", "客户电话无人接听", now=THU))
    before = _unchanged(run, "1", THU)
    refused(run("pause", "1", "--reason", "again", now=THU), "status", "already paused")
    assert _unchanged(run, "1", THU) == before


def test_resume_refuses_a_case_not_paused(run: Run) -> None:
    logged(run, THU)
    before = _unchanged(run, "1", THU)
    refused(run("resume", "1", now=THU), "status", "not paused")
    assert _unchanged(run, "1", THU) == before


def test_pause_refuses_a_case_with_no_deadline_running(run: Run) -> None:
    logged(run, THU)
    closed(run, "1", now="2026-11-19 10:00")
    ok(run("done", "1", "confirm", now="2026-11-19 10:30"))
    revisited(run, "1", 5, now="2026-11-19 11:00")  # done for good
    before = _unchanged(run, "1", "2026-11-19 11:00")
    refused(run("pause", "1", "--reason", "x", now="2026-11-19 11:00"), "status", "no deadline")
    assert _unchanged(run, "1", "2026-11-19 11:00") == before


def test_pause_prints_the_case_and_when_overdue_will_list_it(run: Run) -> None:
    logged(run, THU)
    shown = run("pause", "1", "--reason", "客户电话无人接听", now="2026-11-19 09:30").stdout
    assert "Paused complaint #1." in shown
    assert "Listed by overdue from 2026-11-24 09:30 if still paused." in shown  # 3 working d
    resumed = run("resume", "1", now="2026-11-19 10:30").stdout
    assert "Resumed complaint #1." in resumed and "Paused 1 h;" in resumed


# ---- the report: paused time per complaint and in all -------------------------------------


def test_the_report_shows_the_paused_time_in_every_format(run: Run, tmp_path: Path) -> None:
    """Clock hours: #1 paused 09:30-11:30 (2 h, over), #2 paused since 10:00 (6 h at
    16:00, still paused); #3 never paused is not listed."""
    for text in ("米饭偏硬", "送餐迟到", "汤洒了"):
        logged(run, THU, text=text)
    ok(run("pause", "1", "--reason", "客户电话无人接听", now="2026-11-19 09:30"))
    ok(run("resume", "1", now="2026-11-19 11:30"))
    ok(run("pause", "2", "--reason", "等待客户寄回样品", now="2026-11-19 10:00"))
    now = "2026-11-19 16:00"
    data = ok(run("report", "--month", "2026-11", "--json", now=now))
    assert data["paused"] == {
        "hours": 8.0,
        "complaints": 2,
        "still_paused": 1,
        "longest": [
            {"id": 2, "hours": 6.0, "still_paused": True},
            {"id": 1, "hours": 2.0, "still_paused": False},
        ],
    }
    shown = run("report", "--month", "2026-11", now=now).stdout
    section = shown[shown.index("Paused time of the period's complaints") :].splitlines()
    assert section[2].split() == ["#2", "6.0", "h", "yes"]
    assert section[3].split() == ["#1", "2.0", "h", "no"]
    assert section[4].split() == ["all", "2", "8.0", "h", "1", "still"]
    ok(run("report", "--month", "2026-11", "--csv", str(tmp_path / "csv"), now=now))
    lines = (tmp_path / "csv" / "paused.csv").read_text("utf-8-sig").splitlines()
    assert lines[0].split(",") == ["complaint", "paused", "still paused"]
    assert lines[1].split(",")[:2] == ["#2", "6.0"]
    ok(run("report", "--month", "2026-11", "--html", str(tmp_path / "r.html"), now=now))
    assert "Paused time of the period" in (tmp_path / "r.html").read_text("utf-8")


def test_a_month_without_pauses_reports_none(run: Run) -> None:
    logged(run, THU)
    data = ok(run("report", "--month", "2026-11", "--json", now="2026-11-19 16:00"))
    assert data["paused"] == {"hours": 0, "complaints": 0, "still_paused": 0, "longest": []}
    shown = run("report", "--month", "2026-11", now="2026-11-19 16:00").stdout
    assert "Paused time of the period's complaints (aftersales pause; the 20 longest" in shown
    assert "then all): none." in shown


def test_resume_says_how_long_and_how_much_working_time_that_was(run: Run) -> None:
    logged(run, FRI_16)
    ok(run("pause", "1", "--reason", "客户电话无人接听", now=FRI_16))
    said = run("resume", "1", now=MON_9).stdout
    assert "Paused 2 d 17 h (3 h of working time); pending deadlines moved by it." in said
    text = run("show", "1", now=MON_9, env={"COLUMNS": "200"}).stdout
    assert (
        "1 business hour from 11-20 16:00; skipped 11-21 to 11-22 (weekend); moved 3 h by pauses"
        in text
    )
