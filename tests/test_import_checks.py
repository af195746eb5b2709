"""`import` accepts exactly what the commands accept (issue 8).

Every refusal: one `error: line N: FIELD: ...` line per bad row, then the summary line,
exit 2, nothing on stdout, the database byte-identical; nothing ever exits 70 (the tests
run with AFTERSALES_DEBUG=1, so a crash fails them loudly). Exports mask every phone,
inside the history too, and an export imports back byte for byte.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import BASIC, Run, complaint_records, ok
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from aftersales_cli import exchange
from aftersales_cli.cli import app
from aftersales_cli.rules.config import default_rules
from aftersales_cli.rules.errors import RuleError

PHONE = "13812345678"
OTHER_PHONE = "+86 139-1608-2245"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _steps() -> list[tuple[str, list[str]]]:
    basic = list(BASIC)
    return [
        (
            "2026-11-01 09:00",
            [
                *("log", "米饭变质，两人腹泻", *basic, "--org", "实验小学", "--product"),
                *("午餐A", "--batch", "B1101", "--delivery-date", "2026-11-01 11:30"),
                *("--quantity", "40", "--defective", "3", "--people", "2", "--ill"),
                *("--request", "退款", "--received-at", "2026-11-01 08:30"),
            ],
        ),
        ("2026-11-01 09:10", ["assign", "1", "--to", "李工"]),
        ("2026-11-01 09:20", ["done", "1", "contact", "--note", "已致电\n明天复查"]),
        (
            "2026-11-01 09:30",
            ["extend", "1", "--milestone", "plan", "--until", "2026-11-01 18:00", "--reason", "等"],
        ),
        (
            "2026-11-01 20:00",
            [
                *("close", "1", "--remedy", "replace", "--remedy", "refund", "--cause"),
                *("processing", "--finding"),
                *("spoiled", "--supply-value", "1200.50", "--price", "18", "--loss", "30"),
                *("--amount", "36.5", "--note", "+已处理"),
            ],
        ),
        ("2026-11-02 10:00", ["revisit", "1", "--satisfaction", "1"]),
        (
            "2026-11-02 15:00",
            [
                *("close", "1", "--remedy", "refund", "--amount", "36.5", "--cause"),
                *("processing", "--finding", "spoiled"),
            ],
        ),
        ("2026-11-03 10:00", ["revisit", "1", "--satisfaction", "5"]),
        (
            "2026-11-20 09:00",
            [
                "log",
                "配送员态度差",
                "--channel",
                "hotline",
                "--customer",
                "李",
                "--phone",
                OTHER_PHONE,
            ],
        ),
        (
            "2026-11-20 10:00",
            ["close", "2", "--remedy", "apology", "--cause", "handover", "--staff", "小刘"],
        ),
        ("2026-11-21 09:00", ["log", "建议增加素食", *basic]),
        ("2026-11-22 10:00", ["overdue"]),
    ]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A database with a complaint in every kind of state (#1 fined, reopened and
    revisited, with an extension, breaches and an escalation; #2 closed with a staff fine;
    #3 open and overdue), built once, and its export with phones."""
    folder = tmp_path_factory.mktemp("import-template")
    env = {
        "HOME": str(folder / "home"),
        "AFTERSALES_DB": str(folder / "aftersales.db"),
        "AFTERSALES_TZ": "Asia/Shanghai",
        "AFTERSALES_OPERATOR": "tester",
        "AFTERSALES_DEBUG": "1",
        "AFTERSALES_RULES": None,
    }
    for now, argv in _steps():
        result = CliRunner().invoke(app, argv, env={**env, "AFTERSALES_NOW": now})
        assert result.exit_code in (0, 1), (argv, result.output)
    exported = CliRunner().invoke(
        app, ["export", "--show-phone"], env={**env, "AFTERSALES_NOW": "2026-11-22 10:00"}
    )
    assert exported.exit_code == 0, exported.output
    records = complaint_records(exported.stdout)
    assert [r["id"] for r in records] == [1, 2, 3]
    assert records[1]["staff_fine"] is not None
    return folder / "aftersales.db", records


@pytest.fixture
def seeded(template: tuple[Path, list[dict[str, Any]]], db_path: Path) -> Path:
    shutil.copy2(template[0], db_path)
    return db_path


