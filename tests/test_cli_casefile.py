"""`note` and the whole loop of policy 004 (forward, sample, lab_report, confirm) through
the CLI: what is recorded, shown, listed as overdue, and every refusal."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, closed, ok, refused, revisited

from aftersales_cli.store.db import open_db
from aftersales_cli.store.migrations import SCHEMA_VERSION, STEPS

Log = Callable[..., dict[str, Any]]


def events_of(run: Run, cid: str = "1") -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = ok(run("show", cid, "--json"))["events"]
    return events


def test_a_call_note_is_the_first_contact_and_shows_in_the_history(run: Run, log: Log) -> None:
    log("鸡腿没熟")  # general, online: contact due 11:00
    data = ok(
        run("note", "1", "已电话联系，下午补送", "--kind", "电话", "--json", now="2026-11-22 10:20")
    )
    assert data["last_note_at"] == "2026-11-22T10:20:00+08:00"
    assert data["deadlines"]["contact"]["state"] == "met"
    assert data["progress_note"] == {
        "at": "2026-11-22T10:20:00+08:00",
        "by": data["progress_note"]["by"],
        "kind": "call",
        "text": "已电话联系，下午补送",
    }
    note = events_of(run)[-1]
    assert (note["action"], note["note"]) == ("note", "已电话联系，下午补送")
    assert note["changes"]["note.kind"] == [None, "call"]
    # contact needs no second `done`
    refused(run("done", "1", "contact"), "already done")
    text = run("show", "1").stdout
    assert "call 电话; contact done 2026-11-22 10:20 — 已电话联系，下午补送" in text
    assert "last note" in text


def test_an_internal_note_is_kept_and_meets_nothing(run: Run, log: Log) -> None:
    log("鸡腿没熟")
    result = run("note", "1", "等待厨房回复", now="2026-11-22 10:05")
    assert result.exit_code == 0, result.stderr
    assert "Noted internal 内部 on complaint #1." in result.stdout
    data = ok(run("show", "1", "--json"))
    assert data["deadlines"]["contact"]["state"] == "pending"
    assert data["last_note_at"] == "2026-11-22T10:05:00+08:00"
    listed = ok(run("list", "--json"))
    assert listed[0]["last_note_at"] == "2026-11-22T10:05:00+08:00"


def test_notes_are_kept_on_closed_and_revisited_cases(run: Run, log: Log) -> None:
    log("鸡腿没熟")
    closed(run, now="2026-11-22 11:00")
    data = ok(run("note", "1", "客户来电询问退款进度", "--kind", "call", "--json"))
    assert data["status"] == "closed"
    revisited(run, "1", 5, now="2026-11-26 11:00")
    data = ok(run("note", "1", "内部归档", "--kind", "内部", "--json", now="2026-11-26 12:00"))
    assert (data["status"], data["last_note_at"]) == ("revisited", "2026-11-26T12:00:00+08:00")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("note", "9", "hello"), ("id", "no complaint 9")),
        (("note", "1", "   "), ("text", "must not be empty")),
        (("note", "1", "hi", "--kind", "fax"), ("kind", "call (电话)", "internal (内部)")),
        (("note", "1", "x" * 2001), ("text", "at most 2000")),
        (("note", "1", "a\x1bb"), ("text", "control character")),
        (("note", "0", "hi"), ("id",)),
    ],
)
def test_note_refusals_change_nothing(
    run: Run, log: Log, db_path: Path, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    log("鸡腿没熟")
    before = sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM events").fetchone()
    refused(run(*args), *words)
    after = sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM events").fetchone()
    assert before == after


def test_forward_is_met_by_assign_and_late_otherwise(run: Run, log: Log) -> None:
    log("米饭有馊味")  # food_safety, urgent: forward within 15 min
    data = ok(run("assign", "1", "--json", now="2026-11-22 10:10"))
    assert data["deadlines"]["forward"]["state"] == "met"
    log("米饭有馊味，孩子没吃")
    data = ok(run("assign", "2", "--dept", "质控", "--json", now="2026-11-22 10:40"))
    assert data["deadlines"]["forward"]["state"] == "breached"


def test_sample_lab_report_and_confirm_after_close(run: Run, log: Log) -> None:
    log("米饭有馊味")
    data = ok(run("done", "1", "investigation", "--json", now="2026-11-22 11:00"))
    assert data["deadlines"]["confirm"]["due_at"] == "2026-11-22T12:00:00+08:00"
    closed(run, "1", "--finding", "none", now="2026-11-22 11:30")
    data = ok(run("show", "1", "--json", now="2026-11-22 11:30"))
    assert data["deadlines"]["sample"]["state"] == "pending"  # QC's work goes on
    data = ok(run("done", "1", "sample", "--note", "已封存留样", "--json", now="2026-11-22 15:00"))
    assert data["deadlines"]["sample"]["state"] == "met"
    data = ok(run("done", "1", "检测报告", "--note", "检测合格", "--json", now="2026-11-23 15:00"))
    assert data["deadlines"]["lab_report"]["state"] == "met"
    assert events_of(run)[-1]["note"] == "检测合格"
    # confirm was due at noon: recorded late, it stays breached
    data = ok(run("done", "1", "confirm", "--json", now="2026-11-23 15:10"))
    assert data["deadlines"]["confirm"]["state"] == "breached"
    refused(run("done", "1", "plan"), "closed", "done plan")


def test_a_message_after_the_department_finished_confirms(run: Run, log: Log) -> None:
    log("米饭有馊味")
    refused(run("done", "1", "confirm", now="2026-11-22 10:30"), "investigation done")
    ok(run("done", "1", "investigation", now="2026-11-22 11:00"))
    result = run("note", "1", "已告知调查结果", "--kind", "微信", now="2026-11-22 11:20")
    assert "That is confirm done 2026-11-22 11:20." in result.stdout
    data = ok(run("show", "1", "--json", now="2026-11-22 11:20"))
    assert data["deadlines"]["confirm"]["state"] == "met"


def test_qc_milestones_are_refused_on_other_categories(run: Run, log: Log) -> None:
    log("送错了")
    refused(run("done", "1", "sample"), "milestone", "qc_categories", "wrong_delivery")


def test_show_lists_the_new_milestones_only_where_they_apply(run: Run, log: Log) -> None:
    log("米饭有馊味")
    log("送错了")
    qc = run("show", "1").stdout
    for milestone in ("forward", "sample", "lab_report"):
        assert f"\n{milestone} " in qc, milestone
    assert "\nconfirm " not in qc  # not before the department has finished
    other = run("show", "2").stdout
    assert "\nforward " in other and "\nsample " not in other


def test_overdue_lists_qc_work_after_the_close(run: Run, log: Log) -> None:
    log("米饭有馊味")
    closed(run, "1", "--finding", "none", now="2026-11-22 11:00")
    result = run("overdue", "--json", now="2026-11-23 11:00")
    assert result.exit_code == 1
    late = {(item["id"], item["milestone"]) for item in ok_json(result)}
    assert (1, "sample") in late and (1, "confirm") in late
    assert (1, "lab_report") not in late  # due 48 h after receipt
    text = run("overdue", now="2026-11-23 11:00").stdout
    assert "sample" in text


def ok_json(result: Any) -> Any:
    import json

    return json.loads(result.stdout)


def test_the_report_counts_the_new_milestones(run: Run, log: Log) -> None:
    log("米饭有馊味")
    ok(run("assign", "1", now="2026-11-22 10:05"))
    data = ok(run("report", "--month", "2026-11", "--json", now="2026-11-22 12:00"))
    assert data["on_time"]["forward"]["urgent"]["met"] == 1


def _as_before_0010(db: Path) -> None:
    """The database as a version before notes and the 004 milestones left it."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(
        "DELETE FROM deadlines WHERE milestone IN ('forward', 'sample', 'lab_report', 'confirm')"
    )
    conn.execute(
        "UPDATE complaints SET met_mask = met_mask & 31, breached_mask = breached_mask & 31"
    )
    conn.execute("ALTER TABLE complaints DROP COLUMN last_note_at")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name IN ('0010_notes', '0011_milestones')")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 2}")
    conn.close()


