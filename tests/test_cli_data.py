"""backup, export and import: nothing lost, nothing leaked."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import BASIC, Run, complaint_records, ok, refused

Log = Callable[..., dict[str, Any]]


@pytest.fixture
def history(run: Run, log: Log) -> None:
    """Complaints in every state, with penalties, extensions, breaches and a reopen."""
    log(
        "米饭变质",
        org='=HYPERLINK("http://evil")',
        batch="B1101",
        delivery_date="2026-11-01",
        now="2026-11-01 09:00",
    )
    ok(run("assign", "1", "--to", "李工", now="2026-11-01 09:10"))
    ok(
        run(
            "close",
            "1",
            "--remedy",
            "replace",
            "--cause",
            "processing",
            "--finding",
            "spoiled",
            "--supply-value",
            "1200.50",
            "--price",
            "18",
            "--note",
            "+已处理",
            now="2026-11-01 20:00",
        )
    )
    ok(run("revisit", "1", "--satisfaction", "1", now="2026-11-02 10:00"))
    ok(
        run(
            "close",
            "1",
            "--remedy",
            "refund",
            "--amount",
            "36.5",
            "--cause",
            "processing",
            "--finding",
            "spoiled",
            "--note",
            "-再次处理",
            now="2026-11-02 15:00",
        )
    )
    ok(run("revisit", "1", "--satisfaction", "5", now="2026-11-03 10:00"))
    log("配送员态度差", now="2026-11-20 09:00")  # a Friday: resolution Monday 09:00
    ok(
        run(
            "extend",
            "2",
            "--until",
            "2026-11-24 09:00",
            "--reason",
            "等负责人回来",
            now="2026-11-20 09:30",
        )
    )
    ok(
        run(
            "close",
            "2",
            "--remedy",
            "apology",
            "--cause",
            "handover",
            "--staff",
            "小刘",
            now="2026-11-21 09:00",
        )
    )
    log("建议增加素食", now="2026-11-22 08:00")
    run("overdue")


def test_export_jsonl_has_history_and_masks_phones(run: Run, history: None) -> None:
    records = complaint_records(run("export").stdout)
    assert [r["id"] for r in records] == [1, 2, 3]
    assert records[0]["phone"] == "138****5678"
    assert [e["action"] for e in records[0]["events"] if e["action"] != "breached"] == [
        "log",
        "assign",
        "close",
        "revisit",
        "close",
        "revisit",
    ]
    assert "breached" in {e["action"] for e in records[0]["events"]}
    assert records[0]["penalty"]["offence"] == 1
    assert records[0]["penalty"]["amount"] == 2401
    assert [e["kind"] for e in records[0]["ledger"]] == ["fine", "payment"]
    full = json.loads(run("export", "--show-phone").stdout.splitlines()[0])
    assert full["phone"] == "13812345678"


def test_export_filters(run: Run, history: None) -> None:
    def ids(*args: str) -> list[int]:
        return [r["id"] for r in complaint_records(run("export", *args).stdout)]

    assert ids("--status", "closed") == [2]
    assert ids("--from", "2026-11-20") == [2, 3]
    assert ids("--to", "2026-11-20") == [1, 2]


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        # the clocks go back at 02:00 on 1 November 2026
        ("America/New_York", "2026-10-31T23:00:00-04:00", "2026-11-01T09:00:00-05:00"),
        ("Asia/Kolkata", "2026-10-31T23:00:00+05:30", "2026-11-01T09:00:00+05:30"),
    ],
)
def test_export_shows_each_time_with_the_offset_of_its_day(
    run: Run, zone: str, before: str, after: str
) -> None:
    env = {"AFTERSALES_TZ": zone}
    ok(run("log", "米饭变质", *BASIC, now="2026-10-31 23:00", env=env))
    ok(run("assign", "1", "--to", "李工", now="2026-11-01 09:00", env=env))
    ok(run("done", "1", "contact", "--at", "2026-11-01 08:30", "--reason", "电话后补记",
           now="2026-11-01 09:10", env=env))  # fmt: skip
    (record,) = complaint_records(run("export", now="2026-11-01 10:00", env=env).stdout)
    events = {e["action"]: e for e in record["events"]}
    assert record["received_at"] == events["log"]["at"] == before
    assert events["log"]["changes"]["received_at"] == [None, before]
    assert events["assign"]["at"] == after
    done = after.replace("T09:00", "T08:30")
    assert record["deadlines"]["contact"]["done_at"] == done
    assert events["done"]["changes"]["deadlines.contact.done_at"] == [None, done]


def test_export_writes_the_numbers_of_a_hand_edited_history_as_they_are(
    run: Run, log: Log, db_path: Path
) -> None:
    """Numbers the fast encoder cannot write as they are (not finite, beyond 64 bits)
    are written as the standard json writes them, in that record alone."""
    for description in ("米饭变质", "米饭偏硬", "汤太咸"):
        log(description)
    with sqlite3.connect(db_path) as conn:
        conn.execute("DROP TRIGGER events_never_changed")  # as a hand edit would
        for complaint, changes in (
            (1, '{"quantity": [NaN, 1e400]}'),
            (2, '{"people": [1, 123456789012345678901234567890]}'),
        ):
            conn.execute(
                "UPDATE events SET changes = ? WHERE complaint_id = ?", (changes, complaint)
            )
    first, second, third = run("export").stdout.splitlines()[:3]
    assert '"quantity": [NaN, Infinity]' in first
    assert '"people": [1, 123456789012345678901234567890]' in second
    assert json.loads(third)["events"][0]["changes"]["people"] == [None, 1]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_export_then_import_gives_the_same_complaints_back(
    run: Run, history: None, tmp_path: Path, suffix: str
) -> None:
    exported = tmp_path / f"all{suffix}"
    ok(run("export", "--show-phone", "--out", str(exported)))
    empty = tmp_path / "empty.db"
    result = ok(run("import", str(exported), "--db", str(empty), "--json"))
    # JSON Lines brings the client back as it was; CSV carries complaints only, and the
    # import registers the client their org names anew
    assert result == {
        "imported": 3,
        "ids": [1, 2, 3],
        **({"clients": 1} if suffix == ".jsonl" else {}),
    }
    before = run("export", "--show-phone").stdout
    after = run("export", "--show-phone", "--db", str(empty)).stdout
    if suffix == ".csv":
        before, after = (json.dumps(complaint_records(t)) for t in (before, after))
        assert [c["name"] for c in ok(run("client", "list", "--json", "--db", str(empty)))] == [
            c["name"] for c in ok(run("client", "list", "--json"))
        ]
    assert after == before
    assert run("show", "1", "--db", str(empty)).stdout == run("show", "1").stdout


def test_export_csv_is_safe_for_spreadsheets(run: Run, history: None, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    ok(run("export", "--out", str(out)))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0]["org"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["note"] == "'-再次处理"
    assert rows[0]["phone"] == "138****5678"
    assert rows[0]["amount"] == "36.5"  # numbers are not touched
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    refused(run("export", "--out", str(out)), "out", "exists")


def test_import_of_a_masked_export_is_refused(run: Run, history: None, tmp_path: Path) -> None:
    masked = tmp_path / "masked.jsonl"
    ok(run("export", "--out", str(masked)))
    result = run("import", str(masked), "--db", str(tmp_path / "x.db"))
    refused(result, "line 1: phone: is masked;", "export made without --show-phone")


def test_import_into_the_same_database_refuses_existing_ids(
    run: Run, history: None, tmp_path: Path, db_path: Path
) -> None:
    out = tmp_path / "all.jsonl"
    ok(run("export", "--show-phone", "--out", str(out)))
    before = db_path.read_bytes()
    result = run("import", str(out))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        *(f"error: line {n}: id: complaint {n} already exists in this database" for n in (1, 2, 3)),
        "error: line 4: client.id: client 1 is already in this database or earlier in this file",
        f"error: file: 4 bad row(s) in {out}; nothing imported",
    ]
    assert db_path.read_bytes() == before


FORM = """\ufeff提交时间,客户姓名,联系电话,单位,问题描述,菜品,影响人数
2026-11-21 12:10,王女士,139 1234 5678,实验小学,孩子吃完午饭呕吐,午餐A,2
2026-11-21 12:30,Mr Lee,+86 138-0000-1111,Greenfield School,"Lunch arrived late, cold",,
"""


def test_import_a_form_export_with_chinese_headers(run: Run, tmp_path: Path) -> None:
    form = tmp_path / "form.csv"
    form.write_text(FORM, encoding="utf-8")
    result = ok(run("import", str(form), "--channel", "online", "--json"))
    assert result == {"imported": 2, "ids": [1, 2]}
    first, second = (
        ok(run("list", "--all", "--json", "--show-phone"))[::-1]
        if False
        else (ok(run("show", "1", "--json")), ok(run("show", "2", "--json")))
    )
    assert (first["customer"], first["category"], first["severity"], first["people"]) == (
        "王女士",
        "illness",
        "urgent",
        2,
    )
    assert first["received_at"] == "2026-11-21T12:10:00+08:00"
    assert first["events"][0]["action"] == "import"
    assert "form.csv, line 2" in first["events"][0]["note"]
    assert second["category"] == "delivery_delay" and second["channel"] == "online"


def test_import_reports_every_bad_row_and_imports_none(
    run: Run, tmp_path: Path, db_path: Path
) -> None:
    ok(run("log", "x", *BASIC))
    before = db_path.read_bytes()
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "description": "好的一行",
                        "channel": "online",
                        "customer": "a",
                        "phone": "13800000000",
                    },
                    ensure_ascii=False,
                ),
                json.dumps(
                    {"description": "x", "channel": "fax", "customer": "a", "phone": "13800000000"}
                ),
                json.dumps(
                    {"description": "x", "channel": "online", "customer": "a", "phone": "12"}
                ),
                "",
                json.dumps(
                    {
                        "description": "x",
                        "channel": "online",
                        "customer": "a",
                        "phone": "13800000000",
                        "received_at": "2027-01-01 10:00",
                    }
                ),
                json.dumps({"channel": "online", "customer": "a", "phone": "13800000000"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = run("import", str(rows))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: line 2: channel: 'fax' is not one of")
    assert lines[1].startswith("error: line 3: phone:")
    assert lines[2].startswith("error: line 5: received_at:")
    assert lines[3].startswith("error: line 6: description: is required")
    assert lines[-1] == f"error: file: 4 bad row(s) in {rows}; nothing imported"
    assert db_path.read_bytes() == before


def test_import_bad_files(run: Run, tmp_path: Path) -> None:
    refused(run("import", str(tmp_path / "missing.csv")), "file", "cannot read")
    junk = tmp_path / "junk.jsonl"
    junk.write_text("{not json\n")
    bad = run("import", str(junk))
    assert bad.exit_code == 2 and "error: line 1: not valid JSON" in bad.stderr
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    refused(run("import", str(binary)), "file", "not UTF-8")
    refused(run("import", str(junk), "--format", "xml"), "format")


def test_backup_is_a_verified_private_copy(run: Run, history: None, tmp_path: Path) -> None:
    target = tmp_path / "backup.db"
    result = ok(run("backup", str(target), "--json"))
    assert result["complaints"] == 3 and result["integrity"] == "ok"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == result["events"]
    assert (
        run("list", "--all", "--json", "--db", str(target)).stdout
        == run("list", "--all", "--json").stdout
    )
    refused(run("backup", str(target)), "file", "never overwrites")
    refused(run("backup", str(tmp_path / "no" / "such" / "b.db")), "file", "does not exist")


def test_backup_while_another_connection_writes(
    run: Run, history: None, tmp_path: Path, db_path: Path
) -> None:
    writer = sqlite3.connect(db_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO meta (key, value) VALUES ('x', 'uncommitted')")
    target = tmp_path / "b.db"
    ok(run("backup", str(target)))  # readers are not blocked by a writer in WAL mode
    writer.execute("ROLLBACK")
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT COUNT(*) FROM meta WHERE key = 'x'").fetchone()[0] == 0