@pytest.fixture
def records(template: tuple[Path, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Fresh copies of the exported records, under ids the database does not have."""
    fresh = copy.deepcopy(template[1])
    for record in fresh:
        record["id"] += 100
    return fresh


NOT_DUE = {
    "due_at": None,
    "done_at": None,
    "state": "n/a",
    "extended_from": None,
    "reason": None,
    "business_time": False,
    "counting": None,
    "late": False,
    "breach_noted": False,
}
HUGE = "__1e400__"  # a number no float holds, written as JSON text


def jsonl(path: Path, rows: list[Any]) -> Path:
    text = "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows
    )
    path.write_text(text.replace(f'"{HUGE}"', "1e400"), encoding="utf-8")
    return path


def refused_rows(result: Result, path: Path, *expected: tuple[int, str]) -> list[str]:
    """Exit 2, nothing on stdout, one line per bad row naming (line, field) — in order —
    and the summary line."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines[-1] == f"error: file: {len(expected)} bad row(s) in {path}; nothing imported"
    assert len(lines) == len(expected) + 1, lines
    for line, (number, field) in zip(lines, expected, strict=False):
        assert line.startswith(f"error: line {number}: {field}"), (line, number, field)
    return lines[:-1]


def at(*path: Any) -> Callable[[Any], Callable[[dict[str, Any]], None]]:
    """A change to a record: set the value at `path` (keys and list indexes)."""

    def setter(value: Any) -> Callable[[dict[str, Any]], None]:
        def change(record: dict[str, Any]) -> None:
            node: Any = record
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = value

        return change

    return setter


def dropped(*path: Any) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        node: Any = record
        for step in path[:-1]:
            node = node[step]
        del node[path[-1]]

    return change


def both(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        for one in changes:
            one(record)

    return change


def reordered(record: dict[str, Any]) -> None:
    events = record["events"]
    events[1]["at"], events[-1]["at"] = events[-1]["at"], events[1]["at"]


def status_jump(record: dict[str, Any]) -> None:
    record["events"][1]["changes"]["status"] = ["classified", "assigned"]


def first_is_close(record: dict[str, Any]) -> None:
    record["events"] = record["events"][1:]


def esc(text: str) -> str:
    return "\x1b" + text


CLIPBOARD = "\u001b]52;c;cHduZWQ=\u0007"
FUTURE = "2026-11-23T10:00:00+08:00"

# (what, index of the record changed, change, field named in the error line)
RECORD_REFUSALS: list[Any] = [
    # ---- times: with an offset, 2000-01-01 … now (what happened), 2000–2099 (dues) ---
    ("received in 999", 0, at("received_at")("0999-11-22T09:00:00+08:00"), "received_at"),
    ("received in 1900", 0, at("received_at")("1900-01-01T09:00:00+08:00"), "received_at"),
    ("received in 2150", 0, at("received_at")("2150-01-01T09:00:00+08:00"), "received_at"),
    ("received tomorrow", 0, at("received_at")(FUTURE), "received_at"),
    ("year 1 at +14", 0, at("received_at")("0001-01-01T00:00+14:00"), "received_at"),
    ("year 9999 at -12", 0, at("received_at")("9999-12-31T23:59:59-12:00"), "received_at"),
    ("no offset", 0, at("received_at")("2026-11-01T08:30:00"), "received_at"),
    ("not a time", 0, at("received_at")("yesterday"), "received_at"),
    ("a number", 0, at("received_at")(20261101), "received_at"),
    ("received missing", 0, at("received_at")(None), "received_at"),
    ("closed in 2150", 0, at("closed_at")("2150-01-01T00:00:00+08:00"), "closed_at"),
    ("escalated in 1999", 0, at("escalated_at")("1999-12-31T23:59:59+08:00"), "escalated_at"),
    (
        "due in 2100",
        0,
        at("deadlines", "plan", "due_at")("2100-01-01T00:00:00+08:00"),
        "deadlines.plan.due_at",
    ),  # fmt: skip
    ("done tomorrow", 0, at("deadlines", "plan", "done_at")(FUTURE), "deadlines.plan.done_at"),
    ("event in 500", 0, at("events", 0, "at")("0500-01-01T00:00:00+08:00"), "events[0].at"),
    ("event tomorrow", 0, at("events", 10, "at")(FUTURE), "events[10].at"),
    ("event without time", 0, dropped("events", 3, "at"), "events[3].at"),
    # ---- dates --------------------------------------------------------------------
    ("delivered 9999-12-31", 0, at("delivery_date")("9999-12-31"), "delivery_date"),
    ("delivered 0001-01-01", 0, at("delivery_date")("0001-01-01"), "delivery_date"),
    ("delivered 2026-02-30", 0, at("delivery_date")("2026-02-30"), "delivery_date"),
    ("delivered after received", 0, at("delivery_date")("2026-11-02"), "delivery_date"),
    ("delivered as a number", 0, at("delivery_date")(20261101), "delivery_date"),
    ("delivered_at in 2150", 0, at("delivered_at")("2150-11-01T11:30:00+08:00"), "delivered_at"),
    # ---- text: strings, checked like the options ----------------------------------------
    ("customer an object", 0, at("customer")({"a": 1}), "customer"),
    ("customer a number", 0, at("customer")(5), "customer"),
    ("customer a list", 0, at("customer")(["a"]), "customer"),
    ("customer empty", 0, at("customer")(""), "customer"),
    ("customer missing", 0, dropped("customer"), "customer"),
    ("customer RLO", 0, at("customer")("\u202eevil"), "customer"),
    ("customer escape", 0, at("customer")(esc("[2J")), "customer"),
    ("customer two lines", 0, at("customer")("a\nb"), "customer"),
    ("customer 201", 0, at("customer")("x" * 201), "customer"),
    ("org NUL", 0, at("org")("a\x00b"), "org"),
    ("description 2001", 0, at("description")("米" * 2001), "description"),
    ("description BEL", 0, at("description")("a\x07"), "description"),
    ("request LRI", 0, at("request")("\u2066x"), "request"),
    ("note a number", 0, at("note")(1), "note"),
    ("reason two lines", 0, at("deadlines", "plan", "reason")("a\nb"), "deadlines.plan.reason"),
    ("phone starred", 0, at("phone")("138 ** 5678"), "phone"),  # masked: its own test
    ("phone a number", 0, at("phone")(13812345678), "phone"),
    ("phone short", 0, at("phone")("12345"), "phone"),
    # ---- terms --------------------------------------------------------------------
    ("status unknown", 0, at("status")("lost"), "status"),
    ("channel fax", 0, at("channel")("fax"), "channel"),
    ("category typo", 0, at("category")("food_safty"), "category"),
    ("severity a list", 0, at("severity")(["urgent"]), "severity"),
    ("remedy hug", 0, at("remedy")("hug"), "remedy"),
    ("finding meh", 0, at("finding")("meh"), "finding"),
    ("method pigeon", 0, at("revisit_method")("pigeon"), "revisit_method"),
    # ---- numbers and flags --------------------------------------------------------
    ("quantity as text", 0, at("quantity")("40"), "quantity"),
    ("quantity true", 0, at("quantity")(True), "quantity"),
    ("quantity negative", 0, at("quantity")(-1), "quantity"),
    ("quantity huge", 0, at("quantity")(10**30), "quantity"),
    ("quantity a fraction", 0, at("quantity")(1.5), "quantity"),
    ("defective above quantity", 0, at("defective")(41), "defective"),
    ("people 0", 0, at("people")(0), "people"),
    ("satisfaction 6", 0, at("satisfaction")(6), "satisfaction"),
    ("reopen_count text", 0, at("reopen_count")("1"), "reopen_count"),
    ("id 0", 0, at("id")(0), "id"),
    ("id text", 0, at("id")("101"), "id"),
    ("id missing", 0, dropped("id"), "id"),
    ("ill as yes", 0, at("ill")("yes"), "ill"),
    ("ill as 1", 0, at("ill")(1), "ill"),
    ("ours as text", 0, at("ours")("true"), "ours"),
    ("late as text", 0, at("deadlines", "plan", "late")("true"), "deadlines.plan.late"),
    # (a milestone without a deadline, as exported, but for a flag written 0)
    (
        "not due, late 0",
        0,
        at("deadlines", "sample")({**NOT_DUE, "late": 0}),
        "deadlines.sample.late",
    ),
    (
        "not due, breach_noted 0",
        0,
        at("deadlines", "sample")({**NOT_DUE, "breach_noted": 0}),
        "deadlines.sample.breach_noted",
    ),
    # ---- money: as --amount --------------------------------------------------------
    ("amount 3,6", 0, at("amount")("3,6"), "amount"),
    ("amount 1,2,3", 0, at("amount")("1,2,3"), "amount"),
    ("amount 1,,000", 0, at("amount")("1,,000"), "amount"),
    ("amount 1.234", 0, at("amount")(1.234), "amount"),
    ("amount negative", 0, at("amount")(-5), "amount"),
    ("amount 1e400", 0, at("amount")(HUGE), "amount"),
    ("amount true", 0, at("amount")(True), "amount"),
    ("amount NaN text", 0, at("amount")("NaN"), "amount"),
    ("amount over ten million", 0, at("amount")(10_000_000.01), "amount"),
    ("price an object", 0, at("price")({"yuan": 1}), "price"),
    ("supply value 0", 0, at("supply_value")(0), "supply_value"),
    ("penalty not an object", 0, at("penalty")("x"), "penalty"),
    ("penalty incomplete", 0, at("penalty")({"offence": 1}), "penalty"),
    ("penalty unknown key", 0, at("penalty", "why")("x"), "penalty.why"),
    ("penalty amount 1.234", 0, at("penalty", "amount")(1.234), "penalty.amount"),
    ("staff fine a list", 1, at("staff_fine")([50]), "staff_fine"),
    ("staff fine amount -1", 1, at("staff_fine", "amount")(-1), "staff_fine.amount"),
    # ---- shape ---------------------------------------------------------------------
    ("unknown field", 0, at("备注")("x"), "备注"),
    ("field twice", 0, at("received-at")("2026-11-01T08:30:00+08:00"), "received-at"),
    ("deadlines a text", 0, at("deadlines")("x"), "deadlines"),
    ("unknown milestone", 0, at("deadlines", "lunch")({}), "deadlines.lunch"),
    ("unknown deadline part", 0, at("deadlines", "plan", "soon")(1), "deadlines.plan.soon"),
    ("deadline a list", 0, at("deadlines", "plan")([1]), "deadlines.plan"),
    # ---- the history ----------------------------------------------------------------
    ("no events", 0, dropped("events"), "events"),
    ("empty history", 0, at("events")([]), "events"),
    ("events a text", 0, at("events")("log"), "events"),
    ("event a number", 0, at("events", 0)(1), "events[0]"),
    ("event without by", 0, dropped("events", 0, "by"), "events[0].by"),
    ("event extra key", 0, at("events", 0, "mood")("x"), "events[0].mood"),
    ("event by BEL", 0, at("events", 1, "by")("\x07"), "events[1].by"),
    ("event note escape", 0, at("events", 2, "note")(esc("[31m")), "events[2].note"),
    ("unknown action", 0, at("events", 1, "action")("hack"), "events[1].action"),
    ("first is not log", 0, first_is_close, "events[0].action"),
    ("out of order", 0, reordered, "events[2].at"),
    ("status contradicts", 0, status_jump, "events[1].changes.status"),
    ("status against history", 0, at("status")("closed"), "status"),
    ("changes a list", 0, at("events", 1, "changes")([]), "events[1].changes"),
    (
        "key deadlines.plan",
        0,
        at("events", 1, "changes", "deadlines.plan")([None, 1]),
        "events[1].changes.deadlines.plan",
    ),  # fmt: skip
    (
        "key deadlines.a.b.c",
        0,
        at("events", 1, "changes", "deadlines.a.b.c")([None, 1]),
        "events[1].changes.deadlines.a.b.c",
    ),  # fmt: skip
    (
        "key breach_noted",
        0,
        at("events", 3, "changes", "deadlines.contact.breach_noted")([False, True]),
        "events[3].changes.deadlines.contact.breach_noted",
    ),  # fmt: skip
    ("key unknown", 0, at("events", 1, "changes", "mood")([None, "x"]), "events[1].changes.mood"),
    (
        "pair of three",
        0,
        at("events", 1, "changes", "assignee")([None, "a", "b"]),
        "events[1].changes.assignee",
    ),  # fmt: skip
    (
        "pair a text",
        0,
        at("events", 1, "changes", "assignee")("李工"),
        "events[1].changes.assignee",
    ),  # fmt: skip
    (
        "pair nested",
        0,
        at("events", 1, "changes", "assignee")([None, ["李工"]]),
        "events[1].changes.assignee",
    ),  # fmt: skip
    (
        "change with escapes",
        0,
        at("events", 1, "changes", "status")([CLIPBOARD, esc("[2J")]),
        "events[1].changes.status",
    ),  # fmt: skip
    (
        "change with RLO",
        0,
        at("events", 0, "changes", "customer")([None, "\u202eevil"]),
        "events[0].changes.customer",
    ),  # fmt: skip
    (
        "change time not a time",
        0,
        at("events", 2, "changes", "escalated_at")([None, "soon"]),
        "events[2].changes.escalated_at",
    ),  # fmt: skip
    (
        "change time in 500",
        0,
        at("events", 2, "changes", "escalated_at")([None, "0500-01-01T00:00:00+08:00"]),
        "events[2].changes.escalated_at",
    ),  # fmt: skip
    (
        "change time a number",
        0,
        at("events", 2, "changes", "escalated_at")([None, 5]),
        "events[2].changes.escalated_at",
    ),  # fmt: skip
    (
        "change due in 9999",
        0,
        at("events", 4, "changes", "deadlines.plan.due_at")([None, "9999-01-01T00:00:00+08:00"]),
        "events[4].changes.deadlines.plan.due_at",
    ),  # fmt: skip
    (
        "change date in 9999",
        0,
        at("events", 0, "changes", "delivery_date")([None, "9999-12-31"]),
        "events[0].changes.delivery_date",
    ),  # fmt: skip
]


@pytest.mark.parametrize(
    ("index", "change", "field"),
    [pytest.param(i, c, f, id=w) for w, i, c, f in RECORD_REFUSALS],
)
def test_a_bad_record_is_refused_naming_line_and_field(
    run: Run,
    seeded: Path,
    records: list[dict[str, Any]],
    tmp_path: Path,
    index: int,
    change: Callable[[dict[str, Any]], None],
    field: str,
) -> None:
    bad = records[index]
    change(bad)
    good = records[2]
    path = jsonl(tmp_path / "in.jsonl", [good, bad])
    before = digest(seeded)
    refused_rows(run("import", str(path)), path, (2, field))
    assert digest(seeded) == before


def test_the_table_of_refusals_is_big_enough() -> None:
    assert len(RECORD_REFUSALS) >= 80


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "not valid JSON"),
        ('{"amount": NaN}', "not valid JSON"),
        ('{"amount": Infinity}', "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested deeper than a record can be"),
        ('{"a": ' * 50_000 + "1" + "}" * 50_000, "nested deeper than a record can be"),
        ("[1, 2]", "a row is a JSON object"),
        ('"text"', "a row is a JSON object"),
        ("1" * 5000, "not valid JSON"),
    ],
)
def test_a_line_that_is_not_a_record_is_a_bad_row(
    run: Run, seeded: Path, records: list[dict[str, Any]], tmp_path: Path, line: str, problem: str
) -> None:
    path = jsonl(tmp_path / "in.jsonl", [records[2], line])
    before = digest(seeded)
    (message,) = refused_rows(run("import", str(path)), path, (2, problem))
    assert len(message) < 300
    assert digest(seeded) == before