def test_migration_gives_open_cases_the_milestones_still_ahead(
    run: Run, log: Log, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [name for name, _ in STEPS]
    assert names[names.index("0010_notes") + 1] == "0011_milestones"  # (later ones stay applied)
    log("米饭有馊味", now="2026-11-22 09:00")  # open; forward long past, sample ahead
    log("菜里有头发", now="2026-11-22 09:55")  # open; forward (1 h) still ahead
    ok(run("assign", "2", now="2026-11-22 09:58"))
    log("送错了", now="2026-11-22 09:00")
    closed(run, "3", now="2026-11-22 09:30")
    _as_before_0010(db_path)
    monkeypatch.setenv("AFTERSALES_NOW", "2026-11-22 10:00")
    open_db(db_path).close()
    one, two, three = (ok(run("show", str(n), "--json"))["deadlines"] for n in (1, 2, 3))
    assert one["forward"]["state"] == "n/a"  # its due had passed: never breached
    assert one["sample"]["due_at"] == "2026-11-23T09:00:00+08:00"
    assert one["confirm"]["state"] == "n/a"
    assert two["forward"]["state"] == "met"  # assigned before the migration
    assert two["forward"]["done_at"] == "2026-11-22T09:58:00+08:00"
    assert all(three[m]["state"] == "n/a" for m in ("forward", "sample", "confirm"))
    checked = run("check")
    assert checked.exit_code == 0, checked.stdout + checked.stderr


def test_notes_travel_through_export_and_import(run: Run, log: Log, tmp_path: Path) -> None:
    log("米饭有馊味")
    ok(run("note", "1", "已电话联系", "--kind", "call", now="2026-11-22 10:10"))
    ok(run("done", "1", "sample", "--note", "已封存", now="2026-11-22 10:20"))
    out = tmp_path / "all.jsonl"
    ok(run("export", "--show-phone", "--out", str(out), now="2026-11-22 10:30"))
    other = tmp_path / "other.db"
    ok(run("--db", str(other), "import", str(out), now="2026-11-22 10:30"))
    data = ok(run("--db", str(other), "show", "1", "--json", now="2026-11-22 10:30"))
    assert data["last_note_at"] == "2026-11-22T10:10:00+08:00"
    assert data["deadlines"]["sample"]["state"] == "met"
    # forward (15 min) passed before the sample was recorded
    assert [e["action"] for e in data["events"]] == ["log", "note", "breached", "done"]
    assert run("--db", str(other), "check").exit_code == 0
    # a note of a kind the tool does not know is refused, naming where
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert records[0]["events"][1]["changes"]["note.kind"] == [None, "call"]
    records[0]["events"][1]["changes"]["note.kind"] = [None, "fax"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    result = run("--db", str(tmp_path / "third.db"), "import", str(bad), now="2026-11-22 10:30")
    assert result.exit_code == 2
    assert "events[1].changes.note.kind: 'fax' is not one of call" in result.stderr
