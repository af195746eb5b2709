"""Refusals stay short (issue 16): a refused `import` or `survey import` prints the first
20 bad rows, then `… and N more bad rows (M in total)`, then the refusal; `--errors FILE`
gets every bad row (CSV: line, field, message) under the file-writing rules; an export
made without --show-phone is refused once, at its first record."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from tests.conftest import Run, ok, refused

Log = Callable[..., dict[str, Any]]

INTAKE = "description,channel,customer,phone,org\n"
PHONE_RULE = "7-20 digits, optionally with +, spaces, - and parentheses"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bad_intake(path: Path, count: int, good_first: int = 0) -> Path:
    """An intake CSV: `good_first` good rows, then `count` rows whose phone is too short."""
    rows = [f"米饭偏硬 {i},online,张伟,13812345678,实验小学\n" for i in range(good_first)]
    rows += [f"米饭偏硬 {i},online,张伟,12345,实验小学\n" for i in range(count)]
    path.write_text(INTAKE + "".join(rows), encoding="utf-8")
    return path


def read_errors(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a spreadsheet reads it as UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert all(list(row) == ["line", "field", "message"] for row in rows)
    return rows


@pytest.fixture
def seeded(log: Log, db_path: Path) -> str:
    """A database holding one complaint; its digest."""
    log()
    return digest(db_path)


def test_5000_bad_rows_print_20_lines_and_the_count_and_errors_gets_them_all(
    run: Run, seeded: str, db_path: Path, tmp_path: Path
) -> None:
    source = bad_intake(tmp_path / "form.csv", 5000, good_first=3)
    errors = tmp_path / "bad-rows.csv"
    result = run("import", str(source), "--errors", str(errors))
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 22  # 20 rows, the count, the refusal
    assert lines[:20] == [f"error: line {n}: phone: {PHONE_RULE}" for n in range(5, 25)]
    assert lines[20] == f"… and 4,980 more bad rows (5,000 in total); all of them are in {errors}"
    assert lines[21] == f"error: file: 5000 bad row(s) in {source}; nothing imported"
    rows = read_errors(errors)
    assert [int(r["line"]) for r in rows] == list(range(5, 5005))
    assert {(r["field"], r["message"]) for r in rows} == {("phone", PHONE_RULE)}
    assert stat.S_IMODE(os.stat(errors).st_mode) == 0o600
    assert digest(db_path) == seeded  # the good rows went with the bad: nothing imported
    assert [c["id"] for c in ok(run("list", "--json"))] == [1]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_without_errors_the_count_stands_alone(run: Run, tmp_path: Path) -> None:
    source = bad_intake(tmp_path / "form.csv", 21)
    lines = run("import", str(source)).stderr.splitlines()
    assert len(lines) == 22
    assert lines[20] == "… and 1 more bad rows (21 in total)"
    assert lines[21].startswith("error: file: 21 bad row(s)")


def test_20_bad_rows_print_each_and_no_count(run: Run, tmp_path: Path) -> None:
    source = bad_intake(tmp_path / "form.csv", 20)
    errors = tmp_path / "bad-rows.csv"
    lines = run("import", str(source), "--errors", str(errors)).stderr.splitlines()
    assert len(lines) == 21 and lines[-1].startswith("error: file: 20 bad row(s)")
    assert len(read_errors(errors)) == 20


def test_a_row_that_cannot_be_read_has_no_field_and_formulas_are_neutralised(
    run: Run, tmp_path: Path
) -> None:
    source = tmp_path / "rows.jsonl"
    good = {"description": "a", "channel": "online", "customer": "张", "phone": "13812345678"}
    source.write_text(
        "not json\n"
        + json.dumps({**good, "customer": "=HYPERLINK(1)", "phone": "1"}) + "\n"
        + json.dumps({**good, "org": "=1+1", "colour": "red"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    errors = tmp_path / "bad-rows.csv"
    result = run("import", str(source), "--errors", str(errors))
    assert result.exit_code == 2
    rows = read_errors(errors)
    assert [(r["line"], r["field"]) for r in rows] == [("1", ""), ("2", "phone"), ("3", "colour")]
    assert rows[0]["message"].startswith("not valid JSON")
    shown = result.stderr.splitlines()
    assert shown[0].startswith("error: line 1: not valid JSON")  # as before: no field
    assert all(not r["message"].startswith(("=", "+", "-", "@")) for r in rows)


def test_a_successful_import_writes_no_errors_file(run: Run, tmp_path: Path) -> None:
    source = bad_intake(tmp_path / "form.csv", 0, good_first=2)
    errors = tmp_path / "bad-rows.csv"
    assert ok(run("import", str(source), "--errors", str(errors), "--json"))["imported"] == 2
    assert not errors.exists()
    errors.write_text("from last time\n", encoding="utf-8")
    ok(run("import", str(source), "--errors", str(errors), "--overwrite"))
    assert errors.read_text(encoding="utf-8") == "from last time\n"  # left as it was
    assert len(ok(run("list", "--json"))) == 4


def test_overwrite_replaces_an_earlier_errors_file(run: Run, tmp_path: Path) -> None:
    source = bad_intake(tmp_path / "form.csv", 2)
    errors = tmp_path / "bad-rows.csv"
    errors.write_text("from last time\n", encoding="utf-8")
    run("import", str(source), "--errors", str(errors), "--overwrite")
    assert len(read_errors(errors)) == 2


def refused_errors(result: Result, *words: str) -> None:
    """Refused over --errors itself: before the file to import is read (it does not even
    exist here), one line, nothing else."""
    refused(result, "errors:", *words)


def test_errors_refuses_an_existing_file_a_folder_a_link_and_the_source(
    run: Run, seeded: str, db_path: Path, tmp_path: Path
) -> None:
    missing = str(tmp_path / "no-such-file.csv")
    existing = tmp_path / "bad-rows.csv"
    existing.write_text("mine\n", encoding="utf-8")
    refused_errors(run("import", missing, "--errors", str(existing)), "exists", "--overwrite")
    assert existing.read_text(encoding="utf-8") == "mine\n"
    refused_errors(run("import", missing, "--errors", str(tmp_path)), "folder")
    link = tmp_path / "link.csv"
    link.symlink_to(existing)
    refused_errors(run("import", missing, "--errors", str(link), "--overwrite"), "symbolic link")
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    refused_errors(run("import", missing, "--errors", str(dangling)), "symbolic link")
    assert not (tmp_path / "nowhere.csv").exists()
    refused_errors(run("import", missing, "--errors", str(db_path), "--overwrite"), "database")
    refused_errors(run("import", missing, "--errors", " "), "empty")
    source = bad_intake(tmp_path / "form.csv", 2)
    before = source.read_bytes()
    refused_errors(
        run("import", str(source), "--errors", str(source), "--overwrite"), "being imported"
    )
    assert source.read_bytes() == before
    assert existing.read_text(encoding="utf-8") == "mine\n"
    assert digest(db_path) == seeded


# ---- an export made without --show-phone ------------------------------------------------


@pytest.fixture
def masked_export(run: Run, log: Log, tmp_path: Path) -> Path:
    """Three complaints (and their client), exported without --show-phone."""
    for n in range(3):
        log(f"米饭偏硬 {n}", org="实验小学")
    out = tmp_path / "masked.jsonl"
    ok(run("export", "--out", str(out)))
    return out


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_masked_export_is_refused_once_at_its_first_record(
    run: Run, log: Log, tmp_path: Path, fmt: str
) -> None:
    for n in range(30):
        log(f"米饭偏硬 {n}")
    source = tmp_path / f"masked.{fmt}"
    ok(run("export", "--out", str(source)))
    target = tmp_path / "new.db"
    result = run("import", str(source), "--db", str(target))
    first = 1 if fmt == "jsonl" else 2  # (a CSV's header is its line 1)
    message = refused(result, f"line {first}: phone: is masked;", "without --show-phone")
    assert message == (
        f"error: line {first}: phone: is masked; {source} is an export made without --show-phone "
        "(export it again with --show-phone to move complaints); nothing imported"
    )
    assert ok(run("list", "--json", "--db", str(target))) == []


def test_bad_rows_before_the_masked_record_are_shown_and_all_go_to_errors(
    run: Run, masked_export: Path, tmp_path: Path
) -> None:
    source = tmp_path / "mixed.jsonl"
    source.write_text("[1]\n" * 25 + masked_export.read_text(encoding="utf-8"), "utf-8")
    errors = tmp_path / "bad-rows.csv"
    target = tmp_path / "new.db"
    result = run("import", str(source), "--db", str(target), "--errors", str(errors))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[:20] == [f"error: line {n}: a row is a JSON object" for n in range(1, 21)]
    assert lines[20] == f"… and 5 more bad rows (25 in total); all of them are in {errors}"
    assert lines[21].startswith("error: line 26: phone: is masked;")
    assert len(lines) == 22  # the masked records after the first are never read
    rows = read_errors(errors)
    assert len(rows) == 26
    assert (rows[-1]["line"], rows[-1]["field"]) == ("26", "phone")
    assert "without --show-phone" in rows[-1]["message"]
    assert ok(run("list", "--json", "--db", str(target))) == []


def test_a_masked_client_record_is_refused_the_same_way(
    run: Run, masked_export: Path, tmp_path: Path
) -> None:
    records = [json.loads(x) for x in masked_export.read_text("utf-8").splitlines()]
    (client,) = [r for r in records if "client" in r]
    client["client"]["phone"] = "139****1111"
    source = tmp_path / "client.jsonl"
    source.write_text(json.dumps(client, ensure_ascii=False) + "\n", encoding="utf-8")
    refused(run("import", str(source)), "line 1: client.phone: is masked;", "--show-phone")


def test_an_intake_row_with_a_masked_looking_phone_is_an_ordinary_bad_row(
    run: Run, tmp_path: Path
) -> None:
    source = tmp_path / "form.csv"
    source.write_text(
        INTAKE + "a,online,张伟,138****5678,\nb,online,张伟,139****1234,\n", encoding="utf-8"
    )
    assert run("import", str(source)).stderr.splitlines() == [
        f"error: line 2: phone: {PHONE_RULE}",
        f"error: line 3: phone: {PHONE_RULE}",
        f"error: file: 2 bad row(s) in {source}; nothing imported",
    ]


def test_a_record_phone_with_stars_but_not_masked_is_an_ordinary_bad_row(
    run: Run, masked_export: Path, tmp_path: Path
) -> None:
    records = [json.loads(x) for x in masked_export.read_text("utf-8").splitlines()]
    for record in records[:2]:
        record["phone"] = "138 ** 5678"  # not the mask's shape: the digits, stars, digits
    source = tmp_path / "odd.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records[:2]), encoding="utf-8")
    lines = run("import", str(source)).stderr.splitlines()
    assert [x.split(": ")[:3] for x in lines[:2]] == [
        ["error", f"line {n}", "phone"] for n in (1, 2)
    ]
    assert lines[2] == f"error: file: 2 bad row(s) in {source}; nothing imported"


# ---- survey import: the same limiter ---------------------------------------------------

SURVEY = "提交时间,单位,姓名,菜品质量,口味,卫生,配送准时,包装,服务态度,价格,意见\n"


def test_survey_import_is_limited_the_same_way(run: Run, tmp_path: Path) -> None:
    ok(run("client", "add", "实验小学", "--since", "2024-09-01"))
    form = tmp_path / "survey.csv"
    form.write_text(
        SURVEY + "2026-11-03 14:22,实验小学,王老师,5,六,5,4,4,5,3,\n" * 30, encoding="utf-8"
    )
    errors = tmp_path / "bad-rows.csv"
    result = run("survey", "import", str(form), "--errors", str(errors))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 22 and all(x.startswith("error: line ") for x in lines[:20])
    assert lines[1].startswith("error: line 3: taste:")
    assert lines[20] == f"… and 10 more bad rows (30 in total); all of them are in {errors}"
    assert lines[21] == f"error: file: 30 bad row(s) in {form}; nothing imported"
    rows = read_errors(errors)
    assert [r["line"] for r in rows] == [str(n) for n in range(2, 32)]
    assert {r["field"] for r in rows} == {"taste"}
    refused(run("survey", "import", str(form), "--errors", str(errors)), "errors:", "exists")
    assert ok(run("survey", "report", "--json", "--quarter", "2026Q4"))["responses"] == 0


def test_warnings_of_a_successful_import_stop_at_20_and_stay_in_the_history(
    run: Run, tmp_path: Path
) -> None:
    rows = tmp_path / "new-clients.jsonl"
    rows.write_text(
        "".join(
            json.dumps(
                {"description": "米饭偏硬", "channel": "online", "customer": "张",
                 "phone": "13812345678", "org": f"新学校{i}号"},
                ensure_ascii=False,
            ) + "\n"
            for i in range(30)
        ),
        encoding="utf-8",
    )  # fmt: skip
    result = run("import", str(rows), now="2026-11-20 10:00")
    assert ok(result) == {} and "Imported 30 complaint(s)" in result.stdout
    lines = result.stderr.splitlines()
    warned = [line for line in lines if line.startswith("warning: ")]
    assert len(warned) == 20
    # every new client but the first is like one before it: 29 warnings
    assert lines[-1] == (
        "… and 9 more warnings (29 in all); each is in the history of what it is about"
    )
    last = ok(run("show", "30", "--json", now="2026-11-20 10:01"))
    assert "新学校29号 is a new client" in last["events"][0]["note"]
