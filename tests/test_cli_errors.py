"""Bad input: exit 2, one line naming the field, and a byte-identical database."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import BASIC, Run, ok, refused


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def seeded(run: Run, db_path: Path) -> Path:
    ok(run("log", "米饭变质", *BASIC, "--org", "实验小学", now="2026-11-22 09:00"))
    ok(run("log", "鸡腿没熟", *BASIC, now="2026-11-22 09:30"))
    ok(run("close", "2", "--remedy", "refund", "--cause", "processing"))
    return db_path


BAD = [
    (["log", "x", *BASIC, "--category", "food_safty"], "category"),
    (["log", "x", *BASIC, "--severity", "critical"], "severity"),
    (["log", "x", *BASIC[:4], "--phone", "12345"], "phone"),
    (["log", "x", *BASIC[:4], "--phone", "call me maybe"], "phone"),
    (["log", "x", *BASIC[:4], "--phone", "1" * 25], "phone"),
    (["log", "x", "--channel", "fax", *BASIC[2:]], "channel"),
    (["log", "", *BASIC], "description"),
    (["log", "x" * 10_000, *BASIC], "description"),
    (["log", "x", *BASIC, "--org", "a\x07b"], "org"),
    (["log", "x", *BASIC, "--customer", "   "], "customer"),
    (["log", "x", *BASIC, "--received-at", "2026-02-30 10:00"], "received_at"),
    (["log", "x", *BASIC, "--received-at", "2026-11-23 10:00"], "received_at"),
    (["log", "x", *BASIC, "--received-at", "next tuesday"], "received_at"),
    (["log", "x", *BASIC, "--delivery-date", "2026-13-01"], "delivery_date"),
    (["log", "x", *BASIC, "--delivery-date", "2026-11-30"], "delivery_date"),
    (["log", "x", *BASIC, "--quantity", "-1"], "quantity"),
    (["log", "x", *BASIC, "--quantity", "5", "--defective", "9"], "defective"),
    (["log", "x", *BASIC, "--people", "0"], "people"),
    (["log", "x", *BASIC, "--people", "many"], "--people"),
    (["log", "吃完腹泻", *BASIC, "--severity", "non_urgent"], "reason"),
    (["classify", "1", "--category", "'; DROP TABLE complaints; --"], "category"),
    (["classify", "1", "--severity", "general"], "reason"),
    (["classify", "abc"], "ID"),
    (["classify", "404"], "no complaint 404"),
    (["assign", "1", "--dept", "marketing"], "department"),
    (["assign", "2"], "status"),
    (["done", "1", "lunch"], "milestone"),
    (["done", "1", "plan", "--at", "2026-11-22 08:00"], "at"),
    (["done", "1", "plan", "--at", "2026-11-22 11:00"], "at"),
    (["extend", "1", "--until", "2026-11-22 09:30", "--reason", "x"], "until"),
    (["extend", "1", "--until", "+2h", "--reason", ""], "reason"),
    (["extend", "1", "--until", "+2h", "--reason", "x", "--milestone", "revisit"], "milestone"),
    (["close", "1", "--remedy", "hug", "--cause", "processing"], "remedy"),
    (["close", "1", "--remedy", "refund", "--cause", "gremlins"], "cause"),
    (["close", "1", "--remedy", "refund", "--cause", "processing", "--amount", "-1"], "amount"),
    (["close", "1", "--remedy", "refund", "--cause", "processing", "--amount", "1e9"], "amount"),
    (
        ["close", "1", "--remedy", "refund", "--cause", "processing", "--finding", "spoiled"],
        "supply_value",
    ),
    (["close", "1", "--remedy", "refund", "--cause", "processing", "--finding", "meh"], "finding"),
    (["close", "2", "--remedy", "refund", "--cause", "processing"], "status"),
    (["revisit", "1", "--satisfaction", "5"], "status"),
    (["revisit", "2", "--satisfaction", "6"], "satisfaction"),
    (["revisit", "2", "--satisfaction", "0"], "satisfaction"),
    (["revisit", "2", "--satisfaction", "5", "--method", "pigeon"], "method"),
    (["revisit", "2", "--satisfaction", "5", "--note", "好\x00"], "note"),
    (["list", "--status", "lost"], "status"),
    (["list", "--limit", "-3"], "limit"),
    (["log", "x", *BASIC, "--by", "\t"], "by"),
    (["log", "x", *BASIC, "--rules", "/nonexistent/rules.toml"], "rules"),
    (["show", "1", "--bogus"], "--bogus"),
]


@pytest.mark.parametrize(("argv", "field"), BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_input_is_refused_and_leaves_the_database_untouched(
    run: Run, seeded: Path, argv: list[str], field: str
) -> None:
    before = digest(seeded)
    refused(run(*argv), field)
    assert digest(seeded) == before
    assert not Path(str(seeded) + "-wal").exists() or Path(str(seeded) + "-wal").stat().st_size == 0


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
    refused(run("list", "--db", str(junk)), "database", "not an aftersales database")
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
    from aftersales_cli.store import complaints

    def broken(*args: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(complaints, "search", broken)
    result = run("list", env={"AFTERSALES_DEBUG": ""})
    assert result.exit_code == 70
    assert result.stderr.startswith("error: internal error (ZeroDivisionError: boom)")
    assert "Traceback" not in result.output
