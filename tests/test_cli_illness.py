"""Issue 12: illness details (policy 003: 症状, 食用量) — taken down by `log`, corrected by
`edit`, shown, in the JSON, exported and imported, and counted in the report's illness
table."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, ok, refused

Log = Callable[..., dict[str, Any]]
ILL = ("--ill", "--people", "3", "--hospital")
DETAILS = {"symptoms": "腹泻、呕吐", "onset": "2026-11-22 08:30", "eaten": "半份米饭"}
KEYS = ("symptoms", "onset_at", "eaten", "hospital")


def _ill(log: Log, **extra: str) -> dict[str, Any]:
    return log("三名学生午餐后腹泻", *ILL, org="实验小学", **DETAILS, **extra)


def test_log_takes_the_illness_details_and_show_and_json_carry_them(run: Run, log: Log) -> None:
    data = _ill(log)
    assert {k: data[k] for k in KEYS} == {
        "symptoms": "腹泻、呕吐",
        "onset_at": "2026-11-22T08:30:00+08:00",
        "eaten": "半份米饭",
        "hospital": True,
    }
    shown = run("show", str(data["id"])).stdout
    assert "3 affected, ill, saw a doctor" in shown
    assert "symptoms     腹泻、呕吐" in shown
    assert "onset        2026-11-22 08:30" in shown
    assert "eaten        半份米饭" in shown
    (listed,) = ok(run("list", "--json"))
    assert {k: listed[k] for k in KEYS} == {k: data[k] for k in KEYS}


def test_without_details_the_keys_are_there_and_empty(run: Run, log: Log) -> None:
    data = log()
    assert {k: data[k] for k in KEYS} == {
        "symptoms": None,
        "onset_at": None,
        "eaten": None,
        "hospital": False,
    }
    assert "symptoms" not in run("show", str(data["id"])).stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--onset", "2026-11-22 10:30"), "onset: must not be later than the time"),
        (("--onset", "2026-11-22 09:00", "--received-at", "2026-11-22 08:00"), "onset"),
        (("--onset", "sometime"), "onset: 'sometime' is not a time"),
        (("--symptoms", "  "), "symptoms: must not be empty"),
        (("--eaten", "x" * 201), "eaten: at most 200 characters"),
        (("--symptoms", "a\x07"), "symptoms: contains a control character"),
    ],
)
def test_log_refuses_bad_illness_details_naming_them(
    run: Run, db_path: Path, args: tuple[str, ...], words: str
) -> None:
    result = run(
        "log", "腹泻", "--channel", "online", "--customer", "张", "--phone", "13812345678", *args
    )
    refused(result, words)
    assert not db_path.exists() or ok(run("list", "--all", "--json")) == []


def test_edit_corrects_the_illness_details(run: Run, log: Log) -> None:
    cid = _ill(log)["id"]
    result = run(
        "edit",
        str(cid),
        "--symptoms",
        "腹泻、发热",
        "--onset",
        "2026-11-22 07:45",
        "--eaten",
        "一整份",
        "--no-hospital",
        "--reason",
        "家长补充",
        "--json",
    )
    data = ok(result)
    assert data["symptoms"] == "腹泻、发热" and data["eaten"] == "一整份"
    assert data["onset_at"] == "2026-11-22T07:45:00+08:00" and data["hospital"] is False
    entry = ok(run("show", str(cid), "--json"))["events"][-1]
    assert entry["changes"]["onset_at"] == [
        "2026-11-22T08:30:00+08:00",
        "2026-11-22T07:45:00+08:00",
    ]
    assert entry["changes"]["hospital"] == [True, False]
    assert "onset_at 2026-11-22 08:30 → 2026-11-22 07:45" in run("show", str(cid)).stdout


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_illness_details_survive_export_and_import(
    run: Run, log: Log, tmp_path: Path, fmt: str
) -> None:
    cid = _ill(log)["id"]
    ok(run("edit", str(cid), "--eaten", "两口", "--reason", "更正"))
    out = tmp_path / f"all.{fmt}"
    ok(run("export", "--show-phone", "--out", str(out)))
    other = tmp_path / "other.db"
    ok(run("--db", str(other), "import", str(out)))
    was = ok(run("show", str(cid), "--json"))
    now = ok(run("--db", str(other), "show", str(cid), "--json"))
    assert {k: now[k] for k in KEYS} == {k: was[k] for k in KEYS}
    assert now["eaten"] == "两口"
    assert [e["action"] for e in now["events"]] == ["log", "edit"]


def test_a_form_platforms_rows_bring_illness_details_under_chinese_headers(
    run: Run, tmp_path: Path
) -> None:
    rows = tmp_path / "form.csv"
    rows.write_text(
        "问题描述,渠道,客户姓名,联系电话,症状,发病时间,食用量,就医\n"
        "吃完午餐肚子疼,online,王,13812345678,腹痛,2026-11-22 08:00,一份,是\n",
        encoding="utf-8",
    )
    ok(run("import", str(rows)))
    data = ok(run("show", "1", "--json"))
    assert data["symptoms"] == "腹痛" and data["eaten"] == "一份" and data["hospital"] is True
    assert data["onset_at"] == "2026-11-22T08:00:00+08:00"


def test_an_imported_record_with_an_onset_after_receipt_is_refused(
    run: Run, log: Log, tmp_path: Path
) -> None:
    cid = _ill(log)["id"]
    out = tmp_path / "all.jsonl"
    ok(run("export", "--show-phone", "--out", str(out)))
    record = json.loads(out.read_text("utf-8").splitlines()[0])
    record["received_at"] = "2026-11-22T08:00:00+08:00"
    record["onset_at"] = "2026-11-22T09:00:00+08:00"
    out.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    other = tmp_path / "other.db"
    result = run("--db", str(other), "import", str(out))
    assert result.exit_code == 2
    assert "line 1: onset_at: must not be later than the time" in result.stderr
    assert cid == 1 and "Traceback" not in result.output


def test_the_report_counts_illness_cases_people_and_hospital_visits(run: Run, log: Log) -> None:
    _ill(log)  # 3 people, hospital
    log("一人腹泻", "--ill", "--phone", "13900000002", org="实验小学")
    log("两人呕吐", "--ill", "--people", "2", "--hospital", "--phone", "13900000003")
    log("米饭偏硬", "--people", "5", "--phone", "13900000004", org="实验小学")  # not ill
    report = ok(run("report", "--month", "2026-11", "--json"))
    assert report["illness"] == {
        "cases": 3,
        "people": 6,
        "hospital": 2,
        "clients": [
            {"org": "实验小学", "cases": 2, "people": 4, "hospital": 1},
            {"org": "none", "cases": 1, "people": 2, "hospital": 1},
        ],
    }
    text = run("report", "--month", "2026-11").stdout
    assert "Illness (policy 003): 3 case(s), 6 people affected, 2 hospital visit(s)" in text
    assert "(no client)" in text.split("Illness (policy 003)")[1]


def test_the_report_reads_the_illness_table_off_its_index(log: Log, db_path: Path) -> None:
    _ill(log)
    from aftersales_cli.reports import queries

    conn = sqlite3.connect(db_path)
    params = {"start": "2026-11-01", "end": "2026-12-01"}
    plan = " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {queries.ILLNESS}", params))
    assert "USING COVERING INDEX complaints_illness" in plan, plan
    assert conn.execute(queries.ILLNESS, params).fetchall() == [("实验小学", 1, 3, 1)]
