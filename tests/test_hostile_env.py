"""Issue 8, the environment and the rules file (defect 16), money (defect 11), and the
second table of bad input: import rows, files, environment and rules — each refused with
one line naming the field (import: one line per bad row and the summary), the database
byte-identical, nothing left behind."""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import BASIC, REFUNDED, Run, ok
from hostile_support import (
    build_template,
    defect,
    digest,
    error_line,
    invoke,
    jsonl_lines,
    listing,
)

Record = dict[str, Any]
Content = str | bytes | Callable[[Record, str], str]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("env-template") / "aftersales.db")


@pytest.fixture(scope="module")
def exported(template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Record, str]:
    """Complaint #2 of the template (closed, with its history) as `export --show-phone`
    writes it, renumbered 101 so that it would import: the record, and the CSV text."""
    copy_ = tmp_path_factory.mktemp("env-export") / "copy.db"
    shutil.copy2(template, copy_)
    line = jsonl_lines(invoke(copy_, "export", "--show-phone", "--status", "closed").stdout)[0]
    record = {**json.loads(line), "id": 101}
    text = invoke(copy_, "export", "--show-phone", "--status", "closed", "--format", "csv").stdout
    (row,) = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow({**row, "id": "101"})
    return record, out.getvalue()


@pytest.fixture
def seeded(template: Path, db_path: Path, tmp_path: Path) -> Path:
    """A copy of the template, and the files and links the table points at with {tmp}."""
    shutil.copy2(template, db_path)
    (tmp_path / "exists.jsonl").write_text("already here\n", encoding="utf-8")
    (tmp_path / "link-to-exists.out").symlink_to(tmp_path / "exists.jsonl")
    (tmp_path / "elsewhere").mkdir()
    for name in ("dangling.html", "dangling.jsonl", "dangling.db"):
        (tmp_path / name).symlink_to(tmp_path / "elsewhere" / name)
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "kpis.csv").write_text("mine\n", encoding="utf-8")
    (tmp_path / "adir").mkdir()
    return db_path


# ---- defect 16: the environment and the rules file -----------------------------------------


def test_defect_16_a_5000_character_time_zone_is_refused(run: Run, seeded: Path) -> None:
    before = digest(seeded)
    for argv in (["list"], ["log", "x", *BASIC], ["overdue"]):
        error_line(run(*argv, env={"AFTERSALES_TZ": "A" * 5000}), 2, "AFTERSALES_TZ")
    assert digest(seeded) == before


def rules_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defect_16_an_absurd_duration_in_the_rules_is_refused(
    run: Run, seeded: Path, tmp_path: Path
) -> None:
    rules = rules_file(tmp_path, '[deadlines.non_urgent]\nresolution = "999999999d"\n')
    before = digest(seeded)
    key = "deadlines.non_urgent.resolution"
    error_line(run("rules", "--rules", rules), 2, key)
    logging = ["log", "建议增加素食", *BASIC, "--severity", "non_urgent", "--reason", "建议"]
    error_line(run(*logging, "--rules", rules), 2, key)
    assert digest(seeded) == before


def test_defect_16_an_absurd_window_in_the_rules_is_refused(
    run: Run, seeded: Path, tmp_path: Path
) -> None:
    rules = rules_file(tmp_path, "[intake]\nrepeat_window_days = 999999999999\n")
    before = digest(seeded)
    error_line(run("rules", "--rules", rules), 2, "intake.repeat_window_days")
    error_line(run("log", "x", *BASIC, "--rules", rules), 2, "intake.repeat_window_days")
    assert digest(seeded) == before


def test_defect_16_an_empty_keyword_is_refused(run: Run, seeded: Path, tmp_path: Path) -> None:
    rules = rules_file(tmp_path, '[categories.food_safety]\nkeywords = ["变质", ""]\n')
    before = digest(seeded)
    key = "categories.food_safety.keywords"
    error_line(run("rules", "--rules", rules), 2, key)
    error_line(run("log", "送错了地址", *BASIC, "--rules", rules), 2, key)
    assert digest(seeded) == before


# ---- defect 11: money -----------------------------------------------------------------------

CLOSE_1 = ["close", "1", *REFUNDED]


