"""Bad input: exit 2, one line naming the field, and a byte-identical database."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import BASIC, REFUNDED, Run, ok, refused
from typer.testing import CliRunner

from aftersales_cli.cli import app


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


SQL = "'; DROP TABLE complaints; --"
LONG = "x" * 10_000
ON_1 = ["close", "1", *REFUNDED]  # valid up to the bad part


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded database, built once: #1 open (urgent, org 实验小学), #2 closed, #3 open
    with its first contact made at intake (hotline). Each test gets a copy."""
    folder = tmp_path_factory.mktemp("template")
    env = {
        "HOME": str(folder / "home"),
        "AFTERSALES_DB": str(folder / "aftersales.db"),
        "AFTERSALES_TZ": "Asia/Shanghai",
        "AFTERSALES_OPERATOR": "tester",
        "AFTERSALES_DEBUG": "1",
        "AFTERSALES_RULES": None,
    }
    steps = [
        ("2026-11-22 09:00", ["log", "米饭变质", *BASIC, "--org", "实验小学"]),
        ("2026-11-22 09:30", ["log", "鸡腿没熟", *BASIC]),
        ("2026-11-22 09:40", ["log", "送错了", "--channel", "hotline", *BASIC[2:]]),
        ("2026-11-22 10:00", ["close", "2", "--remedy", "refund", "--cause", "processing"]),
    ]
    for now, argv in steps:
        ok(CliRunner().invoke(app, argv, env={**env, "AFTERSALES_NOW": now}))
    return folder / "aftersales.db"


@pytest.fixture
def seeded(template: Path, db_path: Path, tmp_path: Path) -> Path:
    """A copy of the template, and the files the table points at with {tmp}."""
    shutil.copy2(template, db_path)
    (tmp_path / "exists.jsonl").write_text("already here\n", encoding="utf-8")
    (tmp_path / "bad-key.toml").write_text("[deadlines.general]\nsoonish = '1h'\n")
    (tmp_path / "broken.toml").write_text("[deadlines\ncontact = \n", encoding="utf-8")
    (tmp_path / "latin1.toml").write_bytes(b"# caf\xe9\n")
    return db_path


def bad(field: str, *argv: str, env: dict[str, str] | None = None, bug: str | None = None) -> Any:
    """One row of the table: the command line, the field its one error line must name,
    extra environment; `bug` marks a row the tool gets wrong today (strict xfail)."""
    marks = [pytest.mark.xfail(reason=f"BUG: {bug}", strict=True)] if bug else []
    shown = " ".join(argv) + "".join(f" [{k}={v}]" for k, v in (env or {}).items())
    return pytest.param(list(argv), field, env or {}, marks=marks, id=shown[:70])


