"""The benchmark seed writes what the tool itself would have written (small runs)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import Run, ok

from aftersales_cli.store import complaints as store
from aftersales_cli.store.db import open_db
from aftersales_cli.store.migrations import SCHEMA_VERSION

SEED = Path(__file__).resolve().parent.parent / "benchmarks" / "seed.py"


def seed(tmp_path: Path, count: int) -> Path:
    db = tmp_path / "seeded.db"
    result = subprocess.run(
        [sys.executable, str(SEED), "--count", str(count), "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
        env={"AFTERSALES_NOW": "2026-11-22 10:00", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    return db


def test_seeded_rows_are_what_the_store_would_write(tmp_path: Path) -> None:
    db = seed(tmp_path, 3000)
    conn = open_db(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    rows = {r["id"]: r for r in conn.execute("SELECT * FROM complaints")}
    assert len(rows) == 3000
    for complaint_id in range(1, 3001, 7):
        case = store.get(conn, complaint_id)
        for column, value in store.report_figures(case).items():
            assert rows[complaint_id][column] == value, (complaint_id, column)
    gaps = dict(conn.execute("SELECT id, same_gap_minutes FROM complaints"))
    for row in conn.execute("SELECT phone_key, category, received_at, id FROM complaints"):
        store.refresh_repeats(conn, row[0], row[1], row[3], row[2])
    assert dict(conn.execute("SELECT id, same_gap_minutes FROM complaints")) == gaps
    statuses = dict(conn.execute("SELECT status, COUNT(*) FROM complaints GROUP BY status"))
    assert statuses["revisited"] > 2500 and statuses.get("new", 0) > 0
    assert conn.execute("SELECT COUNT(*) FROM sqlite_stat1").fetchone()[0] > 0  # analysed


def test_the_tool_works_on_a_seeded_database(run: Run, tmp_path: Path) -> None:
    db = seed(tmp_path, 2000)
    assert len(ok(run("list", "--json", "--db", str(db)))) > 0
    assert ok(run("report", "--quarter", "last", "--json", "--db", str(db)))["total"] > 0
    assert run("overdue", "--db", str(db)).exit_code in (0, 1)
    data = ok(run("show", "1000", "--json", "--db", str(db)))
    assert json.dumps(data)  # a whole case, with its history
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] >= 2000