@pytest.mark.parametrize("typed", ["3,6", "1,2,3", "1,,000", "12,3456", ",100", "1,000,00"])
@pytest.mark.parametrize(
    ("option", "field", "extra"),
    [
        ("--amount", "amount", ["--finding", "none"]),
        ("--supply-value", "supply_value", ["--finding", "spoiled", "--not-ours"]),
    ],
    ids=["amount", "supply-value"],
)
def test_defect_11_misplaced_thousands_separators_are_refused(
    run: Run, seeded: Path, typed: str, option: str, field: str, extra: list[str]
) -> None:
    before = digest(seeded)
    error_line(run(*CLOSE_1, *extra, option, typed), 2, field)
    assert digest(seeded) == before


@pytest.mark.parametrize(
    ("option", "field", "extra"),
    [
        ("--amount", "amount", ["--finding", "none"]),
        ("--supply-value", "supply_value", ["--finding", "spoiled", "--not-ours"]),
    ],
    ids=["amount", "supply-value"],
)
def test_defect_11_thousands_in_groups_of_three_are_taken(
    run: Run, seeded: Path, option: str, field: str, extra: list[str]
) -> None:
    ok(run(*CLOSE_1, *extra, option, "1,800.50"))
    assert ok(run("show", "1", "--json"))[field] == 1800.5


# ---- the second table of bad input ------------------------------------------------------------


def bad(
    field: str,
    *argv: str,
    env: dict[str, str] | None = None,
    files: dict[str, Content] | None = None,
    code: int = 2,
    bug: str | None = None,
    defect_no: int = 0,
) -> Any:
    """A command line refused with one line naming `field` (exit `code`); `files` are
    written into {tmp} first; `bug` marks a row the tool gets wrong today (strict xfail)."""
    marks = [defect(defect_no, bug)] if bug else []
    shown = " ".join(argv) + "".join(f" [{k}={v[:20]}]" for k, v in (env or {}).items())
    values = (list(argv), field, env or {}, files or {}, code, None)
    return pytest.param(*values, marks=marks, id=shown[:80])


def bad_row(
    line: int,
    field: str,
    content: Content,
    *,
    name: str = "rows.jsonl",
    bug: str | None = None,
    defect_no: int = 0,
    label: str = "",
) -> Any:
    """An import of one file whose line `line` is refused naming `field`."""
    marks = [defect(defect_no, bug)] if bug else []
    values: tuple[Any, ...] = (["import", "{tmp}/" + name], field, {}, {name: content}, 2, line)
    return pytest.param(*values, marks=marks, id=f"import {name} line {line} {field} {label}"[:80])


def record_with(change: Callable[[Record], None]) -> Callable[[Record, str], str]:
    def content(record: Record, csv_text: str) -> str:
        spoiled = copy.deepcopy(record)
        change(spoiled)
        return json.dumps(spoiled, ensure_ascii=False) + "\n"

    return content


def put(key: str, value: Any) -> Callable[[Record, str], str]:
    return record_with(lambda r: r.__setitem__(key, value))


def put_deadline(key: str, value: Any) -> Callable[[Record, str], str]:
    return record_with(lambda r: r["deadlines"]["contact"].__setitem__(key, value))


def put_event(index: int, key: str, value: Any) -> Callable[[Record, str], str]:
    return record_with(lambda r: r["events"][index].__setitem__(key, value))


def put_change(key: str, pair: Any) -> Callable[[Record, str], str]:
    return record_with(lambda r: r["events"][-1]["changes"].__setitem__(key, pair))


def intake_row(**values: Any) -> str:
    row = {"description": "米饭变质", "channel": "online", "customer": "张伟",
           "phone": "13916082245", **values}  # fmt: skip
    return json.dumps(row, ensure_ascii=False) + "\n"


def csv_rows(header: str, *rows: str) -> str:
    return "\n".join([header, *rows]) + "\n"


def csv_events(value: str) -> Callable[[Record, str], str]:
    def content(record: Record, csv_text: str) -> str:
        rows = list(csv.DictReader(io.StringIO(csv_text)))
        rows[0]["events"] = value
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()

    return content


def toml(text: str) -> dict[str, Content]:
    return {"rules.toml": text}


LAST = -1  # the last event of the history (the close)
HEADER = "description,channel,customer,phone"
ROW = "米饭变质,online,张伟,13916082245"
ESC_PAIR = ["\u001b]52;c;cHduZWQ=\u0007", "\u001b[2J"]