def test_a_line_longer_than_the_limit_is_a_bad_row_and_the_next_is_read(
    run: Run, records: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exchange, "LINE_MAX", 20_000)
    long = copy.deepcopy(records[2])
    long["description"] = "x" * 30_000
    late = copy.deepcopy(records[2])
    late["events"] = "not a list"
    path = jsonl(tmp_path / "in.jsonl", [records[2], long, late])
    refused_rows(run("import", str(path)), path, (2, "a line is at most"), (3, "events"))


def test_json_lines_are_split_on_newline_only(run: Run, tmp_path: Path) -> None:
    """U+2028, U+2029, NEL, VT, FF and a lone CR are inside a line, never between lines."""
    row = {"description": "a\u2028b\u2029c", "channel": "online", "customer": "x", "phone": PHONE}
    text = json.dumps(row, ensure_ascii=False)
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        (text + "\r\n" + "\n" + text.replace('"x"', '"x\u0085y"') + "\n").encode("utf-8")
    )
    result = run("import", str(path))
    refused_rows(result, path, (3, "customer: contains a control character (U+0085)"))
    path.write_bytes((text + "\r\n\n  \n" + text + "\n").encode("utf-8"))
    assert ok(run("import", str(path), "--json")) == {"imported": 2, "ids": [1, 2]}
    assert ok(run("show", "2", "--json"))["description"] == "a\u2028b\u2029c"


