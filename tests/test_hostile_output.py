"""Issue 8, what the tool prints (defects 2, 3, 5, 16 and the one JSON writer): no full
phone without --show-phone, JSON that always parses back to what went in, no escape
sequence from the data ever reaching a terminal, any output encoding."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, ok
from hostile_support import (
    cli_env,
    complaint_lines,
    invoke,
    jsonl_lines,
    phone_leaks,
    run_in_pty,
    settle,
    sub,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

PHONES = ("13916082245", "+86 138-0000-1111", "021 6543 2109")


@pytest.fixture(scope="module")
def phone_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Complaints from three phones (one of them a repeat complainant), some late, one
    closed with a history: every kind of output has phones to leak."""
    db = tmp_path_factory.mktemp("phones") / "phones.db"
    steps = [
        ("2026-11-20 09:00", ["log", "米饭变质", "--customer", "张伟", "--phone", PHONES[0],
                              "--org", "实验小学"]),
        ("2026-11-21 09:00", ["log", "菜里有头发", "--customer", "张伟", "--phone", PHONES[0],
                              "--org", "实验小学", "--batch", "B1"]),
        ("2026-11-21 10:00", ["log", "送餐晚了", "--customer", "李", "--phone", PHONES[1],
                              "--channel", "hotline"]),
        ("2026-11-22 08:00", ["log", "少送一份", "--customer", "王", "--phone", PHONES[2]]),
        ("2026-11-22 09:00", ["close", "1", "--remedy", "refund", "--cause", "processing",
                              "--finding", "none"]),
    ]  # fmt: skip
    for now, argv in steps:
        if argv[0] == "log" and "--channel" not in argv:
            argv = [*argv, "--channel", "online"]
        ok(invoke(db, *argv, now=now))
    invoke(db, "overdue")  # breaches noted, as cron would have
    settle(db)
    return db


@pytest.fixture
def phones_db(phone_book: Path, db_path: Path) -> Path:
    shutil.copy2(phone_book, db_path)
    return db_path


# ---- defect 2: phones in full -------------------------------------------------------------


def masked(phone: str) -> str:
    from aftersales_cli.rules.fields import mask_phone

    return str(mask_phone(phone))


def test_defect_02_export_jsonl_masks_phones_in_the_history(run: Run, phones_db: Path) -> None:
    text = run("export").stdout
    assert phone_leaks(text, PHONES) == []
    records = [json.loads(line) for line in jsonl_lines(text)]
    first = records[0]["events"][0]
    assert first["action"] == "log"
    assert first["changes"]["phone"] == [None, masked(PHONES[0])]