def _reorder(r: Record) -> None:
    r["events"][LAST]["at"] = "2026-11-22T09:00:00+08:00"  # before the log at 09:30


def _first(r: Record) -> None:
    del r["events"][0]


BAD_MORE = [
    # ---- import: exported records -----------------------------------------------------------
    bad_row(1, "received_at", put("received_at", "0999-11-22T06:00:00+08:00"), label="year 999"),
    bad_row(1, "received_at", put("received_at", "1900-11-22T06:00:00+08:00"), label="1900"),
    bad_row(1, "received_at", put("received_at", "2150-11-22T06:00:00+08:00"), label="2150"),
    bad_row(1, "received_at", put("received_at", "2026-12-01T09:00:00+08:00"),
            label="in the future"),
    bad_row(1, "received_at", put("received_at", "0001-01-01T00:00+14:00"), label="0001+14"),
    bad_row(1, "received_at", put("received_at", "9999-12-31T23:59:59-12:00"), label="9999-12"),
    bad_row(1, "received_at", put("received_at", "yesterday"), label="words"),
    bad_row(1, "received_at", put("received_at", "2026-11-22T09:00:00"), label="no offset"),
    bad_row(1, "received_at", put("received_at", None), label="missing"),
    bad_row(1, "events[0].at", put_event(0, "at", "0500-01-01T00:00:00+08:00"), label="year 500"),
    bad_row(1, "events[0].at", put_event(0, "at", None), label="missing"),
    bad_row(1, "events[0].action", put_event(0, "action", "explode")),
    bad_row(1, "events[0]", put_event(0, "extra", 1), label="extra key"),
    bad_row(1, "events[0]", record_with(_first), label="first not log"),
    bad_row(1, "events[", record_with(_reorder), label="out of order"),
    bad_row(1, "events", put("events", []), label="empty history"),
    bad_row(1, "events", put("events", {}), label="an object"),
    bad_row(1, "events[1].changes.deadlines.plan", put_change("deadlines.plan", [None, "x"])),
    bad_row(1, "events[1].changes.deadlines.a.b.c", put_change("deadlines.a.b.c", [None, 1])),
    bad_row(1, "events[1].changes.bogus", put_change("bogus", [None, "x"])),
    bad_row(1, "events[1].changes.status", put_change("status", ESC_PAIR),
            label="escape sequences"),
    bad_row(1, "events[1].changes.customer", put_change("customer", [None, "\u202eevil"]),
            label="bidi override"),
    bad_row(1, "events[1].changes.status", put_change("status", [{"a": 1}, "closed"]),
            label="not a scalar"),
    bad_row(1, "events[1].changes.status", put_change("status", "closed"), label="not a pair"),
    bad_row(1, "events[1].changes.closed_at",
            put_change("closed_at", [None, "9999-12-31T23:59:59-12:00"]), label="end of calendar"),
    bad_row(1, "events[0].by", put_event(0, "by", "\u001b[31mred"), label="escape"),
    bad_row(1, "events[0].note", put_event(0, "note", "a\u0007b"), label="bell"),
    bad_row(1, "status", put("status", "new"), label="contradicts"),
    bad_row(1, "status", put("status", "lost"), label="unknown"),
    bad_row(1, "customer", put("customer", {"a": 1}), label="object"),
    bad_row(1, "customer", put("customer", 123), label="number"),
    bad_row(1, "customer", put("customer", "\u202eevil"), label="bidi"),
    bad_row(1, "description", put("description", 12), label="number"),
    bad_row(1, "description", put("description", "x" * 2001), label="2001 chars"),
    bad_row(1, "phone", put("phone", 13812345678), label="number"),
    bad_row(1, "phone", put("phone", "138 ** 5678"), label="starred"),
    bad_row(1, "delivery_date", put("delivery_date", "9999-12-31")),
    bad_row(1, "delivery_date", put("delivery_date", "0001-01-01")),
    bad_row(1, "delivery_date", put("delivery_date", "2026-11-23"), label="after received"),
    bad_row(1, "delivery_date", put("delivery_date", "2026-02-30")),
    bad_row(1, "amount", put("amount", "3,6")),
    bad_row(1, "amount", put("amount", -1)),
    bad_row(1, "amount", put("amount", 1e9)),
    bad_row(1, "people", put("people", 0)),
    bad_row(1, "satisfaction", put("satisfaction", 9)),
    bad_row(1, "ill", put("ill", "maybe")),
    bad_row(1, "deadlines", put("deadlines", []), label="a list"),
    bad_row(1, "deadlines.contact.due_at", put_deadline("due_at", "9999-12-31T23:59:59-12:00")),
    bad_row(1, "deadlines.contact.due_at", put_deadline("due_at", "1900-01-01T00:00:00+08:00")),
    bad_row(1, "closed_at", put("closed_at", "2027-01-01T00:00:00+08:00"), label="future"),
    bad_row(1, "id", put("id", "abc")),
    bad_row(1, "penalty", put("penalty", "big")),
    bad_row(1, "", "[" * 100_000 + "]" * 100_000 + "\n", label="deep"),
    bad_row(1, "", "[1, 2]\n", label="not an object"),
    bad_row(1, "", "{not json\n", label="not json"),
    # ---- import: intake rows ------------------------------------------------------------------
    bad_row(1, "description", intake_row(description="米饭\u001b[2J")),
    bad_row(1, "description", intake_row(description="米饭\u202e")),
    bad_row(1, "customer", intake_row(customer={"a": 1}), label="obj"),
    bad_row(1, "customer", intake_row(customer=5), label="number"),
    bad_row(1, "channel", intake_row(channel="fax")),
    bad_row(1, "received_at", intake_row(received_at="0001-01-01T00:00+14:00")),
    bad_row(1, "received_at", intake_row(received_at="2027-01-01 10:00")),
    bad_row(1, "phone", intake_row(phone="12")),
    bad_row(1, "quantity", intake_row(quantity=-1)),
    bad_row(1, "description", intake_row(description="米" * 2001)),
    # ---- import: CSV ----------------------------------------------------------------------------
    bad_row(1, "columns", csv_rows(f"{HEADER},备注", f"{ROW},请尽快"), name="form.csv",
            label="unknown"),
    bad_row(1, "columns", csv_rows("问题描述,channel,客户姓名,姓名,phone",
                                   "米饭变质,online,张伟,,13916082245"),
            name="form.csv", label="two customers"),
    bad_row(1, "columns", csv_rows(f"{HEADER},phone", f"{ROW},13800000000"), name="form.csv",
            label="phone twice"),
    bad_row(1, "columns", csv_rows(f"{HEADER},customer.x", f"{ROW},y"), name="form.csv",
            label="customer.x"),
    bad_row(2, "", csv_rows(HEADER, f"{ROW},多余"), name="form.csv", label="extra cell"),
    bad_row(2, "events", csv_events("[{not json"), name="all.csv"),
    bad_row(2, "description", csv_rows(HEADER, f'"{"米" * 140_000}",online,张伟,13916082245'),
            name="form.csv", label="140000 chars"),
    bad_row(2, "channel", csv_rows(HEADER, "米饭变质,传真,张伟,13916082245"), name="form.csv"),
    bad_row(2, "people", csv_rows(f"{HEADER},people", f"{ROW},两个"), name="form.csv"),
    # ---- import: the file itself -------------------------------------------------------------
    bad("file", "import", "{tmp}/latin1.csv", files={"latin1.csv": b"description\ncaf\xe9\n"}),
    bad("file", "import", ""),
    # ---- files the tool writes -----------------------------------------------------------------
    bad("html", "report", "--html", "{tmp}/aftersales.db"),
    bad("html", "report", "--html", "{tmp}/exists.jsonl"),
    bad("html", "report", "--html", "{tmp}/link-to-exists.out"),
    bad("html", "report", "--html", "{tmp}/dangling.html"),
    bad("html", "report", "--html", "{tmp}/adir"),
    bad("csv", "report", "--csv", "{tmp}/tables"),
    bad("csv", "report", "--csv", "{tmp}/exists.jsonl"),
    bad("csv", "report", "--csv", ""),
    bad("html", "report", "--html", ""),
    bad("out", "export", "--out", "{tmp}/aftersales.db", "--overwrite"),
    bad("out", "export", "--out", "{tmp}/link-to-exists.out"),
    bad("out", "export", "--out", "{tmp}/dangling.jsonl"),
    bad("out", "export", "--out", ""),
    bad("file", "backup", "{tmp}/dangling.db"),
    bad("file", "backup", "{tmp}/link-to-exists.out"),
    bad("db", "list", "--db", ""),
    bad("db", "log", "x", *BASIC, "--db", ""),
    bad("rules", "list", "--rules", ""),
    bad("database", "list", "--db", "{tmp}/exists.jsonl", code=74),
    bad("database", "show", "1", "--db", "{tmp}/adir"),
    # ---- the environment -------------------------------------------------------------------------
    bad("AFTERSALES_TZ", "list", env={"AFTERSALES_TZ": "A" * 5000}),
    bad("AFTERSALES_TZ", "log", "x", *BASIC, env={"AFTERSALES_TZ": "x" * 300}),
    bad("AFTERSALES_TZ", "list", env={"AFTERSALES_TZ": "../../etc"}),
    bad("AFTERSALES_TZ", "list", env={"AFTERSALES_TZ": "/etc/passwd"}),
    bad("AFTERSALES_TZ", "list", env={"AFTERSALES_TZ": "Asia/Shanghai\x1b[2J"}),
    bad("AFTERSALES_NOW", "list", env={"AFTERSALES_NOW": "1999-12-31 23:59"}),
    bad("AFTERSALES_NOW", "list", env={"AFTERSALES_NOW": "2100-01-01 00:00"}),
    bad("AFTERSALES_NOW", "list", env={"AFTERSALES_NOW": "0001-01-01T00:00+14:00"}),
    bad("AFTERSALES_NOW", "list", env={"AFTERSALES_NOW": "9999-12-31T23:59:59-12:00"}),
    bad("AFTERSALES_NOW", "list", env={"AFTERSALES_NOW": "9" * 5000}),
    bad("by", "log", "x", *BASIC, env={"AFTERSALES_OPERATOR": "\u202eevil"}),
    bad("by", "log", "x", *BASIC, env={"AFTERSALES_OPERATOR": "x" * 201}),
    bad("intake.repeat_window_days", "log", "x", *BASIC,
        env={"AFTERSALES_RULES": "{tmp}/rules.toml"},
        files=toml("[intake]\nrepeat_window_days = 999999999999\n")),
    # ---- the rules file ------------------------------------------------------------------------
    bad("deadlines.non_urgent.resolution", "rules", "--rules", "{tmp}/rules.toml",
        files=toml('[deadlines.non_urgent]\nresolution = "999999999d"\n')),
    bad("deadlines.general.resolution", "rules", "--rules", "{tmp}/rules.toml",
        files=toml('[deadlines.general]\nresolution = "999999999d"\n')),
    bad("deadlines.revisit_after_close", "rules", "--rules", "{tmp}/rules.toml",
        files=toml('[deadlines]\nrevisit_after_close = "999999999d"\n')),
    bad("deadlines.non_urgent.resolution", "rules", "--rules", "{tmp}/rules.toml",
        files=toml('[deadlines.non_urgent]\nresolution = "366d"\n')),
    bad("deadlines.non_urgent.resolution", "rules", "--rules", "{tmp}/rules.toml",
        files=toml('[deadlines.non_urgent]\nresolution = "9000h"\n')),
    bad("intake.repeat_window_days", "rules", "--rules", "{tmp}/rules.toml",
        files=toml("[intake]\nrepeat_window_days = 999999999999\n")),
    bad("intake.repeat_window_days", "rules", "--rules", "{tmp}/rules.toml",
        files=toml("[intake]\nrepeat_window_days = 3700\n")),
    bad("intake.batch_window_hours", "rules", "--rules", "{tmp}/rules.toml",
        files=toml("[intake]\nbatch_window_hours = 999999999999\n")),
    bad("intake.sample_retention_hours", "rules", "--rules", "{tmp}/rules.toml",
        files=toml("[intake]\nsample_retention_hours = 999999999999\n")),
    bad("penalties.window_days", "rules", "--rules", "{tmp}/rules.toml",
        files=toml("[penalties]\nwindow_days = 999999999999\n")),
    bad("categories.food_safety.keywords", "rules", "--rules", "{tmp}/rules.toml",
        files=toml('[categories.food_safety]\nkeywords = [""]\n')),
    bad("categories.food_safety.keywords", "rules", "--rules", "{tmp}/rules.toml",
        files=toml('[categories.food_safety]\nkeywords = ["   "]\n')),
    bad("categories.food_safety.keywords", "rules", "--rules", "{tmp}/rules.toml",
        files=toml('[categories.food_safety]\nkeywords = ["变质\\u001b[2J"]\n')),
    bad("categories.snacks.zh", "rules", "--rules", "{tmp}/rules.toml",
        files=toml('[categories.snacks]\nzh = "\\u202e零食"\nkeywords = ["零食"]\n')),
    bad("categories.snacks.zh", "rules", "--rules", "{tmp}/rules.toml",
        files=toml('[categories.snacks]\nzh = "零食\\u0007"\nkeywords = ["零食"]\n')),
    bad("severity.illness_words", "rules", "--rules", "{tmp}/rules.toml",
        files=toml('[severity]\nillness_words = ["腹泻", ""]\n')),
    bad("deadlines.general.contact", "rules", "--rules", "{tmp}/rules.toml",
        files=toml('[deadlines.general]\ncontact = "soon"\n')),
    bad("intake.repeat_window_days", "rules", "--rules", "{tmp}/rules.toml",
        files=toml("[intake]\nrepeat_window_days = -1\n")),
    bad("intake.repeat_window_days", "rules", "--rules", "{tmp}/rules.toml",
        files=toml("[intake]\nrepeat_window_days = 1.5\n")),
    bad("intake.repeat_window_days", "rules", "--rules", "{tmp}/rules.toml",
        files=toml("[intake]\nrepeat_window_days = true\n")),
    bad("penalties.ladder", "rules", "--rules", "{tmp}/rules.toml",
        files=toml("[penalties]\nladder = []\n")),
    bad("targets.resolution_rate", "rules", "--rules", "{tmp}/rules.toml",
        files=toml("[targets]\nresolution_rate = 1.5\n")),
]  # fmt: skip


