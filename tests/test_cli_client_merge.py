"""`client merge FROM INTO` files FROM's complaints under INTO (issue 13, DECISIONS §9):
the penalty ladder, client repeats, clusters and reports then count one client. Each
moved complaint's history says so; money moves only as ledger entries."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aftersales_cli.store.fulltext import phrase
from tests.conftest import Run, ok, refused

Log = Callable[..., dict[str, Any]]

INTO = "实验小学"
FROM = "实验小学(东校区)"
SPOILED = ("--remedy", "refund", "--cause", "processing", "--finding", "spoiled")


def _fined(run: Run, log: Log, org: str, day: str, batch: str) -> int:
    """A complaint of `org` about the delivery of `day`, closed with a fine (supply ¥2000)."""
    cid = int(
        log(
            "午餐米饭变质发馊",
            org=org,
            batch=batch,
            delivery_date=day,
            category="food_safety",
            now=f"{day} 13:00",
        )["id"]
    )
    ok(run("close", str(cid), *SPOILED, "--supply-value", "2000", "--json", now=f"{day} 15:00"))
    return cid


def _penalty(run: Run, cid: int) -> tuple[int, float]:
    data = ok(run("show", str(cid), "--json"))["penalty"]
    return data["offence"], data["amount"]


def _fines(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        (total,) = conn.execute(
            "SELECT COALESCE(SUM(amount_fen), 0) FROM ledger WHERE kind = 'fine'"
        ).fetchone()
    return int(total) // 100


def _dump(db: Path) -> list[Any]:
    with sqlite3.connect(db) as conn:
        return [
            conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in ("clients", "client_aliases", "client_events", "complaints", "events",
                      "ledger", "deadlines")
        ]  # fmt: skip


@pytest.fixture
def two_ladders(run: Run, log: Log) -> tuple[int, int, int]:
    """FROM fined once (11-10); INTO twice (11-15, 11-20): two ladders, ×2 and ×2, ×3."""
    a = _fined(run, log, FROM, "2026-11-10", "B-1")
    b = _fined(run, log, INTO, "2026-11-15", "B-2")
    c = _fined(run, log, INTO, "2026-11-20", "B-3")
    return a, b, c


def test_the_ladder_numbers_both_histories_together(
    run: Run, two_ladders: tuple[int, int, int], db_path: Path
) -> None:
    a, b, c = two_ladders
    assert [_penalty(run, i) for i in (a, b, c)] == [(1, 4000), (1, 4000), (2, 6000)]
    assert _fines(db_path) == 14000
    merged = ok(run("client", "merge", FROM, INTO, "--json"))
    assert merged["name"] == INTO and merged["moved"] == 1 and FROM in merged["aliases"]
    # 11-10 is offence 1 (×2), 11-15 offence 2 (×3), 11-20 offence 3 (×10)
    assert [_penalty(run, i) for i in (a, b, c)] == [(1, 4000), (2, 6000), (3, 20000)]
    assert _fines(db_path) == 4000 + 6000 + 20000  # the ledger nets to the new fines
    shown = ok(run("client", "show", INTO, "--json"))
    assert [o["offence"] for o in shown["offences"]] == [1, 2, 3]
    assert shown["next_multiplier"] == 10 and shown["complaints"] == 3
    ledger = ok(run("show", str(b), "--json"))["ledger"]
    assert [e["amount"] for e in ledger] == [4000, -4000, 6000]
    assert all(f"client merge {FROM} into {INTO}" in e["reason"] for e in ledger[1:])
    assert "offence renumbered 1 → 2" in ledger[1]["reason"]
    moved = ok(run("show", str(a), "--json"))["ledger"]
    assert [e["amount"] for e in moved] == [4000, -4000, 4000]
    assert f"is now {INTO} · 2026-11-10 · batch b-1" in moved[1]["reason"]
    assert ok(run("check", "--json"))["ok"] is True


def test_a_moved_complaint_says_so_in_its_history(
    run: Run, two_ladders: tuple[int, int, int], db_path: Path
) -> None:
    a, b, c = two_ladders
    ok(run("client", "merge", FROM, INTO))
    data = ok(run("show", str(a), "--json"))
    assert data["org"] == INTO
    last = data["events"][-1]
    assert last["action"] == "edit" and last["changes"] == {"org": [FROM, INTO]}
    assert last["note"] == f"client merge {FROM} into {INTO}"
    text = run("show", str(a)).stdout
    assert f"client merge {FROM} into {INTO}" in text
    renumbered = ok(run("show", str(b), "--json"))["events"][-1]
    assert renumbered["action"] == "penalty"
    assert renumbered["changes"]["penalty.offence"] == [1, 2]
    # the moved complaint is found by the client it is filed under now
    found = ok(run("list", "--text", INTO, "--json"))
    assert {r["id"] for r in found} >= {a, b}
    with sqlite3.connect(db_path) as conn:  # the index holds the org as it is now
        assert (
            conn.execute(
                "SELECT rowid FROM search_cases WHERE search_cases MATCH ?", (phrase("东校区"),)
            ).fetchall()
            == []
        )
    # (found by the old name only through the notes that name the merge)
    assert {r["id"] for r in ok(run("list", "--text", "东校区", "--json"))} == {a, b, c}


def test_the_report_counts_one_client(run: Run, two_ladders: tuple[int, int, int]) -> None:
    before = ok(run("report", "--quarter", "current", "--json"))
    assert sorted(p["org"] for p in before["penalties"]) == [INTO, FROM]
    ok(run("client", "merge", FROM, INTO))
    after = ok(run("report", "--quarter", "current", "--json"))
    (school,) = after["penalties"]
    assert school["org"] == INTO and school["offences"] == 3
    assert school["multipliers"] == [2, 3, 10]
    assert after["penalties_total"] == 30000


def test_client_repeats_count_both(run: Run, log: Log, db_path: Path) -> None:
    log(org=INTO, now="2026-11-10 09:00")
    log(org=FROM, now="2026-11-12 09:00")
    log(org=INTO, now="2026-11-14 09:00")

    def gaps() -> list[int | None]:
        with sqlite3.connect(db_path) as conn:
            rows = conn.execute("SELECT client_gap_minutes FROM complaints ORDER BY id")
            return [r[0] for r in rows]

    assert gaps() == [None, None, 4 * 1440]
    ok(run("client", "merge", FROM, INTO))
    assert gaps() == [None, 2 * 1440, 2 * 1440]  # one client: each follows the one before
    result = run("log", "米饭偏硬", "--channel", "online", "--customer", "李",
                 "--phone", "13900000009", "--org", INTO, "--json")  # fmt: skip
    warnings = ok(result)["warnings"]
    assert any(f"{INTO} complained 3 time(s)" in w and "#1, #2, #3" in w for w in warnings)
    assert ok(run("check", "--json"))["ok"] is True


def test_a_merge_with_nothing_filed_moves_nothing(run: Run, log: Log) -> None:
    ok(run("client", "add", FROM))
    log(org=INTO)
    merged = ok(run("client", "merge", FROM, INTO, "--json"))
    assert merged["moved"] == 0
    text = run("client", "merge", "x-1", INTO)
    refused(text, "from", "no client")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        ((FROM, "实验小学（东校区）"), ("into", "same client")),
        (("无名", INTO), ("from", "no client")),
        ((FROM, "无名"), ("into", "no client")),
    ],
)
def test_a_refused_merge_changes_nothing(
    run: Run,
    two_ladders: tuple[int, int, int],
    db_path: Path,
    argv: tuple[str, str],
    words: tuple[str, ...],
) -> None:
    before = _dump(db_path)
    refused(run("client", "merge", *argv), *words)
    assert _dump(db_path) == before


def test_an_open_case_moved_brings_the_targets_terms(
    run: Run, log: Log, tmp_path: Path, thursday: None
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(f'[clients."{INTO}"]\ndeadlines.general = {{ plan = "2h" }}\n', "utf-8")
    ok(run("client", "add", INTO))
    opened = log(org=FROM)
    done = log(org=FROM, now="2026-11-18 09:00")
    ok(run("close", str(done["id"]), "--remedy", "refund", "--cause", "processing",
           now="2026-11-18 10:00"))  # fmt: skip
    assert opened["deadlines"]["plan"]["due_at"][:16] == "2026-11-19T14:00"
    ok(run("client", "merge", FROM, INTO, "--rules", str(rules), now="2026-11-19 10:30"))
    data = ok(run("show", str(opened["id"]), "--json"))
    assert data["org"] == INTO and data["deadlines"]["plan"]["due_at"][:16] == "2026-11-19T12:00"
    assert data["events"][-1]["note"] == f"client merge {FROM} into {INTO}"
    assert "deadlines.plan.due_at" in data["events"][-1]["changes"]
    closed_ = ok(run("show", str(done["id"]), "--json"))
    assert closed_["org"] == INTO and closed_["events"][-1]["changes"]["org"] == [FROM, INTO]
    assert ok(run("check", "--json"))["ok"] is True