def test_a_file_that_is_not_utf8_is_refused_in_one_line(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(json.dumps(INTAKE).encode() + b'\n{"b": "\xff"}\n')
    result = run("import", str(path))
    assert result.exit_code == 2
    assert result.stderr == f"error: file: cannot read {path}: not UTF-8 text (line 2)\n"


def test_duplicate_ids_are_named_with_their_lines(
    run: Run, seeded: Path, records: list[dict[str, Any]], tmp_path: Path
) -> None:
    again = copy.deepcopy(records[2])
    known = copy.deepcopy(records[2])
    known["id"] = 1  # already in the database
    path = jsonl(tmp_path / "in.jsonl", [records[2], records[1], again, known])
    before = digest(seeded)
    lines = refused_rows(run("import", str(path)), path, (3, "id"), (4, "id"))
    assert lines[0] == "error: line 3: id: 103 is also on line 1"
    assert lines[1] == "error: line 4: id: complaint 1 already exists in this database"
    assert digest(seeded) == before


def test_an_id_given_to_an_intake_row_above_is_named(
    run: Run, records: list[dict[str, Any]], tmp_path: Path
) -> None:
    intake = {"description": "x", "channel": "online", "customer": "a", "phone": PHONE}
    record = copy.deepcopy(records[2])
    record["id"] = 1
    path = jsonl(tmp_path / "in.jsonl", [intake, record])
    (line,) = refused_rows(run("import", str(path)), path, (2, "id"))
    assert line == "error: line 2: id: 1 was given to the intake row on line 1"


def test_every_bad_row_is_reported_and_none_imported(
    run: Run, seeded: Path, records: list[dict[str, Any]], tmp_path: Path
) -> None:
    first, second, third = records
    first["received_at"] = "1900-01-01T00:00:00+08:00"
    third["customer"] = {"a": 1}
    path = jsonl(tmp_path / "in.jsonl", [first, second, "", third, "{"])
    before = digest(seeded)
    refused_rows(
        run("import", str(path)),
        path,
        (1, "received_at"),
        (4, "customer"),
        (5, "not valid JSON"),
    )
    assert digest(seeded) == before


# ---- intake rows ----------------------------------------------------------------------

INTAKE = {"description": "送餐晚了", "channel": "online", "customer": "王", "phone": PHONE}

INTAKE_REFUSALS: list[Any] = [
    ("unknown key", {"备注": "x"}, "备注"),
    ("key twice", {"姓名": "李"}, "姓名"),
    ("customer an object", {"customer": {"a": 1}}, "customer"),
    ("customer escape", {"customer": esc("]0;x\x07")}, "customer"),
    ("description missing", {"description": None}, "description"),
    ("received year 1", {"received_at": "0001-01-01T00:00+14:00"}, "received_at"),
    ("received year 9999", {"received_at": "9999-12-31T23:59:59-12:00"}, "received_at"),
    ("received in 1900", {"received_at": "1900-01-01 10:00"}, "received_at"),
    ("received in 2150", {"received_at": "2150-01-01 10:00"}, "received_at"),
    ("received tomorrow", {"received_at": "2026-11-23 10:00"}, "received_at"),
    ("received a number", {"received_at": 20261120}, "received_at"),
    ("delivered in 9999", {"delivery_date": "9999-12-31"}, "delivery_date"),
    ("delivered after received", {"delivery_date": "2026-11-23"}, "delivery_date"),
    ("quantity as text", {"quantity": "5"}, "quantity"),
    ("defective above quantity", {"quantity": 5, "defective": 6}, "defective"),
    ("people 0", {"people": 0}, "people"),
    ("ill as text", {"ill": "yes"}, "ill"),
    ("phone true", {"phone": True}, "phone"),
    ("channel fax", {"channel": "fax"}, "channel"),
    (
        "lower severity without reason",
        {"description": "孩子腹泻", "severity": "non_urgent"},
        "reason",
    ),  # fmt: skip
]


@pytest.mark.parametrize(
    ("change", "field"), [pytest.param(c, f, id=w) for w, c, f in INTAKE_REFUSALS]
)
def test_a_bad_intake_row_is_refused_as_log_refuses_it(
    run: Run, seeded: Path, tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    path = jsonl(tmp_path / "in.jsonl", [INTAKE, {**INTAKE, **change}])
    before = digest(seeded)
    refused_rows(run("import", str(path)), path, (2, field))
    assert digest(seeded) == before


def test_intake_rows_take_numbers_for_phone_and_order_no(run: Run, tmp_path: Path) -> None:
    row = {**INTAKE, "phone": 13812345678, "order_no": 20261120, "people": 2, "ill": True}
    path = jsonl(tmp_path / "in.jsonl", [row])
    ok(run("import", str(path)))
    shown = ok(run("show", "1", "--json"))
    assert (shown["phone"], shown["order_no"], shown["people"], shown["ill"]) == (
        PHONE,
        "20261120",
        2,
        True,
    )


# ---- CSV ------------------------------------------------------------------------------


def csv_file(path: Path, rows: list[list[str]], bom: bool = True) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), encoding="utf-8")
    return path