def test_defect_02_export_csv_masks_phones_in_the_events_column(
    run: Run, phones_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "all.csv"
    ok(run("export", "--out", str(out)))
    assert phone_leaks(out.read_text(encoding="utf-8-sig"), PHONES) == []
    assert phone_leaks(run("export", "--format", "csv").stdout, PHONES) == []


def test_the_phone_detector_finds_phones_in_full(run: Run, phones_db: Path) -> None:
    shown = run("export", "--show-phone").stdout
    assert set(phone_leaks(shown, PHONES)) >= {PHONES[0], PHONES[1]}
    assert phone_leaks("call 138****1111 or 6543 2109 on 2026-11-22", PHONES) == []
    assert phone_leaks("x 6543210 y", PHONES) == ["6543210"]


SCREENS = [
    ["list"],
    ["list", "--all"],
    ["list", "--json"],
    ["list", "--all", "--json"],
    ["list", "--all", "--text", "139"],
    ["report"],
    ["report", "--json"],
    ["overdue"],
    ["overdue", "--json"],
]


@pytest.mark.parametrize("argv", SCREENS, ids=" ".join)
def test_defect_02_no_full_phone_in_list_report_or_overdue(
    run: Run, phones_db: Path, argv: list[str]
) -> None:
    result = run(*argv)
    assert result.exit_code in (0, 1), result.stderr
    assert phone_leaks(result.stdout + result.stderr, PHONES) == []


def test_defect_02_no_full_phone_in_report_files(run: Run, phones_db: Path, tmp_path: Path) -> None:
    page, folder = tmp_path / "q4.html", tmp_path / "tables"
    ok(run("report", "--html", str(page), "--csv", str(folder)))
    assert phone_leaks(page.read_text(encoding="utf-8"), PHONES) == []
    for table in sorted(folder.glob("*.csv")):
        assert phone_leaks(table.read_text(encoding="utf-8-sig"), PHONES) == [], table.name


# ---- defect 3: a customer named `a}, {b` ---------------------------------------------------

BRACES = "a}, {b"


def test_defect_03_overdue_json_survives_a_customer_named_a_brace_comma_brace(
    run: Run,
) -> None:
    for customer in (BRACES, '"}, {"x": 1}, {"'):
        ok(run("log", "米饭变质", "--channel", "online", "--customer", customer, "--org", BRACES,
               "--phone", "13800000000", now="2026-11-22 06:00"))  # fmt: skip
    result = run("overdue", "--json")
    assert result.exit_code == 1, result.stderr
    rows = json.loads(result.stdout)
    assert {r["customer"] for r in rows} == {BRACES, '"}, {"x": 1}, {"'}
    assert {r["org"] for r in rows} == {BRACES}


def test_every_other_json_output_survives_a_customer_named_a_brace_comma_brace(
    run: Run,
) -> None:
    case = ok(run("log", "x", "--channel", "online", "--customer", BRACES, "--phone",
                  "13800000000", "--json"))  # fmt: skip
    assert case["customer"] == BRACES
    assert ok(run("show", "1", "--json"))["customer"] == BRACES
    assert [c["customer"] for c in ok(run("list", "--all", "--json"))] == [BRACES]
    assert json.loads(run("export").stdout)["customer"] == BRACES


# ---- defect 5 (output side): a database edited by hand ------------------------------------

CLIPBOARD = "\u001b]52;c;cHduZWQ=\u0007"
CLEAR = "\u001b[2J"
RLO = "\u202e"


@pytest.fixture
def tampered(run: Run, db_path: Path) -> Path:
    """A database written by an older version or edited by hand: escape sequences, BEL and
    a right-to-left override in the fields and the history of a late complaint."""
    ok(run("log", "米饭变质", "--channel", "online", "--customer", "张伟", "--phone",
           "13916082245", "--org", "实验小学", now="2026-11-22 06:00"))  # fmt: skip
    ok(run("assign", "1", "--to", "李工", now="2026-11-22 06:10"))
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "UPDATE complaints SET customer = ?, org = ?, description = ?, assignee = ?, "
            "batch = ?, product = ? WHERE id = 1",
            (f"{CLEAR}张伟{RLO}", f"实验{CLIPBOARD}小学", f"米饭{CLIPBOARD}变质\n{CLEAR}",
             f"李工\u0007{RLO}", f"B{CLEAR}1", "\u009b31m午餐"),
        )  # fmt: skip
        conn.execute(
            "INSERT INTO events (complaint_id, at, by, action, changes, note) "
            "VALUES (1, '2026-11-21T22:20:00Z', ?, 'assign', ?, ?)",
            (
                f"\u001b[31m{RLO}cron",
                json.dumps({"status": [CLIPBOARD, CLEAR], "assignee": [None, f"{RLO}evil"]}),
                f"note {CLEAR} {CLIPBOARD} {RLO}",
            ),
        )
    conn.close()
    return db_path


def assert_harmless(data: bytes) -> None:
    assert b"\x1b" not in data, data[:2000]
    assert b"\x07" not in data, data[:2000]
    assert b"\xc2\x9b" not in data  # CSI as one C1 character
    assert RLO.encode() not in data


PIPED = [
    ["show", "1"],
    ["list"],
    ["list", "--all"],
    ["overdue"],
    ["overdue", "--within", "1d"],
    ["report"],
]