def test_the_second_table_is_big_enough() -> None:
    assert len(BAD_MORE) >= 80
    kinds = {p.values[0][0] for p in BAD_MORE}
    assert kinds >= {"import", "report", "export", "backup", "list", "log", "rules"}


def _write(tmp_path: Path, files: dict[str, Content], exported: tuple[Record, str]) -> None:
    for name, content in files.items():
        if callable(content):
            content = content(*exported)
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def refused_import(result: Any, line: int, field: str) -> None:
    """Exit 2; `error: line N: FIELD...` for the one bad row, then the summary (which a
    header problem may leave out); nothing on stdout; no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stderr[-1500:], repr(result.exception))
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert all(x.startswith("error: ") for x in lines), lines
    if lines[-1].startswith("error: file: "):
        assert lines[-1].endswith("1 bad row(s) in " + lines[-1].split(" in ", 1)[1]), lines
        assert "; nothing imported" in lines[-1]
        lines = lines[:-1]
    else:
        assert line == 1 and field == "columns", lines  # only a header may stand alone
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: line {line}: {field}"), (lines[0], line, field)


@pytest.mark.parametrize(("argv", "field", "env", "files", "code", "line"), BAD_MORE)
def test_more_bad_input_is_refused_and_leaves_the_database_untouched(
    run: Run,
    seeded: Path,
    tmp_path: Path,
    exported: tuple[Record, str],
    argv: list[str],
    field: str,
    env: dict[str, str],
    files: dict[str, Content],
    code: int,
    line: int | None,
) -> None:
    _write(tmp_path, files, exported)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    env = {k: v.replace("{tmp}", str(tmp_path)) for k, v in env.items()}
    before, present = digest(seeded), listing(tmp_path)
    result = run(*argv, env=env)
    if line is None:
        error_line(result, code, field)
    else:
        refused_import(result, line, field)
    assert digest(seeded) == before
    assert listing(tmp_path) == present  # no -wal, -shm, partial, temporary or new file


def test_the_base_record_of_the_table_imports(
    run: Run, seeded: Path, tmp_path: Path, exported: tuple[Record, str]
) -> None:
    record, csv_text = exported
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert ok(run("import", str(path), "--json")) == {"imported": 1, "ids": [101]}
    other = tmp_path / "other.db"
    path = tmp_path / "one.csv"
    path.write_text(csv_text, encoding="utf-8")
    assert ok(run("import", str(path), "--db", str(other), "--json")) == {
        "imported": 1,
        "ids": [101],
    }