BAD = [
    # ---- log: terms -----------------------------------------------------------------
    bad("category", "log", "x", *BASIC, "--category", "food_safty"),
    bad("category", "log", "x", *BASIC, "--category", "食品安 全"),
    bad("category", "log", "x", *BASIC, "--category", "食品安全" + SQL),
    bad("category", "log", "x", *BASIC, "--category", "food_safety\x00"),
    bad("category", "log", "x", *BASIC, "--category", ""),
    bad("category", "log", "x", *BASIC, "--category", LONG),
    bad("severity", "log", "x", *BASIC, "--severity", "critical"),
    bad("severity", "log", "x", *BASIC, "--severity", "很急"),
    bad("severity", "log", "x", *BASIC, "--severity", "\x1b[31murgent"),
    bad("channel", "log", "x", "--channel", "fax", *BASIC[2:]),
    bad("channel", "log", "x", "--channel", "热线📞", *BASIC[2:]),
    bad("channel", "log", "x", "--channel", "传真", *BASIC[2:]),
    bad("channel", "log", "x", "--channel", SQL, *BASIC[2:]),
    # ---- log: phone -----------------------------------------------------------------
    bad("phone", "log", "x", *BASIC[:4], "--phone", "12345"),
    bad("phone", "log", "x", *BASIC[:4], "--phone", "call me maybe"),
    bad("phone", "log", "x", *BASIC[:4], "--phone", "1" * 25),
    bad("phone", "log", "x", *BASIC[:4], "--phone", "138abcd5678"),
    bad("phone", "log", "x", *BASIC[:4], "--phone", "123456"),
    bad("phone", "log", "x", *BASIC[:4], "--phone", "1" * 21),
    bad("phone", "log", "x", *BASIC[:4], "--phone", "１３８１２３４５６７８"),  # full-width
    bad("phone", "log", "x", *BASIC[:4], "--phone", ""),
    bad("phone", "log", "x", *BASIC[:4], "--phone", "13812345678\x00"),
    # ---- log: free text, required fields --------------------------------------------
    bad("description", "log", "", *BASIC),
    bad("description", "log", "   ", *BASIC),
    bad("description", "log", LONG, *BASIC),
    bad("description", "log", "x\x00y", *BASIC),
    bad("description", "log", "\x1b[31m红色", *BASIC),
    bad("description", "log", *BASIC),
    bad("customer", "log", "x", "--channel", "online", "--phone", "13900009999"),
    bad("channel", "log", "x", "--customer", "张伟", "--phone", "13812345678"),
    bad("org", "log", "x", *BASIC, "--org", "a\x07b"),
    bad("customer", "log", "x", *BASIC, "--customer", "   "),
    bad("customer", "log", "x", *BASIC, "--customer", LONG),
    bad("customer", "log", "x", *BASIC, "--customer", "a\x1b[31mb"),
    bad("customer", "log", "x", *BASIC, "--customer", "\u202eevil"),  # bidi override
    bad("product", "log", "x", *BASIC, "--product", "x" * 201),
    bad("request", "log", "x", *BASIC, "--request", "x" * 2001),
    bad("order_no", "log", "x", *BASIC, "--order-no", "\x00"),
    bad("batch", "log", "x", *BASIC, "--batch", ""),
    # ---- log: times and numbers -----------------------------------------------------
    bad("received_at", "log", "x", *BASIC, "--received-at", "2026-02-30 10:00"),
    bad("received_at", "log", "x", *BASIC, "--received-at", "2026-11-23 10:00"),
    bad("received_at", "log", "x", *BASIC, "--received-at", "next tuesday"),
    bad("received_at", "log", "x", *BASIC, "--received-at", "2026-11-22 25:00"),
    bad("received_at", "log", "x", *BASIC, "--received-at", "25:00"),
    bad("received_at", "log", "x", *BASIC, "--received-at", "+1h"),
    bad("received_at", "log", "x", *BASIC, "--received-at", "tomorrow 09:00"),
    bad("received_at", "log", "x", *BASIC, "--received-at", "2026-11-22T09:00+99:00"),
    bad(
        "received_at",
        *("log", "x", *BASIC, "--received-at", ""),
    ),
    bad(
        "received_at",
        *("log", "x", *BASIC, "--received-at", "0001-01-01 00:00"),
    ),
    bad("delivery_date", "log", "x", *BASIC, "--delivery-date", "2026-13-01"),
    bad("delivery_date", "log", "x", *BASIC, "--delivery-date", "2026-11-30"),
    bad("delivery_date", "log", "x", *BASIC, "--delivery-date", "2026-02-30"),
    bad("delivery_date", "log", "x", *BASIC, "--delivery-date", "next tuesday"),
    bad("quantity", "log", "x", *BASIC, "--quantity", "-1"),
    bad("quantity", "log", "x", *BASIC, "--quantity", "abc"),
    bad("quantity", "log", "x", *BASIC, "--quantity", "1000001"),
    bad("quantity", "log", "x", *BASIC, "--quantity", "1" + "0" * 25),
    bad("defective", "log", "x", *BASIC, "--quantity", "5", "--defective", "9"),
    bad("people", "log", "x", *BASIC, "--people", "0"),
    bad("people", "log", "x", *BASIC, "--people", "-1"),
    bad("--people", "log", "x", *BASIC, "--people", "many"),
    bad("reason", "log", "吃完腹泻", *BASIC, "--severity", "non_urgent"),
    bad("by", "log", "x", *BASIC, "--by", "\t"),
    bad("by", "log", "x", *BASIC, env={"AFTERSALES_OPERATOR": "\x1b[31m"}),
    bad("rules", "log", "x", *BASIC, "--rules", "/nonexistent/rules.toml"),
    bad("--colour", "log", "x", *BASIC, "--colour", "red"),
    # ---- classify -------------------------------------------------------------------
    bad("category", "classify", "1", "--category", SQL),
    bad("category", "classify", "1", "--category", "foodsafety"),
    bad("category", "classify", "1", "--category", "食品 安全x"),
    bad("severity", "classify", "1", "--severity", "紧急的"),
    bad("reason", "classify", "1", "--severity", "general"),
    bad("reason", "classify", "1", "--severity", "non_urgent", "--reason", ""),
    bad("reason", "classify", "1", "--severity", "general", "--reason", LONG),
    bad("status", "classify", "2", "--category", "other"),
    bad("ID", "classify", "abc"),
    bad("ID", "classify", "1.5"),
    bad("-1", "classify", "-1"),
    bad("no complaint 404", "classify", "404"),
    # ---- assign ---------------------------------------------------------------------
    bad("department", "assign", "1", "--dept", "marketing"),
    bad("department", "assign", "1", "--dept", "市场部"),
    bad("department", "assign", "1", "--dept", SQL),
    bad("department", "assign", "1", "--dept", "质控📞"),
    bad("to", "assign", "1", "--to", ""),
    bad("to", "assign", "1", "--to", LONG),
    bad("to", "assign", "1", "--to", "李\x07工"),
    bad("status", "assign", "2"),
    bad("id", "assign", "404"),
    # ---- done -----------------------------------------------------------------------
    bad("milestone", "done", "1", "lunch"),
    bad("milestone", "done", "1", "联系人"),
    bad("milestone", "done", "1", "resolution"),
    bad("milestone", "done", "1", "revisit"),
    bad("milestone", "done", "3", "contact"),  # the hotline made contact at intake
    bad("status", "done", "2", "plan"),
    bad("id", "done", "404", "plan"),
    bad("at", "done", "1", "plan", "--at", "2026-11-22 08:00"),
    bad("at", "done", "1", "plan", "--at", "2026-11-22 11:00"),
    bad("at", "done", "1", "plan", "--at", "2026-02-30 10:00"),
    bad("at", "done", "1", "plan", "--at", "25:00"),
    bad("at", "done", "1", "plan", "--at", "next tuesday"),
    bad("at", "done", "1", "plan", "--at", ""),
    bad("note", "done", "1", "plan", "--note", LONG),
    bad("note", "done", "1", "plan", "--note", "\x1b[31m"),
    # ---- extend ---------------------------------------------------------------------
    bad("until", "extend", "1", "--until", "2026-11-22 09:30", "--reason", "x"),
    bad("until", "extend", "1", "--until", "2026-02-30 10:00", "--reason", "x"),
    bad("until", "extend", "1", "--until", "soon", "--reason", "x"),
    bad("until", "extend", "1", "--until", "", "--reason", "x"),
    bad(
        "until",
        *("extend", "1", "--until", "+99999999999h", "--reason", "x"),
    ),
    bad("reason", "extend", "1", "--until", "+2h", "--reason", ""),
    bad("reason", "extend", "1", "--until", "+2h", "--reason", LONG),
    bad("reason", "extend", "1", "--until", "+2h", "--reason", "\x00"),
    bad("--reason", "extend", "1", "--until", "+2h"),
    bad("milestone", "extend", "1", "--until", "+2h", "--reason", "x", "--milestone", "revisit"),
    bad("milestone", "extend", "1", "--until", "+2h", "--reason", "x", "--milestone", "调查x"),
    bad("milestone", "extend", "3", "--until", "+2h", "--reason", "x", "--milestone", "contact"),
    bad("status", "extend", "2", "--until", "+2h", "--reason", "x"),
    bad("id", "extend", "404", "--until", "+2h", "--reason", "x"),
    # ---- close ----------------------------------------------------------------------
    bad("remedy", "close", "1", "--remedy", "hug", "--cause", "processing"),
    bad("remedy", "close", "1", "--remedy", "退钱", "--cause", "processing"),
    bad("remedy", "close", "1", "--remedy", "", "--cause", "processing"),
    bad("cause", "close", "1", "--remedy", "refund", "--cause", "gremlins"),
    bad("cause", "close", "1", "--remedy", "refund", "--cause", "外星人"),
    bad("cause", "close", "1", "--remedy", "refund", "--cause", SQL),
    bad("--cause", "close", "1", "--remedy", "refund"),
    bad("amount", *ON_1, "--amount", "-1"),
    bad("amount", *ON_1, "--amount", "1e9"),
    bad("amount", *ON_1, "--amount", "1.234"),
    bad("amount", *ON_1, "--amount", "¥abc"),
    bad("amount", *ON_1, "--amount", ""),
    bad("amount", *ON_1, "--amount", "NaN"),
    bad("amount", *ON_1, "--amount", "10000000.01"),
    bad(
        "amount",
        *(*ON_1, "--amount", "1" + "0" * 26),
    ),
    bad("price", *ON_1, "--price", "-5"),
    bad("loss", *ON_1, "--loss", "1e9"),
    bad("supply_value", *ON_1, "--finding", "spoiled"),
    bad("supply_value", *ON_1, "--finding", "spoiled", "--supply-value", "0"),
    bad("supply_value", *ON_1, "--finding", "spoiled", "--supply-value", "-100"),
    bad("org", "close", "3", *ON_1[2:], "--finding", "spoiled", "--supply-value", "100"),
    bad("finding", *ON_1, "--finding", "meh"),
    bad("finding", *ON_1, "--finding", "变质了吗"),
    bad("staff", *ON_1, "--staff", "\x07"),
    bad("note", *ON_1, "--note", LONG),
    bad("status", "close", "2", "--remedy", "refund", "--cause", "processing"),
    bad("id", "close", "404", "--remedy", "refund", "--cause", "processing"),
    # ---- revisit --------------------------------------------------------------------
    bad("status", "revisit", "1", "--satisfaction", "5"),
    bad("status", "revisit", "3", "--satisfaction", "4"),
    bad("satisfaction", "revisit", "2", "--satisfaction", "6"),
    bad("satisfaction", "revisit", "2", "--satisfaction", "0"),
    bad("satisfaction", "revisit", "2", "--satisfaction", "-1"),
    bad("--satisfaction", "revisit", "2", "--satisfaction", "abc"),
    bad("--satisfaction", "revisit", "2"),
    bad("method", "revisit", "2", "--satisfaction", "5", "--method", "pigeon"),
    bad("method", "revisit", "2", "--satisfaction", "3", "--method", "飞鸽传书"),
    bad("note", "revisit", "2", "--satisfaction", "5", "--note", "好\x00"),
    bad("note", "revisit", "2", "--satisfaction", "3", "--note", LONG),
    bad("id", "revisit", "404", "--satisfaction", "3"),
    # ---- show -----------------------------------------------------------------------
    bad("--bogus", "show", "1", "--bogus"),
    bad("no complaint 404", "show", "404"),
    bad("ID", "show", "0"),
    bad("ID", "show", "abc"),
    bad("ID", "show"),
    bad(
        "id",
        *("show", "99999999999999999999999"),
    ),
    # ---- list -----------------------------------------------------------------------
    bad("status", "list", "--status", "lost"),
    bad("status", "list", "--status", "已关闭"),
    bad("severity", "list", "--severity", "critical"),
    bad("category", "list", "--category", "food_safty"),
    bad("department", "list", "--dept", "marketing"),
    bad("org", "list", "--org", ""),
    bad("from", "list", "--from", "2026-02-30"),
    bad("to", "list", "--to", "next tuesday"),
    bad("to", "list", "--from", "2026-11-22", "--to", "2026-11-01"),
    bad("limit", "list", "--limit", "-3"),
    bad("limit", "list", "--limit", "0"),
    bad("--limit", "list", "--limit", "abc"),
    bad(
        "limit",
        *("list", "--limit", "99999999999999999999999"),
    ),
    bad("text", "list", "--text", "\x00"),
    bad("text", "list", "--text", LONG),
    # ---- overdue --------------------------------------------------------------------
    bad("within", "overdue", "--within", "soon"),
    bad("within", "overdue", "--within", "-1h"),
    bad("within", "overdue", "--within", "1y"),
    bad("within", "overdue", "--within", ""),
    bad(
        "within",
        *("overdue", "--within", "99999999999d"),
    ),
    bad("AFTERSALES_TZ", "overdue", env={"AFTERSALES_TZ": "Mars/Base"}),
    # ---- report ---------------------------------------------------------------------
    bad("quarter", "report", "--quarter", "2026Q5"),
    bad("quarter", "report", "--quarter", "2026Q0"),
    bad("quarter", "report", "--quarter", "last year"),
    bad("month", "report", "--month", "2026-13"),
    bad("month", "report", "--month", "2026-00"),
    bad("month", "report", "--month", "November"),
    bad("to", "report", "--from", "2026-11-30", "--to", "2026-11-01"),
    bad("from", "report", "--from", "2026-02-30"),
    bad("from", "report", "--to", "2026-11-01"),
    bad("period", "report", "--quarter", "2026Q3", "--month", "2026-07"),
    bad(
        "month",
        *("report", "--month", "0000-01"),
    ),
    bad(
        "quarter",
        *("report", "--quarter", "9999Q4"),
    ),
    bad(
        "month",
        *("report", "--month", ""),
    ),
    # ---- backup ---------------------------------------------------------------------
    bad("file", "backup", "{tmp}/exists.jsonl"),
    bad("file", "backup", "{tmp}/aftersales.db"),
    bad("file", "backup", "{tmp}/missing/backup.db"),
    bad("file", "backup", ""),
    bad("AFTERSALES_NOW", "backup", "{tmp}/new.db", env={"AFTERSALES_NOW": "garbage"}),
    # ---- export ---------------------------------------------------------------------
    bad("format", "export", "--format", "xml"),
    bad("format", "export", "--format", ""),
    bad("out", "export", "--out", "{tmp}/exists.jsonl"),
    bad("out", "export", "--out", "{tmp}/missing/all.jsonl"),
    bad("status", "export", "--status", "lost"),
    bad("from", "export", "--from", "2026-02-30"),
    bad("to", "export", "--to", "next tuesday"),
    # ---- import ---------------------------------------------------------------------
    bad("file", "import", "{tmp}/missing.jsonl"),
    bad("file", "import", "{tmp}"),
    bad("format", "import", "{tmp}/exists.jsonl", "--format", "xml"),
    bad("channel", "import", "{tmp}/exists.jsonl", "--channel", "传真"),
    bad("AFTERSALES_TZ", "import", "{tmp}/missing.jsonl", env={"AFTERSALES_TZ": "Mars/Base"}),
    # ---- rules ----------------------------------------------------------------------
    bad("rules", "rules", "--rules", "/nonexistent/rules.toml"),
    bad("deadlines.general.soonish", "rules", "--rules", "{tmp}/bad-key.toml"),
    bad("broken.toml", "rules", "--rules", "{tmp}/broken.toml"),
    bad("rules", "rules", "--rules", "{tmp}/latin1.toml"),
    bad("rules", "rules", env={"AFTERSALES_RULES": "/nonexistent/rules.toml"}),
    bad("--bogus", "rules", "--bogus"),
    bad("deadlines.general.soonish", "show", "1", env={"AFTERSALES_RULES": "{tmp}/bad-key.toml"}),
    # ---- demo (never near the real database, never in the working folder) -------------
    bad("deadlines.general.soonish", "demo", "--db", "{tmp}/d.db", "--rules", "{tmp}/bad-key.toml"),
    bad("rules", "demo", "--db", "{tmp}/d.db", "--rules", "/nonexistent/rules.toml"),
    bad("AFTERSALES_NOW", "demo", "--db", "{tmp}/d.db", env={"AFTERSALES_NOW": "garbage"}),
    bad("db", "demo", "--db", "{tmp}/exists.jsonl"),
    bad(
        "db",
        *("demo", "--db", "{tmp}/aftersales.db"),
    ),
    bad("--bogus", "demo", "--bogus"),
    # ---- the environment and the command line ---------------------------------------
    bad("AFTERSALES_NOW", "list", env={"AFTERSALES_NOW": "garbage"}),
    bad("AFTERSALES_NOW", "log", "x", *BASIC, env={"AFTERSALES_NOW": "2026-02-30 10:00"}),
    bad("AFTERSALES_NOW", *ON_1, env={"AFTERSALES_NOW": "next tuesday"}),
    bad("AFTERSALES_TZ", "log", "x", *BASIC, env={"AFTERSALES_TZ": "Mars/Base"}),
    bad("AFTERSALES_TZ", "report", env={"AFTERSALES_TZ": "Mars/Base"}),
    bad("--bogus", "--bogus", "list"),
    bad("frobnicate", "frobnicate"),
]


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_the_table_is_big_enough() -> None:
    assert len(BAD) >= 80
    commands = {p.values[0][0] for p in BAD}
    assert commands >= {
        "log", "classify", "assign", "done", "extend", "close", "revisit", "show", "list",
        "overdue", "report", "backup", "export", "import", "rules", "demo",
    }  # fmt: skip


