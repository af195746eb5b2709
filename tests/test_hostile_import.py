"""Issue 8, what `import` takes in (defects 4, 5, 6, 7, 13): exactly what the commands
accept, every refusal naming its line and field, never a crash, all or nothing — and a
byte-identical round trip through export and import for every odd character `log`
accepts."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, ok
from hostile_support import complaint_lines, digest, invoke, jsonl, jsonl_lines
from typer.testing import Result

Record = dict[str, Any]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Record, str]:
    """A closed complaint with a history (log, assign, done, close), as `export
    --show-phone` writes it: the JSON record, and the CSV text."""
    db = tmp_path_factory.mktemp("import-template") / "source.db"
    steps = [
        ("2026-11-22 09:00", ["log", "送错了", "--channel", "online", "--customer", "张伟",
                              "--phone", "13916082245", "--org", "实验小学",
                              "--delivery-date", "2026-11-21", "--product", "午餐A"]),
        ("2026-11-22 09:10", ["assign", "1", "--to", "李工"]),
        ("2026-11-22 09:20", ["done", "1", "contact", "--note", "已致电"]),
        ("2026-11-22 09:50", ["close", "1", "--remedy", "refund", "--amount", "36.5",
                              "--cause", "handover"]),
    ]  # fmt: skip
    for now, argv in steps:
        ok(invoke(db, *argv, now=now))
    record = json.loads(jsonl_lines(invoke(db, "export", "--show-phone").stdout)[0])
    text = invoke(db, "export", "--show-phone", "--format", "csv").stdout
    return record, text


@pytest.fixture
def record(exported: tuple[Record, str]) -> Record:
    return copy.deepcopy(exported[0])


def event_index(record: Record, action: str) -> int:
    return next(i for i, e in enumerate(record["events"]) if e["action"] == action)


@pytest.fixture
def empty_db(run: Run, db_path: Path) -> Path:
    ok(run("list"))  # created, migrated, empty
    return db_path


def import_text(run: Run, tmp_path: Path, text: str, suffix: str = ".jsonl") -> Result:
    source = tmp_path / f"rows{suffix}"
    source.write_text(text, encoding="utf-8")
    return run("import", str(source))


def refused_rows(result: Result, *expected: tuple[int, str], header: bool = False) -> list[str]:
    """Exit 2; one `error: line N: FIELD: ...` line per bad row (in order), then the summary
    `error: file: K bad row(s) in FILE; nothing imported` (optional for a header problem);
    nothing on stdout, no traceback."""
    assert result.exit_code == 2, (
        result.exit_code,
        result.stdout[-500:],
        result.stderr[-2000:],
        repr(result.exception),
    )
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines), lines
    summary = re.fullmatch(r"error: file: (\d+) bad row\(s\) in .*; nothing imported", lines[-1])
    if summary or not header:
        assert summary, lines[-1]
        assert int(summary.group(1)) == len(expected), lines
        lines = lines[:-1]
    assert len(lines) == len(expected), lines
    for line, (number, field) in zip(lines, expected, strict=True):
        assert line.startswith(f"error: line {number}: {field}"), (line, number, field)
    return lines


def unchanged(db: Path, before: str) -> None:
    assert digest(db) == before
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


# ---- defect 4: records that would break the tool later ---------------------------------


def _set(key: str, value: Any) -> Callable[[Record], str]:
    def change(r: Record) -> str:
        r[key] = value
        return key

    return change


def _event_at(r: Record) -> str:
    r["events"][0]["at"] = "0500-01-01T00:00:00+08:00"
    return "events[0].at"


def _changes_key(key: str) -> Callable[[Record], str]:
    def change(r: Record) -> str:
        i = event_index(r, "assign")
        r["events"][i]["changes"][key] = [None, "2026-11-22T09:10:00+08:00"]
        return f"events[{i}].changes.{key}"

    return change


def _out_of_order(r: Record) -> str:
    i = event_index(r, "close")
    r["events"][i]["at"] = "2026-11-22T09:05:00+08:00"  # before the assign and the done
    return f"events[{i}].at"


def _status(r: Record) -> str:
    r["status"] = "assigned"  # the history closed it
    return "status"


BREAKING = [
    pytest.param(_set("received_at", "0999-11-22T06:00:00+08:00"), id="received-year-999"),
    pytest.param(_event_at, id="event-year-500"),
    pytest.param(_changes_key("deadlines.plan"), id="changes-key-deadlines.plan"),
    pytest.param(_changes_key("deadlines.a.b.c"), id="changes-key-deadlines.a.b.c"),
    pytest.param(_set("delivery_date", "9999-12-31"), id="delivery-9999-12-31"),
    pytest.param(_set("delivery_date", "0001-01-01"), id="delivery-0001-01-01"),
    pytest.param(_set("customer", {"a": 1}), id="customer-an-object"),
    pytest.param(_set("received_at", "1900-11-22T06:00:00+08:00"), id="received-1900"),
    pytest.param(_set("received_at", "2150-11-22T06:00:00+08:00"), id="received-2150"),
    pytest.param(_out_of_order, id="history-out-of-order"),
    pytest.param(_status, id="status-contradicts-history"),
]


@pytest.mark.parametrize("spoil", BREAKING)
def test_defect_04_import_refuses_a_record_that_would_break_the_tool(
    run: Run, tmp_path: Path, empty_db: Path, record: Record, spoil: Callable[[Record], str]
) -> None:
    good = copy.deepcopy(record)
    good["id"] = 2
    field = spoil(record)
    before = digest(empty_db)
    result = import_text(run, tmp_path, jsonl([good, record]))
    refused_rows(result, (2, field))
    unchanged(empty_db, before)


def test_the_unspoiled_record_imports(
    run: Run, tmp_path: Path, empty_db: Path, record: Record
) -> None:
    assert ok(run("import", str(_write(tmp_path, jsonl([record]))), "--json")) == {
        "imported": 1,
        "ids": [1],
    }
    shown = ok(run("show", "1", "--json"))
    assert shown["amount"] == 36.5 and shown["status"] == "closed"


def _write(tmp_path: Path, text: str, name: str = "rows.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- defect 5 (import side): escape sequences and bidi overrides ------------------------


CLIPBOARD = "\u001b]52;c;cHduZWQ=\u0007"


def test_defect_05_import_refuses_escape_sequences_in_the_history(
    run: Run, tmp_path: Path, empty_db: Path, record: Record
) -> None:
    i = event_index(record, "close")
    record["events"][i]["changes"]["status"] = [CLIPBOARD, "\u001b[2J"]
    before = digest(empty_db)
    refused_rows(import_text(run, tmp_path, jsonl([record])), (1, f"events[{i}].changes.status"))
    unchanged(empty_db, before)


def test_defect_05_import_refuses_a_bidi_override_in_the_history(
    run: Run, tmp_path: Path, empty_db: Path, record: Record
) -> None:
    record["events"][0]["changes"]["customer"] = [None, "\u202e伟张"]
    refused_rows(import_text(run, tmp_path, jsonl([record])), (1, "events[0].changes.customer"))


@pytest.mark.parametrize("field", ["customer", "description", "org"])
def test_import_refuses_a_bidi_override_in_a_field(
    run: Run, tmp_path: Path, empty_db: Path, record: Record, field: str
) -> None:
    record[field] = "abc\u202edef"
    refused_rows(import_text(run, tmp_path, jsonl([record])), (1, field))


# ---- defect 6: U+2028 and U+2029 --------------------------------------------------------


def test_defect_06_a_description_with_u2028_survives_export_and_import(
    run: Run, tmp_path: Path
) -> None:
    text = "第一段\u2028第二段\u2029第三段"
    ok(run("log", text, "--channel", "online", "--customer", "a", "--phone", "13800000000"))
    out = tmp_path / "all.jsonl"
    ok(run("export", "--show-phone", "--out", str(out)))
    other = tmp_path / "other.db"
    assert ok(run("import", str(out), "--db", str(other), "--json"))["imported"] == 1
    assert ok(run("show", "1", "--json", "--db", str(other)))["description"] == text


def test_defect_06_json_lines_are_split_on_newline_only(run: Run, tmp_path: Path) -> None:
    rows = [
        {"description": f"行{n}\u2028续\u2029完", "channel": "online", "customer": "a",
         "phone": "13800000000"}
        for n in range(2)
    ]  # fmt: skip
    source = _write(tmp_path, jsonl(rows))
    assert ok(run("import", str(source), "--json")) == {"imported": 2, "ids": [1, 2]}
    assert ok(run("show", "2", "--json"))["description"] == "行1\u2028续\u2029完"


# ---- defect 7: CSV intake that drops what it does not understand ------------------------

INTAKE_HEADER = "description,channel,customer,phone"
INTAKE_ROW = "米饭变质,online,张伟,13916082245"


def test_defect_07_csv_columns_spelled_like_the_options_are_taken(run: Run, tmp_path: Path) -> None:
    source = _write(
        tmp_path,
        f"{INTAKE_HEADER},received-at,order-no,delivery-date\n"
        f"{INTAKE_ROW},2026-11-20 09:00,A-1,2026-11-19\n",
        "form.csv",
    )
    ok(run("import", str(source)))
    shown = ok(run("show", "1", "--json"))
    assert shown["received_at"] == "2026-11-20T09:00:00+08:00"
    assert shown["order_no"] == "A-1"
    assert shown["delivery_date"] == "2026-11-19"


def test_defect_07_an_unknown_column_is_refused_by_name(
    run: Run, tmp_path: Path, empty_db: Path
) -> None:
    before = digest(empty_db)
    result = import_text(run, tmp_path, f"{INTAKE_HEADER},备注\n{INTAKE_ROW},请尽快\n", ".csv")
    (line,) = refused_rows(result, (1, "columns"), header=True)
    assert "备注" in line
    unchanged(empty_db, before)


def test_defect_07_cells_beyond_the_header_are_a_bad_row(
    run: Run, tmp_path: Path, empty_db: Path
) -> None:
    text = f"{INTAKE_HEADER}\n{INTAKE_ROW}\n{INTAKE_ROW},多出来的,还有\n"
    (line,) = refused_rows(import_text(run, tmp_path, text, ".csv"), (3, ""))
    assert "cells" in line


def test_defect_07_two_columns_meaning_the_same_field_are_refused_naming_both(
    run: Run, tmp_path: Path, empty_db: Path
) -> None:
    text = "问题描述,channel,客户姓名,姓名,phone\n米饭变质,online,张伟,,13916082245\n"
    (line,) = refused_rows(import_text(run, tmp_path, text, ".csv"), (1, "columns"), header=True)
    assert "客户姓名" in line and "姓名" in line.replace("客户姓名", "")


# ---- defect 13: crashes (exit 70) with no line number ------------------------------------


@pytest.mark.parametrize("shape", ["array", "object"])
def test_defect_13_deeply_nested_json_is_a_bad_row(
    run: Run, tmp_path: Path, empty_db: Path, shape: str
) -> None:
    good = {"description": "x", "channel": "online", "customer": "a", "phone": "13800000000"}
    deep = (
        "[" * 100_000 + "]" * 100_000
        if shape == "array"
        else '{"a":' * 100_000 + "1" + "}" * 100_000
    )
    before = digest(empty_db)
    refused_rows(import_text(run, tmp_path, jsonl([good]) + deep + "\n"), (2, ""))
    unchanged(empty_db, before)


def _csv_with(text: str, column: str, value: str) -> str:
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    rows[0][column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_defect_13_a_csv_events_cell_that_is_not_json_is_a_bad_row(
    run: Run, tmp_path: Path, empty_db: Path, exported: tuple[Record, str]
) -> None:
    text = _csv_with(exported[1], "events", "[{not json")
    refused_rows(import_text(run, tmp_path, text, ".csv"), (2, "events"))


def test_the_csv_export_imports(
    run: Run, tmp_path: Path, empty_db: Path, exported: tuple[Record, str]
) -> None:
    assert ok(run("import", str(_write(tmp_path, exported[1], "all.csv")), "--json")) == {
        "imported": 1,
        "ids": [1],
    }


def test_defect_13_a_huge_csv_cell_is_a_bad_row_naming_its_field(
    run: Run, tmp_path: Path, empty_db: Path
) -> None:
    text = f'{INTAKE_HEADER}\n"{"米" * 140_000}",online,张伟,13916082245\n'
    refused_rows(import_text(run, tmp_path, text, ".csv"), (2, "description"))


def test_defect_13_a_column_and_its_dotted_child_are_refused(
    run: Run, tmp_path: Path, empty_db: Path
) -> None:
    text = f"{INTAKE_HEADER},customer.x\n{INTAKE_ROW},y\n"
    (line,) = refused_rows(import_text(run, tmp_path, text, ".csv"), (1, "columns"), header=True)
    assert "customer.x" in line


EDGE_TIMES = ["0001-01-01T00:00+14:00", "9999-12-31T23:59:59-12:00"]


@pytest.mark.parametrize("moment", EDGE_TIMES)
def test_defect_13_a_record_received_at_the_ends_of_the_calendar_is_a_bad_row(
    run: Run, tmp_path: Path, empty_db: Path, record: Record, moment: str
) -> None:
    record["received_at"] = moment
    refused_rows(import_text(run, tmp_path, jsonl([record])), (1, "received_at"))


def test_defect_13_a_deadline_at_the_end_of_the_calendar_is_a_bad_row(
    run: Run, tmp_path: Path, empty_db: Path, record: Record
) -> None:
    record["deadlines"]["contact"]["due_at"] = EDGE_TIMES[1]
    refused_rows(import_text(run, tmp_path, jsonl([record])), (1, "deadlines.contact.due_at"))


@pytest.mark.parametrize("moment", EDGE_TIMES)
def test_an_intake_row_received_at_the_ends_of_the_calendar_is_a_bad_row(
    run: Run, tmp_path: Path, empty_db: Path, moment: str
) -> None:
    row = {"description": "x", "channel": "online", "customer": "a", "phone": "13800000000",
           "received_at": moment}  # fmt: skip
    refused_rows(import_text(run, tmp_path, jsonl([row])), (1, "received_at"))


# ---- the round trip ---------------------------------------------------------------------

QUOTES = '"引号" \'single\' `back` \\ 反斜杠 }, {"a": 1}, { ]'
LINES = "第一行\n第二行\t制表符\u2028行分隔符\u2029段分隔符"
EMOJI = "\U0001f468\u200d\U0001f469\u200d\U0001f467 \u2764\ufe0f 🍚🤢"
SQL = "'; DROP TABLE complaints; --"
ODD = {
    "customer": 'a}, {b "老王" O\'Brien ' + EMOJI,
    "org": '=HYPERLINK("http://evil")',
    "product": "-1+1 午餐A套餐 <script>alert(1)</script>",
    "batch": "@SUM(A1) " + SQL,
    "order_no": "'=1+1",
    "request": "+退款\n" + LINES + " " + QUOTES,
}


def build_odd_database(run: Run) -> None:
    """Two complaints holding every odd character `log` and the handling commands accept:
    quotes, `}, {`, backslashes, newlines, tabs, U+2028, U+2029, CJK, emoji with ZWJ,
    right-to-left letters, SQL, text a spreadsheet would run, 2,000 characters."""
    description = f"{QUOTES}\n{LINES}\n{EMOJI} {SQL} שלום مرحبا e\u0301"
    argv = ["log", description, "--channel", "online", "--phone", "+86 139-1608-2245"]
    for name, value in ODD.items():
        argv += [f"--{name.replace('_', '-')}", value]
    ok(run(*argv, now="2026-11-19 08:00"))  # a Thursday: resolution Friday 08:00
    ok(run("log", "米" * 1999 + "饭", "--channel", "hotline", "--customer", "张伟 \u00a0 李",
           "--phone", "13800001111", now="2026-11-19 08:30"))  # fmt: skip
    ok(run("assign", "1", "--to", "李工 'x' \"y\" }, {", now="2026-11-19 08:40"))
    ok(run("done", "1", "contact", "--note", f"={LINES}", now="2026-11-19 08:50"))
    ok(run("extend", "1", "--until", "+30h", "--reason", f"-{SQL} {EMOJI}",
           now="2026-11-19 09:00"))  # fmt: skip
    ok(run("close", "1", "--remedy", "refund", "--amount", "1,800.50", "--cause", "processing",
           "--staff", EMOJI, "--note", f"@{LINES}{QUOTES}", now="2026-11-19 09:30"))  # fmt: skip
    ok(run("revisit", "1", "--satisfaction", "2", "--note", f"+{LINES}", now="2026-11-19 10:00"))


@pytest.mark.parametrize(
    "fmt",
    ["jsonl", "csv"],
)
def test_export_import_export_is_byte_identical_with_every_odd_character(
    run: Run, tmp_path: Path, fmt: str
) -> None:
    build_odd_database(run)
    out = tmp_path / f"all.{fmt}"
    ok(run("export", "--show-phone", "--out", str(out)))
    other = tmp_path / "other.db"
    assert ok(run("import", str(out), "--db", str(other), "--json"))["ids"] == [1, 2]
    for form in ("jsonl", "csv"):
        before = run("export", "--show-phone", "--format", form)
        after = run("export", "--show-phone", "--format", form, "--db", str(other))
        assert before.exit_code == after.exit_code == 0
        if fmt == "csv" and form == "jsonl":  # CSV carries no clients: import registered them
            mine, theirs = (complaint_lines(r.stdout) for r in (after, before))
            assert mine == theirs
            continue
        assert after.stdout_bytes == before.stdout_bytes, form