@pytest.mark.parametrize("argv", PIPED, ids=" ".join)
def test_defect_05_a_tampered_database_cannot_drive_the_terminal_through_a_pipe(
    run: Run, tampered: Path, argv: list[str]
) -> None:
    result = run(*argv)
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    assert_harmless(result.stdout_bytes)
    assert_harmless(result.stderr.encode())


def test_defect_05_json_still_carries_the_raw_values(run: Run, tampered: Path) -> None:
    shown = ok(run("show", "1", "--json"))
    assert shown["customer"] == f"{CLEAR}张伟{RLO}"
    assert shown["events"][-1]["changes"]["status"] == [CLIPBOARD, CLEAR]


SGR = re.compile(rb"\x1b\[[0-9;]*m")  # colour and bold, as Rich writes them


@pytest.mark.parametrize("argv", [["show", "1"], ["list"], ["overdue"]], ids=" ".join)
def test_defect_05_a_tampered_database_cannot_drive_a_real_terminal(
    tampered: Path, argv: list[str]
) -> None:
    env = cli_env(tampered, TERM="xterm-256color", COLUMNS="200")
    env.pop("NO_COLOR", None)
    code, shown, err = run_in_pty(argv, env)
    assert code in (0, 1), (code, shown[-2000:], err)
    assert_harmless(SGR.sub(b"", shown))
    assert_harmless(err)


# ---- defect 16: any output encoding ----------------------------------------------------------


@pytest.fixture(scope="module")
def chinese_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("encodings") / "zh.db"
    ok(invoke(db, "log", "米饭变质，孩子腹泻 🤢", "--channel", "online", "--customer", "张伟",
              "--phone", "13916082245", "--org", "实验小学", now="2026-11-22 06:00"))  # fmt: skip
    settle(db)
    return db


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_defect_16_text_output_escapes_what_the_encoding_cannot_hold(
    chinese_db: Path, encoding: str
) -> None:
    result = sub("show", "1", db=chinese_db, env={"PYTHONIOENCODING": encoding}, encoding=encoding)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "\\u5f20\\u4f1f" in result.stdout  # 张伟
    result.stdout.encode(encoding)


JSON_OUTPUTS = [
    ["list", "--json"],
    ["show", "1", "--json"],
    ["overdue", "--json"],
    ["report", "--json"],
    ["export"],
]


@pytest.mark.parametrize("argv", JSON_OUTPUTS, ids=" ".join)
def test_defect_16_json_under_ascii_is_valid_and_means_the_same(
    chinese_db: Path, argv: list[str]
) -> None:
    reference = invoke(chinese_db, *argv)
    result = sub(*argv, db=chinese_db, env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == reference.exit_code, result.stderr
    assert result.stdout.isascii()
    if argv == ["export"]:
        assert [json.loads(x) for x in jsonl_lines(result.stdout)] == [
            json.loads(x) for x in jsonl_lines(reference.stdout)
        ]
    else:
        assert json.loads(result.stdout) == json.loads(reference.stdout)


# ---- the one JSON writer: arbitrary text in, the same text out ------------------------------

FRAGMENTS = ["}, {", "{", "}", "[", "]", '"', "'", "\\", "\\u0000", ",", ":", "\u2028", "\u2029",
             "米饭", "😀", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "e\u0301", "שלום",
             "<script>", "=1+1", "'; DROP TABLE complaints; --", "\u00a0", " "]  # fmt: skip
CHARACTERS = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn"), exclude_characters="\ufffd"
)


def texts(multiline: bool, max_size: int = 12) -> st.SearchStrategy[str]:
    pieces = st.one_of(CHARACTERS, st.sampled_from(FRAGMENTS + (["\n", "\t"] if multiline else [])))
    return (
        st.lists(pieces, min_size=1, max_size=max_size)
        .map("".join)
        .filter(lambda t: t == t.strip() and 0 < len(t) <= 200)
    )


LOGGED = ("customer", "org", "product", "batch", "order_no")


@st.composite
def intake(draw: st.DrawFn) -> dict[str, str]:
    values = {name: draw(texts(multiline=False)) for name in LOGGED}
    values["description"] = draw(texts(multiline=True, max_size=20))
    values["request"] = draw(texts(multiline=True))
    values["note"] = draw(texts(multiline=True))
    return values