@pytest.mark.parametrize(("argv", "field", "env"), BAD)
def test_bad_input_is_refused_and_leaves_the_database_untouched(
    run: Run, seeded: Path, tmp_path: Path, argv: list[str], field: str, env: dict[str, str]
) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    env = {k: v.replace("{tmp}", str(tmp_path)) for k, v in env.items()}
    before, files = digest(seeded), listing(tmp_path)
    result = run(*argv, env=env)
    refused(result, field)
    assert result.stdout == ""
    assert digest(seeded) == before
    assert listing(tmp_path) == files  # no -wal, -shm, partial or demo file left behind


def test_a_bad_rules_file_names_the_key(run: Run, seeded: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[deadlines.general]\ncontact = 'soon'\n", encoding="utf-8")
    before = digest(seeded)
    refused(run("log", "x", *BASIC, "--rules", str(rules)), "deadlines.general.contact")
    refused(run("classify", "1", env={"AFTERSALES_RULES": str(rules)}), "deadlines.general.contact")
    assert digest(seeded) == before


def test_a_bad_clock_or_zone_is_one_line(run: Run, seeded: Path) -> None:
    refused(run("list", env={"AFTERSALES_NOW": "teatime"}), "AFTERSALES_NOW")
    refused(run("list", env={"AFTERSALES_TZ": "Mars/Olympus"}), "AFTERSALES_TZ")


def test_not_a_database(run: Run, tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("just some text, not sqlite\n" * 100)
    refused(run("list", "--db", str(junk)), "database", "damaged or not a database", code=74)
    refused(run("list", "--db", str(tmp_path)), "database", "folder")


def test_a_newer_schema_is_refused(run: Run, seeded: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(seeded)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    refused(run("list"), "database", "newer")


def test_an_internal_error_is_one_line_without_debug(
    run: Run, seeded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aftersales_cli.store import search

    def broken(*args: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(search, "search", broken)
    result = run("list", env={"AFTERSALES_DEBUG": ""})
    assert result.exit_code == 70
    assert result.stderr.startswith("error: internal error (ZeroDivisionError: boom)")
    assert "Traceback" not in result.output


def test_an_import_with_several_bad_rows_names_each_and_changes_nothing(
    run: Run, seeded: Path, tmp_path: Path
) -> None:
    rows = tmp_path / "form.jsonl"
    good = {"description": "好的一行", "channel": "online", "customer": "a", "phone": "13800000000"}
    lines = [
        good,
        {**good, "channel": "热线📞"},
        {**good, "phone": "138abc"},
        {**good, "category": SQL},
        {**good, "received_at": "2026-02-30 10:00"},
    ]
    rows.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), "utf-8")
    before, files = digest(seeded), listing(tmp_path)
    result = run("import", str(rows))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.output
    errors = result.stderr.splitlines()
    assert all(line.startswith("error: ") for line in errors)
    assert [e.split(":")[1:3] for e in errors[:-1]] == [
        [" line 2", " channel"],
        [" line 3", " phone"],
        [" line 4", " category"],
        [" line 5", " received_at"],
    ]
    assert errors[-1] == f"error: file: 4 bad row(s) in {rows}; nothing imported"
    assert digest(seeded) == before
    assert listing(tmp_path) == files


FREE_TEXT = {
    "description": "米饭有馊味 \"O'Brien\" said; '; DROP TABLE complaints; -- 🍚🤢"
    "\n第二行 \U0001f468\u200d\U0001f469\u200d\U0001f467 \u2764\ufe0f",
    "customer": 'O\'Brien "老王" 🙂',
    "org": "实验小学'); DELETE FROM events; --",
    "product": "午餐A套餐 <script>alert(1)</script>",
    "batch": "B-1122-02' OR '1'='1",
    "order_no": "%_\\%; --",
    "request": "退款 & apology; SELECT * FROM complaints WHERE 1=1 😤",
}


def test_free_text_may_hold_quotes_sql_emoji_and_chinese_and_is_kept_exactly(run: Run) -> None:
    argv = ["log", FREE_TEXT["description"], *BASIC]
    for name, value in FREE_TEXT.items():
        if name != "description":
            argv += [f"--{name.replace('_', '-')}", value]
    case = ok(run(*argv, "--json"))
    cid = str(case["id"])
    person = "李工 'x'; DROP TABLE complaints; -- 👷"
    note = '已致电 "家长"; DELETE FROM complaints; -- 📞\n明天复查'
    reason = "等待第三方检测报告 'lab'; -- 🧪"
    ok(run("assign", cid, "--to", person))
    ok(run("done", cid, "contact", "--note", note))
    ok(run("extend", cid, "--until", "+30h", "--reason", reason))
    closing = ["--remedy", "退款", "--cause", "加工", "--staff", person, "--note", note]
    closing += ["--finding", "无"]
    ok(run("close", cid, *closing))
    ok(run("revisit", cid, "--satisfaction", "4", "--note", reason + " 满意😊"))
    shown = ok(run("show", cid, "--json"))
    for name, value in FREE_TEXT.items():
        assert shown[name] == value, name
    assert shown["assignee"] == person and shown["staff"] == person
    assert shown["note"] == note
    assert shown["revisit_note"] == reason + " 满意😊"
    assert shown["deadlines"]["resolution"]["reason"] == reason
    notes = [e["note"] for e in shown["events"] if e["action"] in ("done", "extend", "close")]
    assert notes == [note, reason, note]
    # the text search treats it as text too
    assert [c["id"] for c in ok(run("list", "--all", "--text", "'1'='1", "--json"))] == [case["id"]]
    assert ok(run("list", "--all", "--text", "' OR 1=1 --", "--json")) == []


def test_a_description_of_2000_characters_is_taken_and_one_of_10000_is_not(
    run: Run, db_path: Path
) -> None:
    longest = "米饭" * 1000
    case = ok(run("log", longest, *BASIC, "--json"))
    assert ok(run("show", str(case["id"]), "--json"))["description"] == longest
    before = digest(db_path)
    refused(run("log", longest + "x", *BASIC), "description", "2000")
    refused(run("log", "米" * 10_000, *BASIC), "description", "10000")
    assert digest(db_path) == before
