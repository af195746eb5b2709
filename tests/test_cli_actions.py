"""Corrective actions (整改): `action add/done/verify/list`, in `show`, late ones in
`overdue` (listed, breached once, escalated), export/import and `check`."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, closed, ok, refused

Log = Callable[..., dict[str, Any]]
FIX = ("--text", "冷藏车温控改造", "--dept", "配送", "--owner", "王强")


def digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


@pytest.fixture
def food_case(run: Run, log: Log) -> dict[str, Any]:
    """An urgent food-safety complaint received at 09:00, closed at 09:30."""
    case = log("米饭变质，有酸味", category="food_safety", now="2026-11-22 09:00")
    closed(run, "1", "--finding", "none", now="2026-11-22 09:30")
    return case


def test_add_done_verify_moves_an_action_on(run: Run, food_case: dict[str, Any]) -> None:
    added = ok(run("action", "add", "1", *FIX, "--due", "2026-11-25 18:00", "--json"))
    assert added == {
        "id": 1,
        "complaint_id": 1,
        "text": "冷藏车温控改造",
        "department": "delivery",
        "owner": "王强",
        "due_at": "2026-11-25T18:00:00+08:00",
        "state": "open",
        "done_at": None,
        "verified_at": None,
        "opened_at": "2026-11-22T10:00:00+08:00",
        "by": "tester",
        "late": False,
    }
    done = ok(
        run("action", "done", "1", "--note", "温控设备已更换", "--json", now="2026-11-24 09:00")
    )
    assert (done["state"], done["done_at"]) == ("done", "2026-11-24T09:00:00+08:00")
    verified = ok(run("action", "verify", "1", "--json", now="2026-11-26 09:00"))
    assert (verified["state"], verified["late"]) == ("verified", False)
    shown = ok(run("show", "1", "--json", now="2026-11-26 10:00"))
    assert [a["state"] for a in shown["actions"]] == ["verified"]
    steps = [e for e in shown["events"] if e["action"] == "action"]
    assert [list(e["changes"]) for e in steps][1:] == [
        ["actions.1.state", "actions.1.done_at"],
        ["actions.1.state", "actions.1.verified_at"],
    ]
    assert steps[1]["note"] == "温控设备已更换"
    text = run("show", "1", now="2026-11-26 10:00").stdout
    assert "Corrective actions (整改)" in text and "冷藏车温控改造" in text
    assert "action 1 verified" in text


def test_text_output_names_the_action(run: Run, food_case: dict[str, Any]) -> None:
    result = run("action", "add", "1", *FIX, "--due", "+3d")
    assert "Opened corrective action 1 of complaint #1." in ok(result) or result.stdout
    assert "冷藏车温控改造" in result.stdout and "delivery 配送" in result.stdout


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["action", "add", "9", *FIX, "--due", "+1d"], ("id", "no complaint 9")),
        (["action", "add", "1", *FIX, "--due", "明天"], ("due",)),
        (["action", "add", "1", *FIX, "--due", "2026-11-22 08:00"], ("due", "after")),
        (["action", "add", "1", "--text", "x", "--dept", "财务", "--due", "+1d"], ("department",)),
        (["action", "add", "1", "--text", "  ", "--dept", "qc", "--due", "+1d"], ("text", "empty")),
        (["action", "add", "1", "--text", "x", "--due", "+1d"], ("--dept",)),
        (["action", "done", "7"], ("action", "no corrective action 7")),
        (["action", "verify", "7"], ("action", "no corrective action 7")),
        (["action", "done", "0"], ("ACTION_ID", "action id")),
        (["action", "verify", "1"], ("verify", "not done yet", "action done 1")),
        (["action", "list", "--dept", "finance"], ("department",)),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    run: Run, food_case: dict[str, Any], db_path: Path, argv: list[str], words: tuple[str, ...]
) -> None:
    ok(run("action", "add", "1", *FIX, "--due", "+2d"))
    before = digest(db_path)
    refused(run(*argv), *words)
    assert digest(db_path) == before


def test_done_twice_and_done_after_verify_are_refused(
    run: Run, food_case: dict[str, Any], db_path: Path
) -> None:
    ok(run("action", "add", "1", *FIX, "--due", "+2d"))
    ok(run("action", "done", "1"))
    before = digest(db_path)
    refused(run("action", "done", "1"), "done", "already done")
    ok(run("action", "verify", "1"))
    refused(run("action", "verify", "1"), "already verified")
    refused(run("action", "done", "1"), "already verified")
    assert json.loads(run("action", "list", "--json").stdout)[0]["state"] == "verified"
    assert digest(db_path) != before  # (the verify went in)


def test_list_filters_open_department_and_late(run: Run, food_case: dict[str, Any]) -> None:
    ok(run("action", "add", "1", *FIX, "--due", "2026-11-23 18:00"))
    ok(
        run(
            "action",
            "add",
            "1",
            "--text",
            "复查留样",
            "--dept",
            "质控",
            "--due",
            "2026-11-22 12:00",
        )
    )
    ok(run("action", "add", "1", "--text", "培训", "--dept", "production", "--due", "+5d"))
    ok(run("action", "done", "3"))

    def ids(*argv: str, now: str = "2026-11-24 09:00") -> list[int]:
        return [a["id"] for a in json.loads(run("action", "list", *argv, "--json", now=now).stdout)]

    assert ids() == [1, 2, 3]
    assert ids("--open") == [1, 2]
    assert ids("--dept", "qc") == [2]
    assert ids("--dept", "delivery", "--dept", "生产") == [1, 3]
    assert ids("--late") == [2, 1]  # the longest overdue first
    assert ids("--late", now="2026-11-22 13:00") == [2]
    assert run("action", "list", "--late", now="2026-11-22 11:00").stdout.startswith("No ")


def test_a_late_action_is_listed_breached_once_and_escalated(
    run: Run, log: Log, db_path: Path
) -> None:
    log("米饭变质", category="food_safety", now="2026-11-20 09:00")
    closed(run, "1", "--finding", "none", now="2026-11-20 09:10")
    for milestone in ("lab_report", "confirm"):  # QC's work and the call back, on time
        ok(run("done", "1", milestone, now="2026-11-20 09:20"))
    ok(run("action", "add", "1", *FIX, "--due", "2026-11-21 18:00", now="2026-11-20 10:00"))
    assert run("overdue", now="2026-11-21 18:00").exit_code == 0  # at the due minute: on time
    result = run("overdue", "--json", now="2026-11-22 10:00")
    assert result.exit_code == 1
    rows = [r for r in json.loads(result.stdout) if r["milestone"] == "action"]
    assert rows == [
        {
            "id": 1,
            "customer": "张伟",
            "org": None,
            "severity": "urgent",
            "status": "closed",
            "milestone": "action",
            "due_at": "2026-11-21T18:00:00+08:00",
            "overdue_minutes": 16 * 60,
            "department": "delivery",
            "assignee": "王强",
            "escalate": True,
            "action_id": 1,
            "owner": "王强",
        }
    ]
    text = run("overdue", now="2026-11-22 10:00").stdout
    assert "action 1" in text and "delivery" in text and "王强" in text and "ESCALATE" in text
    conn = sqlite3.connect(db_path)
    late = conn.execute(
        "SELECT changes, note FROM events WHERE action = 'breached' AND changes LIKE '%actions.1%'"
    ).fetchall()
    assert len(late) == 1  # the second run wrote nothing more
    changes = json.loads(late[0][0])
    assert changes["actions.1.late"] == [False, True]
    assert changes["escalated_at"][1] == "2026-11-22T02:00:00Z"
    assert "corrective action 1 (delivery, 王强) was due 2026-11-21 18:00" in late[0][1]
    shown = ok(run("show", "1", "--json", now="2026-11-22 10:00"))
    assert shown["escalated_at"] == "2026-11-22T10:00:00+08:00"
    assert shown["actions"][0]["late"] is True
    ok(run("action", "done", "1", now="2026-11-22 11:00"))
    assert run("overdue", "--json", now="2026-11-22 12:00").exit_code == 0


def test_a_general_case_late_action_is_listed_not_escalated(run: Run, log: Log) -> None:
    log("菜量偏少", category="food_quality", now="2026-11-20 09:00")
    closed(run, "1", now="2026-11-20 09:10")
    ok(run("done", "1", "confirm", now="2026-11-20 09:20"))
    ok(run("action", "add", "1", *FIX, "--due", "2026-11-21 18:00", now="2026-11-20 10:00"))
    rows = json.loads(run("overdue", "--json", now="2026-11-22 10:00").stdout)
    assert [(r["milestone"], r["escalate"]) for r in rows] == [("action", False)]
    assert ok(run("show", "1", "--json"))["escalated_at"] is None


def test_done_late_records_the_breach_first(run: Run, log: Log, db_path: Path) -> None:
    log("菜量偏少", category="food_quality", now="2026-11-20 09:00")
    closed(run, "1", now="2026-11-20 09:10")
    ok(run("action", "add", "1", *FIX, "--due", "2026-11-21 18:00", now="2026-11-20 10:00"))
    done = ok(run("action", "done", "1", "--json", now="2026-11-22 09:00"))
    assert done["late"] is True
    actions = [
        (e["action"], list(e["changes"]))
        for e in ok(run("show", "1", "--json"))["events"]
        if any(k.startswith("actions.") for k in e["changes"])
    ]
    assert [a for a, _ in actions] == ["action", "breached", "action"]
    assert ok(run("check", "--json"))["ok"] is True


def test_export_import_round_trip_keeps_actions(
    run: Run, food_case: dict[str, Any], tmp_path: Path
) -> None:
    ok(run("action", "add", "1", *FIX, "--due", "2026-11-23 18:00"))
    ok(run("action", "done", "1", now="2026-11-24 09:00"))
    ok(
        run(
            "action",
            "add",
            "1",
            "--text",
            "复查",
            "--dept",
            "qc",
            "--due",
            "+5d",
            "--survey-aspect",
            "口味",
            now="2026-11-24 09:30",
        )
    )
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"all.{fmt}"
        ok(run("export", "--show-phone", "--out", str(out), now="2026-11-24 10:00"))
        other = str(tmp_path / f"other-{fmt}.db")
        ok(run("import", str(out), "--db", other, now="2026-11-24 10:00"))
        mine = ok(run("show", "1", "--json", now="2026-11-24 10:00"))
        theirs = ok(run("show", "1", "--json", "--db", other, now="2026-11-24 10:00"))
        assert theirs["actions"] == mine["actions"] and len(mine["actions"]) == 2
        assert theirs["actions"][1]["survey_aspect"] == "taste"
        assert ok(run("check", "--json", "--db", other))["ok"] is True
        again = run("import", str(out), "--db", other, now="2026-11-24 10:00")
        assert again.exit_code == 2 and "already exists" in again.stderr


def test_import_refuses_an_action_its_history_does_not_tell(
    run: Run, food_case: dict[str, Any], tmp_path: Path
) -> None:
    ok(run("action", "add", "1", *FIX, "--due", "+2d"))
    record = json.loads(run("export", "--show-phone").stdout)
    record["actions"][0]["state"] = "done"
    record["actions"][0]["done_at"] = "2026-11-22T10:00:00+08:00"
    path = tmp_path / "edited.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run("import", str(path), "--db", str(tmp_path / "other.db"))
    assert result.exit_code == 2
    assert "actions.1: disagrees with its history: state, done_at" in result.stderr


def test_check_finds_an_action_changed_behind_the_tools_back(
    run: Run, food_case: dict[str, Any], db_path: Path
) -> None:
    ok(run("action", "add", "1", *FIX, "--due", "+2d"))
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE actions SET state = 'done', done_at = '2026-11-22T02:00:00Z'")
    conn.close()
    found = json.loads(run("check", "--json").stdout)
    assert found["ok"] is False
    assert any("disagrees with its history" in p["problem"] for p in found["problems"])


def test_the_table_refuses_edits_and_deletes(
    run: Run, food_case: dict[str, Any], db_path: Path
) -> None:
    ok(run("action", "add", "1", *FIX, "--due", "+2d"))
    conn = sqlite3.connect(db_path)
    for sql in (
        "DELETE FROM actions",
        "UPDATE actions SET text = 'x'",
        "UPDATE actions SET due_at = '2027-01-01T00:00:00Z'",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(sql)


def test_help_and_bare_group(run: Run) -> None:
    bare = run("action")
    assert bare.exit_code == 0 and "add" in bare.stdout and "verify" in bare.stdout
    for sub in ("add", "done", "verify", "list"):
        assert "Example: aftersales action" in run("action", sub, "--help").stdout
    refused(run("action", "frob"), "No such command")


def test_the_report_counts_actions_per_department(
    run: Run, food_case: dict[str, Any], tmp_path: Path
) -> None:
    ok(run("action", "add", "1", *FIX, "--due", "2026-11-23 18:00"))
    ok(
        run(
            "action",
            "add",
            "1",
            "--text",
            "复查留样",
            "--dept",
            "质控",
            "--due",
            "2026-11-23 12:00",
        )
    )
    ok(
        run(
            "action",
            "add",
            "1",
            "--text",
            "换供应商",
            "--dept",
            "质控",
            "--due",
            "2026-11-30 12:00",
        )
    )
    ok(run("action", "done", "1", now="2026-11-23 09:00"))
    ok(run("action", "verify", "1", now="2026-11-23 10:00"))
    ok(run("action", "done", "2", now="2026-11-24 09:00"))
    report = ok(run("report", "--month", "2026-11", "--json", now="2026-11-24 10:00"))
    assert report["corrective_actions"] == [
        {
            "department": "quality_control",
            "opened": 2,
            "done_on_time": 0,
            "verified": 0,
            "still_open": 1,
            "late": 1,
        },
        {
            "department": "delivery",
            "opened": 1,
            "done_on_time": 1,
            "verified": 1,
            "still_open": 0,
            "late": 0,
        },
    ]
    text = run("report", "--month", "2026-11", now="2026-11-24 10:00").stdout
    assert "Corrective actions (整改) opened in the period" in text
    out = tmp_path / "csv"
    ok(run("report", "--month", "2026-11", "--csv", str(out), now="2026-11-24 10:00"))
    lines = (out / "corrective_actions.csv").read_text("utf-8-sig").splitlines()
    assert lines[0] == "department,opened,done on time,verified,still open,late"
    assert lines[1] == "quality_control 质控,2,0,0,1,1"
    html = tmp_path / "r.html"
    ok(run("report", "--month", "2026-11", "--html", str(html), now="2026-11-24 10:00"))
    assert "Corrective actions (整改)" in html.read_text("utf-8")


def test_import_checks_the_survey_aspect_an_action_answers(
    run: Run, food_case: dict[str, Any], tmp_path: Path
) -> None:
    ok(run("action", "add", "1", *FIX, "--due", "+2d", "--survey-aspect", "price"))
    record = json.loads(run("export", "--show-phone").stdout.splitlines()[0])
    record["actions"][0]["survey_aspect"] = "Price!"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run("import", str(bad), "--db", str(tmp_path / "other.db"))
    assert result.exit_code == 2
    assert "actions[0].survey_aspect: an aspect's key" in result.stderr