def test_csv_columns_spelled_like_the_options_are_taken(run: Run, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "form.csv",
        [
            ["received-at", "order-no", "delivery-date", "客户姓名", "联系电话", "问题描述"],
            ["2026-11-20 09:00", "A-1", "2026-11-19", "王", PHONE, "送餐晚了"],
        ],
    )
    ok(run("import", str(path), "--channel", "online"))
    shown = ok(run("show", "1", "--json"))
    assert shown["received_at"] == "2026-11-20T09:00:00+08:00"  # not the import time
    assert (shown["order_no"], shown["delivery_date"]) == ("A-1", "2026-11-19")


@pytest.mark.parametrize(
    ("header", "names"),
    [
        (["customer", "phone", "description", "备注"], ["备注"]),
        (["客户姓名", "姓名", "phone", "description"], ["客户姓名", "姓名", "customer"]),
        (["customer", "customer.x", "phone", "description"], ["customer.x"]),
        (["customer", "phone", "description", "phone"], ["phone appears 2 times"]),
        (
            ["received_at", "received-at", "customer", "phone", "description"],
            ["received_at and received-at both mean received_at"],
        ),  # fmt: skip
        (["customer", "phone", "description", ""], ["column(s) 4 without a name"]),
        (["customer", "phone", "description", "id"], ["unknown column(s) id"]),
        (["customer", "phone", "description", "status"], ["unknown column(s) status"]),
    ],
)
def test_csv_header_problems_are_named_once(
    run: Run, seeded: Path, tmp_path: Path, header: list[str], names: list[str]
) -> None:
    values = {"customer": "王", "客户姓名": "王", "phone": PHONE, "description": "送餐晚了"}
    row = [values.get(h, "") for h in header]
    path = csv_file(tmp_path / "form.csv", [header, row, row])
    before = digest(seeded)
    (line,) = refused_rows(run("import", str(path), "--channel", "online"), path, (1, "columns"))
    for name in names:
        assert name in line
    assert digest(seeded) == before