def _check_case(data: dict[str, Any], values: dict[str, str]) -> None:
    for name in (*LOGGED, "description", "request"):
        assert data[name] == values[name], name


def _log_argv(values: dict[str, str]) -> list[str]:
    argv = [
        "log",
        "--channel",
        "online",
        "--phone",
        "13916082245",
        "--received-at",
        "2026-11-20 06:00",
    ]  # a Friday: late by Sunday
    for name in (*LOGGED, "request"):
        argv += [f"--{name.replace('_', '-')}", values[name]]
    return [*argv, "--json", "--", values["description"]]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(
    values={
        "customer": BRACES, "org": '"}, {"', "product": "a\u2028b", "batch": "\\", "order_no": "{",
        "description": "米饭\n变质\u2028}, {\u2029\t😀", "request": "a\nb", "note": "}, {\nend",
    }
)  # fmt: skip
@given(values=intake())
def test_every_json_output_gives_back_the_text_that_went_in(values: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "h.db"
        logged = invoke(db, *_log_argv(values))
        assert logged.exit_code == 0, logged.stderr
        _check_case(json.loads(logged.stdout), values)
        ok(invoke(db, *_log_argv(values)))  # the same customer again: a repeat complainant
        ok(invoke(db, "done", "1", "contact", "--note", values["note"]))
        shown = json.loads(invoke(db, "show", "1", "--json").stdout)
        _check_case(shown, values)
        assert [e["note"] for e in shown["events"] if e["action"] == "done"] == [values["note"]]
        listed = json.loads(invoke(db, "list", "--all", "--json").stdout)
        for item in listed:
            _check_case(item, values)
        late = invoke(db, "overdue", "--json")
        assert late.exit_code == 1, late.stderr
        rows = json.loads(late.stdout)
        assert rows and all(
            (r["customer"], r["org"]) == (values["customer"], values["org"]) for r in rows
        )
        report = json.loads(invoke(db, "report", "--json").stdout)
        assert values["org"] in report["by_org"]
        assert [r["customer"] for r in report["repeat_complainants"]] == [values["customer"]]
        lines = complaint_lines(invoke(db, "export", "--show-phone").stdout)
        assert len(lines) == 2
        for line in lines:
            record = json.loads(line)
            _check_case(record, values)
            changes = record["events"][0]["changes"]
            assert changes["customer"] == [None, values["customer"]]
            assert changes["description"] == [None, values["description"]]


ANY_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    min_size=1,
    max_size=30,
)


@pytest.fixture(scope="module")
def late_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("late") / "late.db"
    ok(invoke(db, "log", "米饭变质", "--channel", "online", "--customer", "张伟", "--phone",
              "13916082245", "--org", "实验小学", now="2026-11-22 06:00"))  # fmt: skip
    settle(db)
    return db


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(customer="a}, {b\x1b[2J", org="\u202e}, {\x07")
@given(customer=ANY_TEXT, org=ANY_TEXT)
def test_json_gives_back_any_text_a_database_holds(
    late_case: Path, customer: str, org: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "edited.db"
        shutil.copy2(late_case, db)
        conn = sqlite3.connect(db)
        with conn:
            conn.execute(
                "UPDATE complaints SET customer = ?, org = ? WHERE id = 1", (customer, org)
            )
        conn.close()
        _check_json_outputs(db, customer, org)


def _check_json_outputs(db: Path, customer: str, org: str) -> None:
    shown = json.loads(invoke(db, "show", "1", "--json").stdout)
    assert (shown["customer"], shown["org"]) == (customer, org)
    (item,) = json.loads(invoke(db, "list", "--json").stdout)
    assert (item["customer"], item["org"]) == (customer, org)
    rows = json.loads(invoke(db, "overdue", "--json").stdout)
    assert {(r["customer"], r["org"]) for r in rows} == {(customer, org)}
    (line,) = complaint_lines(invoke(db, "export").stdout)
    assert (json.loads(line)["customer"], json.loads(line)["org"]) == (customer, org)
