"""Issue 11, found 9: the penalty multiplier is a whole number, stored as an INTEGER (it
was TEXT, which sorts "10" before "2"); the rules file's ladder takes whole multiples."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, ok, refused

from aftersales_cli.rules.config import RulesFileError, parse_rules

Log = Callable[..., dict[str, Any]]
FIXTURES = Path(__file__).parent / "fixtures"


def _fined_three_times(run: Run, log: Log) -> None:
    """Three deliveries to one school gone wrong: ×2, ×3, ×10."""
    for n in range(3):
        day = f"2026-11-{10 + n}"
        log("米饭变质发酸", org="实验小学", batch=f"B{n}", delivery_date=day, now=f"{day} 09:00")
        ok(
            run(
                "close",
                str(n + 1),
                "--remedy",
                "更换套餐",
                "--cause",
                "storage_transport",
                "--finding",
                "spoiled",
                "--supply-value",
                "1000",
                "--json",
            )
        )


def _declared(conn: sqlite3.Connection, table: str, column: str) -> str:
    types = {row[1]: row[2] for row in conn.execute(f"PRAGMA table_info({table})")}
    return str(types[column])


def test_multipliers_are_integers_and_sort_as_numbers(run: Run, log: Log, db_path: Path) -> None:
    _fined_three_times(run, log)
    conn = sqlite3.connect(db_path)
    assert _declared(conn, "complaints", "penalty_multiplier") == "INTEGER"
    assert _declared(conn, "ledger", "multiplier") == "INTEGER"
    assert conn.execute(
        "SELECT penalty_multiplier, typeof(penalty_multiplier) FROM complaints "
        "WHERE penalty_multiplier IS NOT NULL ORDER BY penalty_multiplier"
    ).fetchall() == [(2, "integer"), (3, "integer"), (10, "integer")]
    assert conn.execute(
        "SELECT multiplier FROM ledger WHERE multiplier IS NOT NULL ORDER BY multiplier"
    ).fetchall() == [(2,), (3,), (10,)]
    assert [ok(run("show", str(n), "--json"))["penalty"]["multiplier"] for n in (1, 2, 3)] == [
        2,
        3,
        10,
    ]
    ok(run("check"))


def test_an_older_database_gets_integer_multipliers(run: Run, tmp_path: Path) -> None:
    """Schema 1 kept the multiplier as the text "2"; upgraded, it is the number 2, in
    the complaint's row and in the ledger entry migration 0005 made from it."""
    db = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-v1.db", db)
    ok(run("check", "--db", str(db)))
    conn = sqlite3.connect(db)
    assert conn.execute(
        "SELECT penalty_multiplier, typeof(penalty_multiplier) FROM complaints WHERE id = 1"
    ).fetchone() == (2, "integer")
    assert conn.execute(
        "SELECT multiplier, typeof(multiplier) FROM ledger WHERE kind = 'fine'"
    ).fetchall() == [(2, "integer")]
    # the ledger is still append-only
    with pytest.raises(sqlite3.IntegrityError, match="never changed"):
        conn.execute("UPDATE ledger SET multiplier = 3")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM ledger")


@pytest.mark.parametrize("ladder", ["[2, 2.5, 10]", "[1.5]", "[2, 3.0]"])
def test_a_fractional_multiple_in_the_ladder_is_refused(ladder: str) -> None:
    with pytest.raises(RulesFileError, match=r"penalties\.ladder: .*whole number"):
        parse_rules(f"[penalties]\nladder = {ladder}\n", "rules.toml")


def test_the_cli_refuses_a_fractional_ladder(run: Run, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[penalties]\nladder = [2, 2.5, 10]\n", encoding="utf-8")
    message = refused(run("rules", "--rules", str(rules)), "penalties.ladder")
    assert "Traceback" not in message


def test_the_default_ladder_is_whole() -> None:
    rules = parse_rules("", "defaults")
    assert rules.penalties.ladder == (2, 3, 10)
    assert all(k == int(k) for k in rules.penalties.ladder)