def test_an_export_csv_with_an_unknown_column_is_refused(
    run: Run, seeded: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "all.csv"
    ok(run("export", "--show-phone", "--out", str(exported)))
    rows = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    rows[0][rows[0].index("deadlines.plan.reason")] = "deadlines.plan.why"
    path = csv_file(tmp_path / "in.csv", rows)
    (line,) = refused_rows(
        run("import", str(path), "--db", str(tmp_path / "e.db")), path, (1, "columns")
    )
    assert "deadlines.plan.why" in line


def test_bad_csv_rows_are_reported_with_their_lines(run: Run, seeded: Path, tmp_path: Path) -> None:
    header = "customer,phone,description,received-at\n"
    path = tmp_path / "form.csv"
    path.write_text(
        header
        + f'王,{PHONE},"两行\n描述",2026-11-20 09:00\n'  # lines 2-3: good
        + f"王,{PHONE},x,2026-11-20 09:00,多出来\n"  # 4: a cell beyond the header
        + f'王,{PHONE},"bad"quote,2026-11-20 09:00\n'  # 5
        + f"王,{PHONE},x,1900-01-01 09:00\n"  # 6
        + f"王,{PHONE},x,2026-11-20 09:00\n"  # 7: good
        + f'王,{PHONE},"never closed,2026-11-20 09:00\n',  # 8: to the end
        encoding="utf-8",
    )
    before = digest(seeded)
    refused_rows(
        run("import", str(path), "--channel", "online"),
        path,
        (4, "more cells than the header has columns"),
        (5, "not valid CSV"),
        (6, "received_at"),
        (8, "not valid CSV"),
    )
    assert digest(seeded) == before


def test_a_csv_cell_beyond_the_old_field_limit_is_checked_not_a_crash(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = csv_file(
        tmp_path / "form.csv",
        [["customer", "phone", "description"], ["王", PHONE, "x" * 200_000], ["王", PHONE, "y"]],
    )
    refused_rows(run("import", str(path), "--channel", "online"), path, (2, "description"))
    monkeypatch.setattr(exchange, "LINE_MAX", 100_000)
    refused_rows(
        run("import", str(path), "--channel", "online"), path, (2, "a cell or line is at most")
    )


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("{not json", "events: not valid JSON"),
        ("[" * 100_000, "events: nested deeper than a record can be"),
        ('{"at": 1}', "events: a list of history entries"),
        ("[NaN]", "events: not valid JSON"),
    ],
)
def test_a_csv_events_cell_that_is_not_a_history_is_a_bad_row(
    run: Run, seeded: Path, tmp_path: Path, cell: str, problem: str
) -> None:
    exported = tmp_path / "all.csv"
    ok(run("export", "--show-phone", "--out", str(exported)))
    rows = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    rows[2][rows[0].index("events")] = cell
    path = csv_file(tmp_path / "in.csv", rows)
    empty = tmp_path / "empty.db"
    refused_rows(run("import", str(path), "--db", str(empty)), path, (3, problem))


@pytest.mark.parametrize(
    ("column", "cell", "field"),
    [
        ("quantity", "2.0", "quantity"),
        ("quantity", "-1", "quantity"),
        ("ill", "maybe", "ill"),
        ("amount", "3,6", "amount"),
        ("received_at", "0001-01-01T00:00+14:00", "received_at"),
        ("delivery_date", "9999-12-31", "delivery_date"),
        ("penalty.multiplier", "x", "penalty.multiplier"),
        ("deadlines.plan.late", "yes", "deadlines.plan.late"),
        ("customer", "a\x1b[2Jb", "customer"),
    ],
)
def test_bad_cells_of_an_export_csv_name_the_column(
    run: Run, seeded: Path, tmp_path: Path, column: str, cell: str, field: str
) -> None:
    exported = tmp_path / "all.csv"
    ok(run("export", "--show-phone", "--out", str(exported)))
    rows = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    rows[1][rows[0].index(column)] = cell
    path = csv_file(tmp_path / "in.csv", rows)
    refused_rows(run("import", str(path), "--db", str(tmp_path / "e.db")), path, (2, field))


