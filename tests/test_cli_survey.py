"""The quarterly satisfaction survey (issue 13): survey record, plan, import and report."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, closed, ok, refused

Log = Callable[..., dict[str, Any]]
FOURS = (
    "--food", "4", "--taste", "4", "--hygiene", "4", "--delivery", "4",
    "--packaging", "4", "--service", "4", "--price", "4",
)  # fmt: skip
HEADER = "提交时间,单位,姓名,菜品质量,口味,卫生,配送准时,包装,服务态度,价格,意见\n"


def _dump(db: Path) -> list[Any]:
    with sqlite3.connect(db) as conn:
        return [
            conn.execute(f"SELECT * FROM {t}").fetchall()
            for t in ("survey_responses", "survey_scores", "clients")
        ]


def scores(**given: int) -> list[str]:
    """FOURS with some aspects scored otherwise."""
    args = list(FOURS)
    for key, value in given.items():
        args[args.index(f"--{key}") + 1] = str(value)
    return args


@pytest.fixture
def client(run: Run) -> str:
    ok(run("client", "add", "实验小学", "--since", "2024-09-01", "--alias", "实小"))
    return "实验小学"


def test_record_takes_every_aspect_and_says_whether_satisfied(run: Run, client: str) -> None:
    got = ok(run("survey", "record", "--client", "实小", *scores(taste=2), "--json"))
    assert got["client"] == "实验小学"  # the alias files it under the registered name
    assert got["satisfied"] is False  # mean 26/7 = 3.71
    assert got["scores"]["taste"] == 2 and list(got["scores"])[0] == "food"
    text = run("survey", "record", "--client", client, *FOURS).stdout
    assert "mean 4.00, satisfied" in text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--client", "实验小"), ("client", "did you mean 实验小学?")),
        (("--client", "无名单位"), ("client", "client add")),
        (("--client", "实验小学", "--price", "0"), ("price", "1 to 5")),
        (("--client", "实验小学", "--score", "portion=3"), ("aspect", "portion")),
        (("--client", "实验小学", "--score", "price=3"), ("price", "twice")),
        (("--client", "实验小学", "--method", "fax"), ("method", "phone")),
        (("--client", "实验小学", "--at", "2026-12-01 10:00"), ("at", "later than now")),
        (("--client", "实验小学", "--at", "soon"), ("at",)),
    ],
)
def test_bad_responses_are_refused_and_change_nothing(
    run: Run, client: str, db_path: Path, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    before = _dump(db_path)
    argv = list(FOURS)
    flags = [a for a in args if a.startswith("--")]
    for flag in flags:  # an option given in args replaces FOURS' value
        if flag in argv:
            del argv[argv.index(flag) : argv.index(flag) + 2]
    refused(run("survey", "record", *args, *argv), *words)
    assert _dump(db_path) == before


def test_a_missing_aspect_is_named(run: Run, client: str) -> None:
    argv = list(FOURS)
    del argv[argv.index("--hygiene") : argv.index("--hygiene") + 2]
    refused(run("survey", "record", "--client", client, *argv), "hygiene", "needed")


def test_an_aspect_the_rules_file_adds_is_scored_with_score(
    run: Run, client: str, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[survey.aspects]\nportion = "份量"\n', encoding="utf-8")
    refused(run("survey", "record", "--client", client, *FOURS, "--rules", str(rules)), "portion")
    got = ok(
        run(
            "survey",
            "record",
            "--client",
            client,
            *FOURS,
            "--score",
            "份量=2",
            "--rules",
            str(rules),
            "--json",
        )  # fmt: skip
    )
    assert got["scores"]["portion"] == 2


def test_the_plan_lists_clients_and_customers_with_reasons(run: Run, client: str, log: Log) -> None:
    ok(run("client", "add", "滨江中学", "--since", "2026-08-01", "--contact", "李老师",
           "--phone", "13900001111"))  # fmt: skip
    first = log(org="实验小学")
    closed(run, str(first["id"]))
    got = ok(run("survey", "plan", "--quarter", "2026Q4", "--json"))
    assert got["quarter"] == "2026Q4"
    rows = [(r["reason"], r["client"], r["name"], r["phone"]) for r in got["rows"]]
    assert rows == [
        ("long_term", "实验小学", None, None),
        ("new", "滨江中学", "李老师", "139****1111"),
        ("customer", "实验小学", "张伟", "138****5678"),
    ]
    full = ok(run("survey", "plan", "--quarter", "2026Q4", "--json", "--show-phone"))
    assert full["rows"][1]["phone"] == "13900001111"
    # the same database and quarter: the same list
    assert ok(run("survey", "plan", "--quarter", "2026Q4", "--json")) == got


def test_the_plan_writes_a_call_list_once(run: Run, client: str, tmp_path: Path) -> None:
    target = tmp_path / "calls.csv"
    ok(run("survey", "plan", "--csv", str(target)))
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "reason,client,name,phone,detail"
    assert "long_term,实验小学" in text
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    refused(run("survey", "plan", "--csv", str(target)), "csv", "exists")
    ok(run("survey", "plan", "--csv", str(target), "--overwrite"))


def test_the_report_counts_a_quarter_against_its_plan_and_target(run: Run, client: str) -> None:
    ok(run("client", "add", "滨江中学", "--since", "2020-01-01"))
    ok(run("survey", "record", "--client", client, *FOURS, "--at", "2026-11-01 09:00"))
    ok(run("survey", "record", "--client", client, *scores(taste=1, price=2),
           "--comment", "太咸了", "--at", "2026-11-02 09:00"))  # fmt: skip
    ok(run("survey", "record", "--client", "滨江中学", *FOURS, "--at", "2026-08-02 09:00"))
    got = ok(run("survey", "report", "--quarter", "2026Q4", "--json"))
    assert got["planned"] == 2 and got["answered"] == 1 and got["response_rate"] == 0.5
    assert got["responses"] == 2 and got["satisfaction_rate"] == 0.5
    assert got["previous_rate"] == 1.0 and got["change"] == -0.5 and got["met"] is False
    assert got["aspects"]["taste"] == {"label": "口味", "mean": 2.5, "satisfied_share": 0.5, "n": 2}
    assert [a["key"] for a in got["low_aspects"]] == ["taste", "price"]
    assert got["low_aspects"][0]["comments"] == ["太咸了"]
    assert got["clients"] == [
        {"client": "实验小学", "responses": 2, "mean": 3.6429, "satisfaction_rate": 0.5}
    ]
    text = run("survey", "report", "--quarter", "2026Q4").stdout
    assert "Needs an improvement measure" in text and "太咸了" in text


def test_a_quarter_without_responses_is_no_data(run: Run, client: str) -> None:
    got = ok(run("survey", "report", "--json"))
    assert got["responses"] == 0 and got["satisfaction_rate"] is None and got["met"] is None
    assert "No responses" in run("survey", "report").stdout


def test_responses_of_a_merged_client_count_for_the_one_it_joined(run: Run, client: str) -> None:
    ok(run("client", "add", "实验小学东校"))
    ok(run("survey", "record", "--client", "实验小学东校", *FOURS))
    ok(run("client", "merge", "实验小学东校", "实验小学"))
    got = ok(run("survey", "report", "--json"))
    assert [c["client"] for c in got["clients"]] == ["实验小学"]


def test_import_reads_a_form_export_with_chinese_headers(
    run: Run, client: str, tmp_path: Path
) -> None:
    form = tmp_path / "form.csv"
    form.write_text(
        HEADER
        + "2026/11/03 14:22:05,实小,王老师,5,4,5,4,4,5,3,挺好\n"
        + "2026-11-04 08:00,实验小学,,3,2,4,3,4,3,3,菜偏咸\n",
        encoding="utf-8-sig",
    )
    got = ok(run("survey", "import", str(form), "--json"))
    assert got["imported"] == 2
    report = ok(run("survey", "report", "--json"))
    assert report["responses"] == 2 and report["satisfaction_rate"] == 0.5


def test_import_reads_an_xlsx_export(run: Run, client: str, tmp_path: Path) -> None:
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.strip().split(","))
    sheet.append([datetime.datetime(2026, 11, 3, 14, 22), "实验小学", "王老师",
                  5, 4, 5, 4, 4, 5, 3, "挺好"])  # fmt: skip
    path = tmp_path / "form.xlsx"
    book.save(path)
    assert ok(run("survey", "import", str(path), "--json"))["imported"] == 1
    shown = ok(run("survey", "report", "--json"))
    assert shown["aspects"]["food"]["mean"] == 5.0


def test_import_is_all_or_nothing_and_names_each_bad_row(
    run: Run, client: str, tmp_path: Path, db_path: Path
) -> None:
    form = tmp_path / "form.csv"
    form.write_text(
        HEADER
        + "2026-11-03 14:22,实验小学,王老师,5,4,5,4,4,5,3,\n"
        + "2026-11-03 14:23,实验小,李老师,5,4,5,4,4,5,3,\n"
        + "2026-11-03 14:24,实验小学,赵老师,5,六,5,4,4,5,3,\n"
        + "2026-11-03 14:25,实验小学,钱老师,5,4,5,4,4,5,,\n",
        encoding="utf-8",
    )
    before = _dump(db_path)
    result = run("survey", "import", str(form))
    assert result.exit_code == 2
    assert "line 3: client:" in result.stderr and "did you mean 实验小学" in result.stderr
    assert "line 4: taste:" in result.stderr
    assert "line 5: price:" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: file: 3 bad row(s) in {form}; nothing imported"
    )
    assert _dump(db_path) == before


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe not text", ("not UTF-8",)),
        ("时间戳,单位\n".encode(), ("unknown column", "时间戳")),
        ("单位,单位\n".encode(), ("appears 2 times",)),
    ],
)
def test_a_file_that_is_not_a_form_is_refused(
    run: Run, client: str, tmp_path: Path, content: bytes, words: tuple[str, ...]
) -> None:
    form = tmp_path / "form.csv"
    form.write_bytes(content)
    result = run("survey", "import", str(form))
    assert result.exit_code == 2, result.output
    assert all(w in result.stderr for w in words), result.stderr
    assert "Traceback" not in result.output


def test_a_file_named_xlsx_that_is_not_a_workbook_is_one_line(
    run: Run, client: str, tmp_path: Path
) -> None:
    fake = tmp_path / "form.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    refused(run("survey", "import", str(fake)), "file", "not an XLSX workbook")
    refused(run("survey", "import", str(tmp_path / "missing.csv")), "file", "cannot read")


def test_every_survey_command_has_help_with_an_example(run: Run) -> None:
    for name in ("plan", "record", "import", "report"):
        text = ok(run("survey", name, "--help")) or run("survey", name, "--help").stdout
        assert "Example: aftersales survey" in run("survey", name, "--help").stdout, (name, text)


def test_responses_are_never_deleted_nor_changed(run: Run, client: str, db_path: Path) -> None:
    ok(run("survey", "record", "--client", client, *FOURS))
    with sqlite3.connect(db_path) as conn:
        for sql in (
            "DELETE FROM survey_responses",
            "UPDATE survey_scores SET score = 5",
        ):
            with pytest.raises(sqlite3.IntegrityError):
                conn.execute(sql)
    assert json.loads(run("survey", "report", "--json").stdout)["responses"] == 1


def test_client_show_has_the_clients_survey(run: Run, client: str) -> None:
    assert ok(run("client", "show", client, "--json"))["survey"] == {
        "responses": 0, "satisfaction_rate": None, "mean": None, "last_at": None,
    }  # fmt: skip
    ok(run("survey", "record", "--client", client, *FOURS, "--at", "2026-11-01 09:00"))
    ok(run("client", "add", "实验小学东校"))
    ok(run("survey", "record", "--client", "实验小学东校", *scores(taste=1, price=1)))
    ok(run("client", "merge", "实验小学东校", client))
    assert ok(run("client", "show", "实小", "--json"))["survey"] == {
        "responses": 2,
        "satisfaction_rate": 0.5,
        "mean": 3.57,
        "last_at": "2026-11-22T10:00:00+08:00",
    }
    assert "2 response(s), 50% satisfied" in run("client", "show", client).stdout


def test_the_report_counts_a_customer_once_by_the_complaint_closed_last(
    run: Run, client: str, log: Log
) -> None:
    """The report counts the plan's customers without drawing them: each phone once, for
    its complaint closed last — the higher number when two closed in the same second."""
    ok(run("client", "add", "滨江中学", "--since", "2026-08-01"))
    first = log(org=client)
    second = log(org="滨江中学", customer="李娜")  # the same phone
    for complaint in (first, second):
        closed(run, str(complaint["id"]))  # at the same (pinned) moment
    plan = ok(run("survey", "plan", "--quarter", "2026Q4", "--json"))["rows"]
    assert [(r["reason"], r["client"], r["name"]) for r in plan][-1] == (
        "customer",
        "滨江中学",
        "李娜",
    )
    ok(run("survey", "record", "--client", "滨江中学", "--respondent", "李娜", *FOURS))
    got = ok(run("survey", "report", "--quarter", "2026Q4", "--json"))
    assert got["planned"] == len(plan) == 3
    assert got["answered"] == 2  # 滨江中学, and 李娜 as its customer