def test_csv_flags_take_chinese_words(run: Run, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "form.csv",
        [
            ["customer", "phone", "description", "ill", "injured"],
            ["王", PHONE, "吃完肚子疼", "是", "否"],
        ],
    )
    ok(run("import", str(path), "--channel", "online"))
    shown = ok(run("show", "1", "--json"))
    assert (shown["ill"], shown["injured"], shown["severity"]) == (True, False, "urgent")


# ---- export: phones masked everywhere ---------------------------------------------------


def _digit_runs(phone: str) -> set[str]:
    digits = "".join(c for c in phone if c.isdigit())
    return {digits[i : i + 7] for i in range(len(digits) - 6)}


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_without_show_phone_masks_the_phones_in_the_history(
    run: Run, seeded: Path, fmt: str
) -> None:
    masked = run("export", "--format", fmt).stdout
    runs = _digit_runs(PHONE) | _digit_runs(OTHER_PHONE)
    for found in re.findall(r"\d{7,}", masked):
        assert not any(r in found for r in runs), found
    assert PHONE not in masked and OTHER_PHONE not in masked and "1608-2245" not in masked
    assert "138****5678" in masked and "139****2245" in masked
    full = run("export", "--format", fmt, "--show-phone").stdout
    assert PHONE in full and OTHER_PHONE in full


def test_the_history_phone_is_masked_like_the_phone_column(run: Run, seeded: Path) -> None:
    first = json.loads(run("export").stdout.split("\n")[0])
    assert first["phone"] == "138****5678"
    assert first["events"][0]["changes"]["phone"] == [None, "138****5678"]
    shown = json.loads(run("export", "--show-phone").stdout.split("\n")[0])
    assert shown["events"][0]["changes"]["phone"] == [None, PHONE]


# ---- the round trip -------------------------------------------------------------------

ODD = [
    'O\'Brien "老王" 🙂',
    "a}, {b",
    '"}, {"id": 1',
    '=HYPERLINK("http://evil")',
    "+86 138",
    "-再次处理",
    "@SUM(A1)",
    "'=1+1",
    "''=x",
    "'plain",
    "'; DROP TABLE complaints; --",
    "%_\\%",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467 \u2764\ufe0f",
    "line\u2028separator\u2029paragraph",
    "<script>alert(1)</script>",
    "null",
    "true",
    "123",
    "{}",
    "[1, 2]",
    "tab\tinside",
]
LONG_TEXT = "米饭" * 1000  # 2,000 characters


def _odd_steps() -> list[tuple[str, list[str]]]:
    """Complaints holding every odd text in every kind of text field, through log,
    assign, done, extend, close and revisit."""
    steps: list[tuple[str, list[str]]] = []
    for n in range(0, len(ODD), 3):
        a, b, c = (ODD[(n + k) % len(ODD)] for k in range(3))
        one = [t.replace("\t", " ") for t in (a, b, c)]
        day = f"2026-11-{1 + n:02d}"
        cid = str(n // 3 + 1)
        steps += [
            (
                f"{day} 09:00",
                [
                    *("log", f"{a}\n{b}\t{c}\n{LONG_TEXT[: 1000 + n]}", "--channel", "online"),
                    *("--customer", one[0], "--phone", PHONE if n % 2 else OTHER_PHONE),
                    *("--org", one[1], "--product", one[2], "--batch", one[0]),
                    *("--order-no", one[1], "--request", f"{c}\n{a}"),
                ],
            ),
            (f"{day} 09:05", ["assign", cid, "--to", one[2]]),
            (f"{day} 09:06", ["done", cid, "contact", "--note", f"{a}\n{b}"]),
            # past the resolution, which a weekend receipt puts up to 3 days on (business time)
            (f"{day} 09:07", ["extend", cid, "--until", "+4d", "--reason", one[1]]),
            (
                f"{day} 20:00",
                [
                    *("close", cid, "--remedy", "refund", "--cause", "processing"),
                    *("--amount", "1,800.50", "--staff", one[0], "--note", f"{b}\n{c}"),
                ],
            ),
            (f"{day} 21:00", ["revisit", cid, "--satisfaction", "4", "--note", f"{c}\t{a}"]),
        ]
    steps.append(("2026-11-22 09:00", ["log", LONG_TEXT, *BASIC, "--request", LONG_TEXT]))
    steps.append(("2026-11-22 10:00", ["overdue"]))
    return steps


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("odd")
    env = {
        "HOME": str(folder / "home"),
        "AFTERSALES_DB": str(folder / "odd.db"),
        "AFTERSALES_TZ": "Asia/Shanghai",
        "AFTERSALES_OPERATOR": "tester 👷 'x'",
        "AFTERSALES_DEBUG": "1",
        "AFTERSALES_RULES": None,
    }
    for now, argv in _odd_steps():
        result = CliRunner().invoke(app, argv, env={**env, "AFTERSALES_NOW": now})
        assert result.exit_code in (0, 1), (argv, result.output)
    return folder / "odd.db"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_round_trip_of_every_odd_character_is_byte_identical(
    run: Run, odd: Path, tmp_path: Path, fmt: str
) -> None:
    source = tmp_path / "odd.db"
    shutil.copy2(odd, source)
    exported = tmp_path / f"all.{fmt}"
    ok(run("export", "--show-phone", "--out", str(exported), "--db", str(source)))
    held = json.dumps(
        [
            json.loads(line)
            for line in run("export", "--show-phone", "--db", str(source)).stdout.split("\n")[:-1]
        ],
        ensure_ascii=False,
    )
    for odd_text in ODD:  # each in a one-line field (tabs as spaces) and a multiline one
        assert json.dumps(odd_text.replace("\t", " "), ensure_ascii=False) in held, odd_text
        assert json.dumps(odd_text, ensure_ascii=False)[1:-1] in held, odd_text
    empty = tmp_path / "empty.db"
    result = ok(run("import", str(exported), "--db", str(empty), "--json"))
    assert result["imported"] == len(range(0, len(ODD), 3)) + 1
    again = tmp_path / f"again.{fmt}"
    ok(run("export", "--show-phone", "--out", str(again), "--db", str(empty)))
    assert again.read_bytes() == exported.read_bytes()
    assert (
        run("show", "1", "--db", str(empty)).stdout == run("show", "1", "--db", str(source)).stdout
    )


def test_round_trip_of_the_demo_database(run: Run, tmp_path: Path) -> None:
    demo = tmp_path / "demo.db"
    ok(run("demo", "--db", str(demo)))
    for fmt in ("jsonl", "csv"):
        exported = tmp_path / f"demo.{fmt}"
        ok(run("export", "--show-phone", "--out", str(exported), "--db", str(demo)))
        empty = tmp_path / f"empty-{fmt}.db"
        ok(run("import", str(exported), "--db", str(empty)))
        again = tmp_path / f"again.{fmt}"
        ok(run("export", "--show-phone", "--out", str(again), "--db", str(empty)))
        assert again.read_bytes() == exported.read_bytes(), fmt


# ---- whatever a row holds, reading it ends in a record or a named refusal ----------------

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(["2026-11-01T09:00:00+08:00", "0001-01-01T00:00+14:00", "2026-11-01"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            found += _paths(inner, (*prefix, n))
    return found


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), from_csv=st.booleans())
def test_any_value_anywhere_in_a_record_is_taken_or_refused_by_name(
    template: tuple[Path, list[dict[str, Any]]], data: st.DataObject, from_csv: bool
) -> None:
    record = copy.deepcopy(template[1][0])
    path = data.draw(st.sampled_from(_paths(record)))
    value = data.draw(JSON_VALUES)
    if from_csv:
        value = value if isinstance(value, str) else json.dumps(value, default=str)
    node: Any = record
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    if from_csv and isinstance(record["events"], list):
        record["events"] = json.dumps(record["events"], default=str)
    now = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    try:
        exchange.case_from_record(record, default_rules(), exchange.Checker(now, from_csv=from_csv))
    except RuleError as exc:
        assert exc.field and exc.message and "\n" not in exc.field + exc.message


@pytest.mark.parametrize("offset", ["+08:00", "Z", "-05:30"])
def test_a_time_is_taken_up_to_its_bound_to_the_second(offset: str) -> None:
    """What has happened may be up to now and what is due up to the end of the last year,
    to the second, whatever offset the time is written with."""
    from aftersales_cli.clock import local_zone
    from aftersales_cli.rules.calendar import YEARS
    from aftersales_cli.rules.errors import RuleError

    now = datetime(2026, 11, 22, 2, 0, 0, 1, tzinfo=UTC)  # (a microsecond past the second)
    zone = local_zone()
    first = datetime(YEARS[0], 1, 1, tzinfo=zone)
    end = datetime(YEARS[1] + 1, 1, 1, tzinfo=zone)
    written = timezone_of(offset)

    def text(moment: datetime) -> str:
        return moment.astimezone(written).isoformat()

    def taken(moment: datetime, *, due: bool = False) -> bool:
        try:
            exchange.Checker(now, from_csv=False).time(text(moment), "at", due=due)
        except RuleError:
            return False
        return True

    second = timedelta(seconds=1)
    assert taken(first) and not taken(first - second)
    assert taken(now.replace(microsecond=0)) and not taken(now.replace(microsecond=0) + second)
    assert taken(end - second, due=True) and not taken(end, due=True)
    assert not taken(now.replace(microsecond=0) + second) and taken(now + second, due=True)


def timezone_of(offset: str) -> timezone:
    if offset == "Z":
        return UTC
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = map(int, offset[1:].split(":"))
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


# A history change's texts: good ones that recur, and what `fields.text` refuses.
CHANGE_TEXTS = st.one_of(
    st.none(),
    st.sampled_from(["new", "classified", "客服小陈", " padded ", "", "   ", "a\x00b", "x" * 41]),
    st.text(max_size=45),
)


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(["status", "customer", "assignee", "note", "remedy"]),
    old=CHANGE_TEXTS,
    new=CHANGE_TEXTS,
)
def test_a_change_of_texts_is_taken_or_refused_however_often_its_texts_were_met(
    key: str, old: str | None, new: str | None
) -> None:
    """Texts found good once are known good after (import checks millions of changes):
    a change is taken as it is written when each text is good — the same answer the
    first time its texts are met and every time after — and refused, naming the change,
    when one is not."""
    from aftersales_cli.rules import fields

    def good(value: str | None) -> bool:
        try:
            return value is None or bool(
                fields.text("x", value, limit=fields.TEXT_MAX, multiline=True)
            )
        except RuleError:
            return False

    check = exchange.Checker(datetime(2026, 11, 22, 2, 0, tzinfo=UTC), from_csv=False)
    answers = []
    for _ in range(2):
        try:
            answers.append(exchange._pair(check, key, [old, new], "events[1].changes"))
        except RuleError as exc:
            answers.append((exc.field, exc.message))
    assert answers[0] == answers[1]
    if good(old) and good(new):
        assert answers[0] == [old, new]
    else:
        assert answers[0][0] == f"events[1].changes.{key}"
